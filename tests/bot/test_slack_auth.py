"""The start-up token check: retried while Slack is unreachable, a wrong token named."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import ConfigError
from bot.devtools.fake_slack import FakeSlack
from bot.slack.auth import SlackTokenRejected, SlackUnreachable, check_bot_token


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def test_the_token_is_checked_once_and_gives_the_bot_identity(fake_slack: FakeSlack) -> None:
    identity = check_bot_token("xoxb-test", fake_slack.url, timeout=timedelta(seconds=5))
    assert (identity.team_id, identity.bot_user_id) == ("T0001", "UBOT")
    assert len(fake_slack.calls_to("auth.test")) == 1


def test_slack_briefly_failing_is_retried_with_growing_pauses(fake_slack: FakeSlack) -> None:
    fake_slack.server_error("auth.test", status=503, times=3)
    clock = FakeTime()
    identity = check_bot_token(
        "xoxb-test", fake_slack.url, timeout=timedelta(seconds=60),
        sleep=clock.sleep, monotonic=clock.monotonic,
    )  # fmt: skip
    assert identity.team_id == "T0001"
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_a_wrong_token_stops_start_up_naming_the_setting(fake_slack: FakeSlack) -> None:
    fake_slack.fail("auth.test", "invalid_auth")
    with pytest.raises(SlackTokenRejected, match="SLACK_BOT_TOKEN") as raised:
        check_bot_token("xoxb-wrong", fake_slack.url, timeout=timedelta(seconds=60))
    assert isinstance(raised.value, ConfigError)
    assert "invalid_auth" in str(raised.value)
    assert "xoxb-wrong" not in str(raised.value)


def test_slack_unreachable_for_the_whole_timeout_is_reported() -> None:
    clock = FakeTime()
    with pytest.raises(SlackUnreachable, match="SLACK_STARTUP_TIMEOUT"):
        check_bot_token(
            "xoxb-test", "http://127.0.0.1:9/api/", timeout=timedelta(seconds=20),
            sleep=clock.sleep, monotonic=clock.monotonic,
        )  # fmt: skip
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 5.0]
