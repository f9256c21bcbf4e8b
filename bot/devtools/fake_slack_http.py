"""HTTP side of the fake Slack: routes, request decoding, and writing answers.

Three kinds of URL are served on one port:
- ``/api/<method>``: the Web API, form-encoded or JSON, token in a Bearer header;
- ``/response/<name>``: response URLs (Bolt's ``respond()`` POSTs JSON there);
- ``/upload/<file_id>``: the upload URLs files.getUploadURLExternal hands out,
  which receive raw bytes (urllib labels them form-encoded; they are not).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.devtools.fake_slack_state import ApiError

# Arguments slack_sdk (and Slack's docs) send as JSON text inside form bodies.
JSON_STRING_ARGS = ("blocks", "attachments", "view", "files", "metadata", "user_auth_blocks")


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, ready to write."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: dict[str, Any], **headers: str) -> Reply:
        return cls(
            status,
            json.dumps(data).encode(),
            {"Content-Type": "application/json; charset=utf-8", **headers},
        )


class Dispatcher(Protocol):
    """What the HTTP layer needs from FakeSlack: turn one decoded call into a reply."""

    def handle_call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        token: str | None,
        needs_token: bool,
        decode_error: ApiError | None,
    ) -> Reply: ...


class FakeSlackServer(ThreadingHTTPServer):
    """A threading HTTP server that knows which FakeSlack answers its requests."""

    daemon_threads = True
    # Concurrent senders (listener pools, dispatch threads) must not stall in the backlog.
    request_queue_size = 128

    def __init__(self, dispatcher: Dispatcher) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.dispatcher = dispatcher

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that died before its answer (a process killed mid-call) is no error of
        the fake's; anything else is still reported."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def decode_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """Arguments from the query string and a form or JSON body, JSON text fields decoded.

    Raises ApiError when the body cannot be read as Slack would read it.
    """
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json":
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise ApiError("invalid_json", violation="body is not valid JSON") from None
        if not isinstance(data, dict):
            raise ApiError("invalid_json", violation="JSON body must be an object")
        params.update({key: value for key, value in data.items() if value is not None})
    elif mime in ("", "application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    else:
        raise ApiError("invalid_form_data", violation=f"unsupported content type {mime!r}")
    if isinstance(params.get("payload"), str) and len(params) == 1:
        params = _loads_object(params["payload"], "payload")
    for key in JSON_STRING_ARGS:
        value = params.get(key)
        if isinstance(value, str) and value.strip():
            params[key] = _loads(value, key)
    return params


def _loads(text: str, key: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        error = "invalid_blocks_format" if key == "blocks" else "invalid_arguments"
        raise ApiError(error, violation=f"{key} is not valid JSON") from None


def _loads_object(text: str, key: str) -> dict[str, Any]:
    value = _loads(text, key)
    if not isinstance(value, dict):
        raise ApiError("invalid_arguments", violation=f"{key} must be a JSON object")
    return value


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


class _RequestHandler(BaseHTTPRequestHandler):
    """Routes one request to the dispatcher; every path answers, unknown ones with 404."""

    server: FakeSlackServer

    def do_POST(self) -> None:
        self._route()

    def do_GET(self) -> None:
        self._route()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the recorded calls are the log, and test output stays readable."""

    def _route(self) -> None:
        url = urlsplit(self.path)
        expected = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(expected)
        if len(body) < expected:
            # The client died mid-request (a process killed while sending): a real server
            # never acts on half a request, so neither is it recorded nor answered.
            self.close_connection = True
            return
        kind, _, rest = url.path.strip("/").partition("/")
        dispatcher = self.server.dispatcher
        if kind == "upload" and rest:
            params = {"file_id": unquote(rest), "length": len(body), "content": body}
            reply = dispatcher.handle_call(
                "file_upload", params, token=None, needs_token=False, decode_error=None
            )
        elif kind in ("api", "response") and rest:
            params, decode_error = {}, None
            try:
                params = decode_params(self.headers.get("Content-Type", ""), body, url.query)
            except ApiError as error:
                decode_error = error
            if kind == "api":
                token = bearer_token(self.headers.get("Authorization")) or params.pop("token", None)
                reply = dispatcher.handle_call(
                    unquote(rest), params, token=token, needs_token=True, decode_error=decode_error
                )
            else:
                params["response_url_name"] = unquote(rest)
                reply = dispatcher.handle_call(
                    "response_url", params, token=None, needs_token=False, decode_error=decode_error
                )
        else:
            reply = Reply.json(404, {"ok": False, "error": "not_found"})
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
