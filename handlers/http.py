"""``POST /slack/events`` on the edge: verify, check the shape, then hand over to Bolt.

Bolt's own WSGI adapter parses the body before it checks the signature, so a malformed
request ended in a 500 with a traceback and an unsigned one had its body logged. Here
nothing parses the body before the signature and timestamp are verified on the raw
bytes; a signed request whose body Bolt could not parse is refused with 400 and a reason;
only then is a ``BoltRequest`` built and dispatched as Bolt's adapter does, so listeners
and the 3-second ack behave as before. The body is parsed once, here: Bolt is handed the
parsed payload with the raw text (its own signature check still reads the raw text).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import falcon
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.edge.body import parse_form, read_capped
from bot.edge.errors import EdgeError
from bot.slack.surfaces import surface_of

REPLAY_WINDOW = 5 * 60  # seconds; Slack's documented limit, as slack_sdk checks it

Id = str | dict[str, Any] | None


class SlackEnvelope(BaseModel):
    """The fields Bolt reads before any listener runs; anything else is the listener's."""

    model_config = ConfigDict(extra="allow")

    type: str | None = None
    team: Id = None
    user: Id = None
    channel: Id = None
    enterprise: Id = None
    event: dict[str, Any] | None = None
    view: dict[str, Any] | None = None
    # Bolt reads actions[0] before any listener runs: an empty list must stop here.
    actions: list[dict[str, Any]] | None = Field(default=None, min_length=1)
    authorizations: list[dict[str, Any]] | None = None


# ``observe(surface, status, seconds)``: a request Bolt answered, and how long the ack took.
SlackObserver = Callable[[str, int, float], None]


class SlackEventsResource:
    def __init__(
        self,
        bolt: App,
        signing_secret: str,
        body_limit: int,
        observe: SlackObserver | None = None,
    ) -> None:
        self._bolt = bolt
        self._secret = signing_secret
        self._verifier = SignatureVerifier(signing_secret)
        self._limit = body_limit
        self._observe = observe

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        started = time.perf_counter()
        body = read_capped(req, self._limit)
        text = self._verified_text(req, body)
        headers = {name.lower(): value for name, value in req.headers.items()}
        parsed, command = self._parsed(text, req.content_type)
        try:
            bolt_request = _bolt_request(text, parsed, req.query_string, headers)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError):
            raise EdgeError(400, "payload has an unexpected shape") from None
        # Bolt returns once the listener acked (or its 3 s ran out): the ack latency.
        answer = self._bolt.dispatch(bolt_request)
        if self._observe is not None:
            surface = surface_of(parsed, command=command)
            self._observe(surface, answer.status, time.perf_counter() - started)
        resp.status = answer.status
        for name, values in answer.headers.items():
            resp.set_header(name, ", ".join(values))
        resp.text = answer.body or ""

    def _verified_text(self, req: falcon.Request, body: bytes) -> str:
        timestamp = req.get_header("X-Slack-Request-Timestamp") or ""
        signature = req.get_header("X-Slack-Signature") or ""
        if not timestamp or not signature:
            raise EdgeError(401, "missing X-Slack-Signature or X-Slack-Request-Timestamp")
        if not (timestamp.isascii() and timestamp.isdigit()):
            raise EdgeError(401, "X-Slack-Request-Timestamp is not a number")
        if abs(time.time() - int(timestamp)) > REPLAY_WINDOW:
            raise EdgeError(401, "request timestamp outside the replay window")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            # Slack signs UTF-8; a body that is not can still carry a valid signature.
            if not hmac.compare_digest(
                _signature_of_bytes(self._secret, timestamp, body), signature
            ):
                raise EdgeError(401, "invalid signature") from None
            raise EdgeError(400, "body is not UTF-8") from None
        if not self._verifier.is_valid(text, timestamp, signature):
            raise EdgeError(401, "invalid signature")
        return text

    @staticmethod
    def _parsed(text: str, content_type: str | None) -> tuple[dict[str, Any], bool]:
        """Parse as Bolt would (same rules), strictly, so Bolt never meets a bad body; the
        payload, and whether it is a slash command.

        A slash command is a flat form whose fields are the payload. Bolt alone takes any
        body containing the word "payload" for an interactivity payload and drops the
        command; handed the parsed fields, it never looks.
        """
        if not text:
            raise EdgeError(400, "empty body")
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media == "application/json" or text.startswith("{"):
            payload = _json_object(text, "body")
        else:
            try:
                fields = parse_form(text)
            except ValueError:  # UnicodeDecodeError included
                raise EdgeError(400, "malformed form encoding") from None
            if "payload" not in fields:
                return fields, True  # a slash command: its fields are the payload
            payload = _json_object(fields["payload"], "payload")
        try:
            SlackEnvelope.model_validate(payload)
        except ValidationError as exc:
            where = str(exc.errors()[0]["loc"][0])
            raise EdgeError(400, f"payload field {where!r} has the wrong type") from None
        return payload, False


def _bolt_request(
    text: str, parsed: dict[str, Any], query: str, headers: dict[str, str]
) -> BoltRequest:
    """A ``BoltRequest`` carrying the payload parsed here and the raw text it came from.

    Bolt's constructor takes a parsed body only for Socket Mode; the request is then
    marked as the HTTP request it is, so Bolt's signature check runs on the raw text.
    """
    request = BoltRequest(body=parsed, query=query, headers=headers, mode="socket_mode")
    request.raw_body = text
    request.mode = "http"
    return request


def _json_object(text: str, what: str) -> dict[str, Any]:
    if not text.strip():
        raise EdgeError(400, f"{what} is empty")
    try:
        value = json.loads(text)
    except ValueError:
        raise EdgeError(400, f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise EdgeError(400, f"{what} must be a JSON object")
    return value


def _signature_of_bytes(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
