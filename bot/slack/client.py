"""The one WebClient, with retries, and Slack errors mapped to what callers can act on.

Rate limits (429 + Retry-After), 5xx answers and dropped connections are retried by
slack_sdk's retry handlers. What is still failing afterwards is classified: transient
errors are worth another attempt later (a durable reminder is rescheduled), permanent ones
(channel archived, user gone) are recorded and reported, never retried forever. The error
classes live in bot/slack/errors.py.
"""

from __future__ import annotations

import http.client
import io
import threading
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.call_metrics import ERROR, TIMEOUT, record_call, slack_method
from bot.slack.errors import SlackDeliveryError, SlackUnreachable, error_for

__all__ = ["SlackDeliveryError", "classify", "make_web_client"]


class KeepAliveWebClient(WebClient):
    """slack_sdk's WebClient sending over kept-alive connections, one per thread.

    The stock client opens (and for HTTPS, handshakes) a new connection for every call;
    a reminder costs one call, so that was most of its price. Only the transport changes:
    requests, answers, errors (``HTTPError`` for non-2xx, as urllib raises it) and
    slack_sdk's retry handlers (429, 5xx, resets) are exactly as before. A kept connection
    the server closed while idle is reopened at once, before anything was answered on it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections = threading.local()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        """Every attempt (slack_sdk's retries included) is counted for ``/metrics``."""
        method = slack_method(url)
        try:
            answer = self._send(url, req)
        except HTTPError as exc:
            record_call("slack", method, exc.code)
            raise
        except TimeoutError:
            record_call("slack", method, TIMEOUT)
            raise
        except Exception:
            record_call("slack", method, ERROR)
            raise
        record_call("slack", method, answer.get("status", ERROR))
        return answer

    def _send(self, url: str, req: Request) -> dict[str, Any]:
        target = urlsplit(url)
        if self.proxy is not None or target.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)  # type: ignore[no-any-return]
        path = target.path + (f"?{target.query}" if target.query else "")
        headers = dict(req.header_items())
        for attempt in range(2):
            connection, reused = self._connection(target.scheme, target.netloc)
            try:
                connection.request("POST", path, body=req.data, headers=headers)  # type: ignore[arg-type]
                response = connection.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._drop()
                if reused and attempt == 0:
                    continue  # closed while idle: nothing was answered, send it anew
                raise
            except Exception:
                self._drop()
                raise
            if response.will_close:
                self._drop()
            return self._answer(url, response, body)
        raise AssertionError("unreachable")

    def _answer(self, url: str, response: http.client.HTTPResponse, body: bytes) -> dict[str, Any]:
        if not 200 <= response.status < 300:
            raise HTTPError(url, response.status, response.reason, response.msg, io.BytesIO(body))
        if response.msg.get_content_type() == "application/gzip":
            return {"status": response.status, "headers": response.msg, "body": body}
        charset = response.msg.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": response.msg, "body": body.decode(charset)}

    def _connection(self, scheme: str, netloc: str) -> tuple[http.client.HTTPConnection, bool]:
        held = getattr(self._connections, "held", None)
        if held is not None and held[0] == (scheme, netloc):
            return held[1], True
        self._drop()
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self.ssl)
        else:
            connection = http.client.HTTPConnection(netloc, timeout=self.timeout)
        self._connections.held = ((scheme, netloc), connection)
        return connection, False

    def _drop(self) -> None:
        held = getattr(self._connections, "held", None)
        self._connections.held = None
        if held is not None:
            held[1].close()


def make_web_client(token: str, base_url: str, *, max_retries: int = 3) -> WebClient:
    """A WebClient pointed at ``SLACK_API_URL`` that rides out 429s, 5xx and resets, over
    kept-alive connections."""
    if not base_url.endswith("/"):
        base_url += "/"
    return KeepAliveWebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ServerErrorRetryHandler(max_retry_count=max_retries),
            ConnectionErrorRetryHandler(max_retry_count=max_retries),
        ],
    )


def classify(method: str, exc: Exception) -> SlackDeliveryError:
    """Turn a slack_sdk exception into the typed error of bot/slack/errors.py.

    Anything that is not a Slack or connection failure is a bug and is raised as it is.
    """
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error", "")) or f"http_{exc.response.status_code}"
        return error_for(method, error)
    if isinstance(exc, SlackClientError | OSError | TimeoutError):
        return SlackUnreachable(method, type(exc).__name__)
    raise exc
