"""Webhook subscribers get every public update once, signed, scoped to their components."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.devtools.fake_service import Answer, FakeService
from tests.handlers.cadence_support import sqlite_only
from tests.statuspage.support import SETTINGS, declare, publish

pytestmark = sqlite_only


class Receiver(FakeService):
    name = "receiver"

    def __init__(self) -> None:
        super().__init__()
        self.route("POST", r"/hook/(?P<name>\w+)", lambda request: Answer(204))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as fake:
        yield fake  # type: ignore[misc]


def secret_from(reply: str) -> str:
    match = re.search(r"secret \(shown only now\): `([0-9a-f]+)`", reply)
    assert match, reply
    return match.group(1)


def test_subscribers_get_signed_updates_for_their_components(app_factory, receiver) -> None:
    # The receiver listens on this machine: an internal address, allowed here.
    harness = app_factory(**SETTINGS, status_webhooks_allow_private=True)
    harness.command(f"statuspage subscribe {receiver.url}/hook/all", channel="CGENERAL")
    secret = secret_from(harness.last_reply())
    harness.command(f"statuspage subscribe <{receiver.url}/hook/web> web", channel="CGENERAL")
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    harness.advance(timedelta(minutes=1))

    [call] = receiver.calls_to("POST", "/hook/all")
    assert receiver.calls_to("POST", "/hook/web") == []  # not about its component
    body = call.json
    assert body["incident_update"]["body"] == "Payments fail."
    assert body["incident_update"]["components"] == {"api": "major_outage"}
    timestamp = call.headers["x-liaison-timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + call.body, hashlib.sha256)
    assert call.headers["x-liaison-signature"] == f"sha256={expected.hexdigest()}"

    harness.command("statuspage subscribers", channel="CGENERAL")
    assert "/hook/web (web)" in harness.last_reply()
    harness.command(f"statuspage unsubscribe {receiver.url}/hook/all", channel="CGENERAL")
    publish(harness, "Still failing.", status="identified")
    harness.advance(timedelta(minutes=1))
    assert len(receiver.calls_to("POST", "/hook/all")) == 1


def test_internal_addresses_are_refused_unless_allowed(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    for url in (
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:8080/admin",
        "https://10.1.2.3/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ):
        harness.command(f"statuspage subscribe {url}", channel="CGENERAL")
        reply = harness.last_reply()
        assert "is an internal address" in reply and "STATUS_WEBHOOKS_ALLOW_PRIVATE" in reply
    harness.command("statuspage subscribe https://no-such-host.invalid/h", channel="CGENERAL")
    assert "no-such-host.invalid does not resolve" in harness.last_reply()
    harness.command("statuspage subscribers", channel="CGENERAL")
    assert "169.254" not in harness.last_reply()


def test_a_subscriber_now_pointing_inside_is_held_its_creator_told_once_and_resumed(
    app_factory, receiver
) -> None:
    """Subscribed while allowed (or a name that later points inside): checked again at
    every delivery; held, not posted to, until it points outside again."""
    harness = app_factory(**SETTINGS, status_webhooks_allow_private=True)
    harness.command(f"statuspage subscribe {receiver.url}/hook/all", channel="CGENERAL")
    allow = harness.rt.settings
    harness.rt.settings = allow.model_copy(update={"status_webhooks_allow_private": False})
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    harness.advance(timedelta(minutes=1))
    publish(harness, "Still failing.", status="identified")
    harness.advance(timedelta(minutes=1))

    assert receiver.calls_to("POST", "/hook/all") == []
    [dm] = [m["text"] for m in harness.fake.messages("UAGENT") if "webhook" in m["text"]]
    assert f"no longer sent to the webhook {receiver.url}/hook/all" in dm
    assert "it now resolves to 127.0.0.1" in dm and "STATUS_WEBHOOKS_ALLOW_PRIVATE" in dm
    harness.command("statuspage subscribers", channel="CGENERAL")
    assert "held since" in harness.last_reply()
    assert "it now resolves to 127.0.0.1" in harness.last_reply()

    harness.rt.settings = allow  # the receiver is allowed again
    publish(harness, "Fixed.", status="resolved")
    harness.advance(timedelta(minutes=1))
    [call] = receiver.calls_to("POST", "/hook/all")
    assert call.json["incident_update"]["body"] == "Fixed."
    harness.command("statuspage subscribers", channel="CGENERAL")
    assert "held since" not in harness.last_reply()


def test_a_subscriber_address_must_be_http(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    harness.command("statuspage subscribe javascript:alert(1)", channel="CGENERAL")
    assert "http(s) address" in harness.last_reply()
