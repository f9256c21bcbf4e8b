"""``POST /slack/events`` on the edge: verify, check the shape, then hand over to Bolt.

Bolt's own WSGI adapter parses the body before it checks the signature, so a malformed
request ended in a 500 with a traceback and an unsigned one had its body logged. Here
nothing parses the body before the signature and timestamp are verified on the raw
bytes; a signed request whose body Bolt could not parse is refused with 400 and a reason;
only then is a ``BoltRequest`` built and dispatched exactly as Bolt's adapter does, so
listeners, the 3-second ack and lazy listeners behave as before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import falcon
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.edge.body import read_capped
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
        kind, payload = self._check_shape(text, req.content_type)
        if kind == "flat form" and "payload" in text:
            text = self._resigned(text, headers)
        try:
            bolt_request = BoltRequest(body=text, query=req.query_string, headers=headers)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError):
            raise EdgeError(400, "payload has an unexpected shape") from None
        # Bolt returns once the listener acked (or its 3 s ran out): the ack latency.
        answer = self._bolt.dispatch(bolt_request)
        if self._observe is not None:
            surface = surface_of(payload, command=kind == "flat form")
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

    def _resigned(self, text: str, headers: dict[str, str]) -> str:
        """A slash command whose text says "payload": Bolt takes any body containing the
        word for an interactivity payload and drops the command. Percent-encoding one
        letter parses to the same fields; the edge, having verified the original, signs
        the equivalent body for Bolt's own check."""
        text = text.replace("payload", "p%61yload")
        headers["x-slack-signature"] = (
            self._verifier.generate_signature(
                timestamp=headers["x-slack-request-timestamp"], body=text
            )
            or ""
        )
        return text

    @staticmethod
    def _check_shape(text: str, content_type: str | None) -> tuple[str, dict[str, Any] | None]:
        """Parse as Bolt will (same rules), strictly, so Bolt never meets a bad body; the
        body's kind and its JSON payload (None for a slash command's flat form)."""
        if not text:
            raise EdgeError(400, "empty body")
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media == "application/json" or text.startswith("{"):
            payload = _json_object(text, "body")
            kind = "json"
        else:
            try:
                form = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
            except (ValueError, UnicodeDecodeError):
                raise EdgeError(400, "malformed form encoding") from None
            fields = dict(form)
            if "payload" not in fields:
                return "flat form", None  # a slash command
            payload = _json_object(fields["payload"], "payload")
            kind = "form payload"
        try:
            SlackEnvelope.model_validate(payload)
        except ValidationError as exc:
            where = str(exc.errors()[0]["loc"][0])
            raise EdgeError(400, f"payload field {where!r} has the wrong type") from None
        return kind, payload


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
