"""``/webhooks/{source}``: one mount point, one small registry of inbound sources.

A source is three things: a verifier that checks the sender's signature on the raw bytes
(before anything parses them), a body limit, and a handler that parses, calls a service
and answers. The edge reads the body under the limit, verifies, then hands over; a
handler refuses bad input by raising ``WebhookRejected`` (or any ValueError, which covers
JSON and pydantic errors) and the sender gets a 4xx with the reason, never a 500.

Adding a source: a module ``bot/integrations/<system>/inbound.py`` exposing a
``WebhookSource``, and one line in ``bot/edge/sources.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import falcon

from bot.edge.body import read_capped
from bot.edge.errors import EdgeError


class WebhookRejected(Exception):
    """Raised by a verifier (401) or a handler (400, 409, 422...) with a reason to show."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class WebhookRequest:
    source: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    # The query string (a sender that cannot sign, like Salesforce, puts a secret there).
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookReply:
    status: int = 200
    media: Any = field(default_factory=lambda: {"ok": True})
    # Sent as is instead of ``media`` (a SOAP acknowledgement), with its content type.
    raw: bytes | None = None
    content_type: str = "application/json"


Verifier = Callable[[Mapping[str, str], bytes], None]
Handler = Callable[[WebhookRequest], WebhookReply]


@dataclass(frozen=True)
class WebhookSource:
    name: str
    verify: Verifier
    handle: Handler
    body_limit: int = 256 * 1024


class WebhookRegistry:
    def __init__(self) -> None:
        self._sources: dict[str, WebhookSource] = {}

    def register(self, source: WebhookSource) -> None:
        if source.name in self._sources:
            raise ValueError(f"webhook source {source.name!r} is registered twice")
        self._sources[source.name] = source

    def get(self, name: str) -> WebhookSource | None:
        return self._sources.get(name)

    def names(self) -> list[str]:
        return sorted(self._sources)


class WebhookResource:
    def __init__(self, registry: WebhookRegistry) -> None:
        self._registry = registry

    def on_post(self, req: falcon.Request, resp: falcon.Response, source: str) -> None:
        found = self._registry.get(source)
        if found is None:
            raise EdgeError(404, f"unknown webhook source {source[:40]!r}")
        body = read_capped(req, found.body_limit)
        headers = {name.lower(): value for name, value in req.headers.items()}
        try:
            found.verify(headers, body)
        except WebhookRejected as rejected:
            raise EdgeError(rejected.status, rejected.reason) from None
        try:
            query = {k: str(v) for k, v in req.params.items()}
            reply = found.handle(WebhookRequest(source, headers, body, query))
        except WebhookRejected as rejected:
            raise EdgeError(rejected.status, rejected.reason) from None
        except ValueError as exc:  # json, UnicodeDecodeError and pydantic all derive from it
            raise EdgeError(400, f"malformed body: {_first_line(exc)}") from None
        resp.status = reply.status
        if reply.raw is not None:
            resp.content_type = reply.content_type
            resp.data = reply.raw
        else:
            resp.media = reply.media


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
