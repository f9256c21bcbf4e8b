"""The /webhooks/{source} mount over real HTTP, with a source registered as a help desk would."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from pydantic import BaseModel

from bot.devtools.wsgi_server import LocalServer
from bot.edge.app import EdgeProbes, make_edge
from bot.edge.health import Check
from bot.edge.webhooks import (
    WebhookRegistry,
    WebhookRejected,
    WebhookReply,
    WebhookRequest,
    WebhookSource,
)

SECRET = b"helpdesk-secret"


class Ticket(BaseModel):
    id: int
    subject: str


def _verify(headers: Mapping[str, str], body: bytes) -> None:
    expected = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(headers.get("x-helpdesk-signature", ""), expected):
        raise WebhookRejected(401, "bad helpdesk signature")


@pytest.fixture
def served() -> Iterator[tuple[str, list[Ticket]]]:
    received: list[Ticket] = []

    def handle(request: WebhookRequest) -> WebhookReply:
        ticket = Ticket.model_validate_json(request.body)
        if ticket.subject == "conflict":
            raise WebhookRejected(409, "ticket already closed")
        received.append(ticket)
        return WebhookReply(202, {"accepted": ticket.id})

    registry = WebhookRegistry()
    registry.register(WebhookSource("helpdesk", _verify, handle, body_limit=200))
    ok = {"ok": lambda: Check(True, "fine")}
    app = make_edge(probes=EdgeProbes(ok, ok), webhooks=registry)
    with LocalServer(app) as server:
        yield server.url, received


def _post(url: str, body: bytes, signed: bool = True) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if signed:
        headers["X-Helpdesk-Signature"] = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(url + "/webhooks/helpdesk", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_signed_webhook_reaches_its_handler(served: tuple[str, list[Ticket]]) -> None:
    url, received = served
    assert _post(url, b'{"id": 7, "subject": "Checkout down"}') == (202, {"accepted": 7})
    assert received == [Ticket(id=7, subject="Checkout down")]


def test_the_signature_is_checked_before_the_body_is_parsed(
    served: tuple[str, list[Ticket]],
) -> None:
    url, received = served
    status, answer = _post(url, b"not json at all", signed=False)
    assert (status, answer["error"]) == (401, "bad helpdesk signature")
    assert answer["error_id"]
    assert received == []


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"not json", 400, "malformed body"),
        (b'{"id": "seven"}', 400, "malformed body"),
        (b'{"id": 1, "subject": "conflict"}', 409, "ticket already closed"),
        (b'{"id": 1, "subject": "' + b"x" * 300 + b'"}', 413, "body larger than 200 bytes"),
    ],
)
def test_bad_input_gets_a_4xx_with_a_reason_never_500(
    served: tuple[str, list[Ticket]], body: bytes, status: int, reason: str
) -> None:
    url, received = served
    got, answer = _post(url, body)
    assert got == status
    assert answer["error"].startswith(reason)
    assert received == []


def test_a_source_cannot_be_registered_twice() -> None:
    registry = WebhookRegistry()
    source = WebhookSource("helpdesk", _verify, lambda request: WebhookReply())
    registry.register(source)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(source)
