"""Outgoing Web API calls ride out rate limits and transient failures, and classify the rest."""

from __future__ import annotations

import time

import pytest

from bot.devtools.fake_slack import FakeSlack
from bot.slack import errors
from bot.slack.client import SlackDeliveryError, make_web_client
from bot.slack.notifier import SlackNotifier


@pytest.fixture
def notifier(fake_slack: FakeSlack) -> SlackNotifier:
    fake_slack.add_channel("CIN", "in", members=["UBOT"])
    return SlackNotifier(make_web_client("xoxb-test", fake_slack.url))


def test_a_429_is_retried_after_retry_after(notifier: SlackNotifier, fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit("chat.postMessage", retry_after=1, times=1)
    started = time.monotonic()
    notifier.post("CIN", "hello")
    assert time.monotonic() - started >= 1.0
    assert [m["text"] for m in fake_slack.messages("CIN")] == ["hello"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_a_5xx_is_retried(notifier: SlackNotifier, fake_slack: FakeSlack) -> None:
    fake_slack.server_error("chat.postMessage", status=503, times=1)
    notifier.post("CIN", "after a hiccup")
    assert [m["text"] for m in fake_slack.messages("CIN")] == ["after a hiccup"]


def test_a_permanent_error_is_classified(notifier: SlackNotifier, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("COLD", "old", archived=True, members=["UBOT"])
    with pytest.raises(SlackDeliveryError) as caught:
        notifier.post("COLD", "anyone?")
    assert (caught.value.error, caught.value.permanent) == ("is_archived", True)
    assert isinstance(caught.value, errors.ChannelArchived)


def test_a_transient_error_is_classified(notifier: SlackNotifier, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", error="internal_error", times=1)
    with pytest.raises(SlackDeliveryError) as caught:
        notifier.post("CIN", "x")
    assert (caught.value.error, caught.value.permanent) == ("internal_error", False)


def test_connection_errors_are_transient() -> None:
    client = make_web_client("xoxb-test", "http://127.0.0.1:9/api/", max_retries=1)
    with pytest.raises(SlackDeliveryError) as caught:
        SlackNotifier(client).post("C1", "x")
    assert caught.value.permanent is False
    assert isinstance(caught.value, errors.SlackUnreachable)


@pytest.mark.parametrize(
    ("code", "kind", "permanent"),
    [
        ("is_archived", errors.ChannelArchived, True),
        ("channel_not_found", errors.ChannelNotFound, True),
        ("not_in_channel", errors.NotInChannel, True),
        ("user_not_found", errors.UserGone, True),
        ("account_inactive", errors.UserGone, True),
        ("user_disabled", errors.UserGone, True),
        ("cannot_dm_bot", errors.DmBlocked, True),
        ("messages_tab_disabled", errors.DmBlocked, True),
        ("cant_invite", errors.CannotInvite, True),
        ("missing_scope", errors.NoPermission, True),
        ("token_revoked", errors.TokenRevoked, True),
        ("invalid_auth", errors.InvalidAuth, True),
        ("invalid_blocks", errors.InvalidRequest, True),
        ("message_not_found", errors.MessageGone, True),
        ("too_many_pins", errors.Unpinnable, True),
        ("already_in_channel", errors.AlreadyInChannel, True),
        ("already_pinned", errors.AlreadyPinned, True),
        ("ratelimited", errors.RateLimited, False),
        ("internal_error", errors.SlackDeliveryError, False),
        ("http_503", errors.SlackDeliveryError, False),
    ],
)
def test_each_slack_code_has_one_class_that_knows_if_retrying_helps(
    code: str, kind: type[SlackDeliveryError], permanent: bool
) -> None:
    error = errors.error_for("chat.postMessage", code)
    assert type(error) is kind
    assert (error.method, error.error, error.permanent) == ("chat.postMessage", code, permanent)


def test_a_revoked_token_is_an_authentication_failure() -> None:
    assert isinstance(errors.error_for("auth.test", "token_revoked"), errors.InvalidAuth)


def test_no_code_belongs_to_two_classes() -> None:
    codes = [code for kind in errors.FAMILY for code in kind.codes]
    assert len(codes) == len(set(codes))


def test_a_public_channel_the_app_is_not_in_is_joined(
    notifier: SlackNotifier, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("COUT", "out")
    posted = notifier.post("COUT", "hello")
    assert [m["text"] for m in fake_slack.messages("COUT")] == ["hello"]
    assert posted.channel == "COUT"
    assert len(fake_slack.calls_to("conversations.join")) == 1


def test_inviting_a_member_again_is_success(notifier: SlackNotifier, fake_slack: FakeSlack) -> None:
    fake_slack.add_user("UAMY", "amy")
    notifier.invite("CIN", ["UAMY"])
    notifier.invite("CIN", ["UAMY"])
    assert "UAMY" in fake_slack.channels["CIN"].members
