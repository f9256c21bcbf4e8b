"""The end-to-end harness: the real Bolt app over HTTP, a fake Slack, an injected clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app import Liaison
from bot.clock import FakeClock
from bot.devtools.inline_waker import InlineWaker
from bot.devtools.slack_requests import HttpResult, SlackRequests
from bot.devtools.tracking_executor import TrackingExecutor
from bot.dispatcher import DispatchStats
from bot.runtime import Runtime

if TYPE_CHECKING:
    from bot.devtools.fake_slack import FakeSlack


@dataclass
class Harness:
    liaison: Liaison
    slack: SlackRequests
    fake: FakeSlack
    clock: FakeClock
    executor: TrackingExecutor
    waker: InlineWaker

    @property
    def rt(self) -> Runtime:
        return self.liaison.rt

    def session(self) -> Session:
        return self.rt.sessions()

    def _settled(self, result: HttpResult) -> HttpResult:
        self.executor.wait_idle()
        return result

    # Each request waits until the work Bolt continues after the ack has finished.
    def command(self, text: str, **kwargs: Any) -> HttpResult:
        return self._settled(self.slack.command(text, **kwargs))

    def event(self, event: dict[str, Any], **kwargs: Any) -> HttpResult:
        return self._settled(self.slack.event(event, **kwargs))

    def block_action(self, action_id: str, **kwargs: Any) -> HttpResult:
        return self._settled(self.slack.block_action(action_id, **kwargs))

    def view_submission(
        self, view: dict[str, Any], answers: dict[str, Any], **kw: Any
    ) -> HttpResult:
        return self._settled(self.slack.view_submission(view, answers, **kw))

    def message_shortcut(self, callback_id: str, **kwargs: Any) -> HttpResult:
        return self._settled(self.slack.message_shortcut(callback_id, **kwargs))

    def block_suggestion(self, view: dict[str, Any], **kwargs: Any) -> HttpResult:
        return self._settled(self.slack.block_suggestion(view, **kwargs))

    def channel_created(
        self, channel_id: str, name: str, *, creator: str = "UIC", **kw: Any
    ) -> HttpResult:
        self.fake.add_channel(channel_id, name)
        event = {
            "type": "channel_created",
            "channel": {"id": channel_id, "name": name, "created": 1, "creator": creator},
        }
        return self.event(event, **kw)

    def advance(self, delta: timedelta) -> DispatchStats:
        """Move the clock and run the wake-up the scheduler would run."""
        self.clock.advance(delta)
        return self.waker.dispatch()

    def replies(self) -> list[str]:
        """Texts of the private answers sent through response_url, oldest first."""
        return [call.params.get("text", "") for call in self.fake.calls_to("response_url")]

    def last_reply(self) -> str:
        replies = self.replies()
        assert replies, "no reply was sent through response_url"
        return replies[-1]
