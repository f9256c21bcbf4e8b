"""Outgoing Web API calls ride out rate limits and transient failures, and classify the rest."""

from __future__ import annotations

import socket
import time

import pytest

from bot.devtools.fake_slack import FakeSlack
from bot.slack.client import SlackDeliveryError, make_web_client
from bot.slack.notifier import Notifier


@pytest.fixture
def notifier(fake_slack: FakeSlack) -> Notifier:
    fake_slack.add_channel("CIN", "in", members=["UBOT"])
    return Notifier(make_web_client("xoxb-test", fake_slack.url))


def test_a_429_is_retried_after_retry_after(notifier: Notifier, fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit("chat.postMessage", retry_after=1, times=1)
    started = time.monotonic()
    notifier.post("CIN", "hello")
    assert time.monotonic() - started >= 1.0
    assert [m["text"] for m in fake_slack.messages("CIN")] == ["hello"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_a_5xx_is_retried(notifier: Notifier, fake_slack: FakeSlack) -> None:
    fake_slack.server_error("chat.postMessage", status=503, times=1)
    notifier.post("CIN", "after a hiccup")
    assert [m["text"] for m in fake_slack.messages("CIN")] == ["after a hiccup"]


def test_a_permanent_error_is_classified(notifier: Notifier, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("COLD", "old", archived=True, members=["UBOT"])
    with pytest.raises(SlackDeliveryError) as caught:
        notifier.post("COLD", "anyone?")
    assert (caught.value.error, caught.value.permanent) == ("is_archived", True)


def test_a_transient_error_is_classified(notifier: Notifier, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", error="internal_error", times=1)
    with pytest.raises(SlackDeliveryError) as caught:
        notifier.post("CIN", "x")
    assert (caught.value.error, caught.value.permanent) == ("internal_error", False)


def test_connection_errors_are_transient() -> None:
    client = make_web_client("xoxb-test", "http://127.0.0.1:9/api/", max_retries=1)
    with pytest.raises(SlackDeliveryError) as caught:
        Notifier(client).post("C1", "x")
    assert caught.value.permanent is False


def test_calls_share_one_kept_alive_connection_per_thread(
    notifier: Notifier, fake_slack: FakeSlack
) -> None:
    notifier.post("CIN", "one")
    first = notifier.client._connections.held[1]  # type: ignore[attr-defined]
    notifier.post("CIN", "two")
    assert notifier.client._connections.held[1] is first  # type: ignore[attr-defined]
    assert [m["text"] for m in fake_slack.messages("CIN")] == ["one", "two"]


def test_a_kept_connection_closed_meanwhile_is_reopened_and_the_message_sent_once(
    notifier: Notifier, fake_slack: FakeSlack
) -> None:
    notifier.post("CIN", "before")
    stale = notifier.client._connections.held[1]  # type: ignore[attr-defined]
    stale.sock.shutdown(socket.SHUT_RDWR)  # as a server closing an idle connection does
    notifier.post("CIN", "after")
    assert [m["text"] for m in fake_slack.messages("CIN")] == ["before", "after"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
