"""``python app.py demo``: a scripted incident through the real app against a fake Slack.

The real Bolt app is built by the composition root (``build`` is passed in: bot/ never
imports app.py), served over HTTP in-process, and driven with signed Slack requests. The
Web API it calls is the in-process FakeSlack; time is a FakeClock the script moves. Every
message, DM, private reply, modal and Home view the app produced is printed in order with
its simulated time and destination.

The transcript is the same on every run: listeners and reminders run on one thread each,
so work happens in the order it was caused, and time passes one scheduler wake-up at a
time, so each reminder is printed at its own simulated time.

The script is ``bot.demo_steps.STEPS``: small functions taking a ``Demo``. A capability
adds its part of the story by appending steps there.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.clock import FakeClock
from bot.config import Settings
from bot.devtools.demo_fakes import DemoFakes
from bot.devtools.demo_transcript import Transcript
from bot.devtools.inline_waker import InlineWaker
from bot.devtools.slack_requests import HttpResult, SlackRequests
from bot.devtools.tracking_executor import TrackingExecutor
from bot.devtools.wsgi_server import LocalServer
from bot.runtime import Runtime

DEMO_START = datetime(2026, 11, 23, 9, 40, tzinfo=UTC)  # a Monday morning
SIGNING_SECRET = "demo-signing-secret"
SCHEMA_PATH = Path(__file__).resolve().parents[1].parent / "shared/slack/block-kit.schema.json"

Step = Callable[["Demo"], None]


@dataclass
class Demo:
    """What every step can use: the running app, its fake Slack, the clock and the printer."""

    rt: Runtime
    slack: SlackRequests
    fake: Any  # bot.devtools.fake_slack.FakeSlack
    clock: FakeClock
    executor: TrackingExecutor
    waker: InlineWaker
    transcript: Transcript
    # The other systems (PagerDuty, Jira, Zendesk, Statuspage) and where the app listens.
    fakes: DemoFakes
    base_url: str
    # Names the steps share (channel ids by name, the last modal each user saw, ...).
    notes: dict[str, Any] = field(default_factory=dict)

    # --- narration ------------------------------------------------------------------

    def say(self, text: str) -> None:
        """A line of the story (what a person does), with the simulated time."""
        self.transcript.narrate(self.clock.now(), text)

    def advance(self, minutes: float) -> None:
        """Let time pass as a running app sees it: the scheduler wakes every
        ``SCHEDULER_INTERVAL``, so each reminder goes out (and is printed) at its own time,
        a few seconds after it fell due, not all at once when the step ends."""
        end = self.clock.now() + timedelta(minutes=minutes)
        tick = self.rt.settings.scheduler_interval
        while self.clock.now() < end:
            self.clock.advance(min(tick, end - self.clock.now()))
            self.waker.dispatch()
            self.executor.wait_idle(timeout=30)
            self.transcript.flush(self.clock.now())

    # --- acting as Slack ------------------------------------------------------------

    def add_user(self, user_id: str, name: str, real_name: str, tz: str = "UTC") -> None:
        self.fake.add_user(user_id, name, real_name=real_name, tz=tz)

    def add_channel(self, channel_id: str, name: str) -> None:
        self.fake.add_channel(channel_id, name)

    def channel_created(self, channel_id: str, name: str, *, creator: str) -> HttpResult:
        self.fake.add_channel(channel_id, name)
        event = {
            "type": "channel_created",
            "channel": {"id": channel_id, "name": name, "created": 1, "creator": creator},
        }
        return self._settle(self.slack.event(event))

    def command(self, user: str, text: str, *, channel: str) -> HttpResult:
        """``/liaison <text>`` typed by ``user`` in ``channel``."""
        self.slack.response_url = self.fake.response_url(user)
        name = self.fake.channels[channel].name
        result = self.slack.command(text, user=user, channel=channel, channel_name=name)
        return self._settle(result, actor=user)

    def press(self, user: str, action_id: str, *, channel: str) -> None:
        """``user`` presses the newest button with ``action_id`` in ``channel`` (or a DM)."""
        for message in reversed(self.fake.messages(channel)):
            for block in message.get("blocks") or []:
                for element in block.get("elements") or []:
                    if element.get("action_id") == action_id:
                        result = self.slack.block_action(
                            action_id,
                            value=element.get("value", ""),
                            user=user,
                            channel=self.fake.dm_channel(channel) if channel[0] == "U" else channel,
                            message={"type": "message", **message},
                            block_id=block.get("block_id", "actions"),
                        )
                        self._settle(result, actor=user)
                        return
        raise LookupError(f"no {action_id} button in {channel}")

    def message_shortcut(self, user: str, callback_id: str, *, channel: str, ts: str) -> None:
        self.slack.response_url = self.fake.response_url(user)
        message = next(m for m in self.fake.messages(channel) if m["ts"] == ts)
        name = self.fake.channels[channel].name
        result = self.slack.message_shortcut(
            callback_id,
            message={"type": "message", **message},
            channel=channel,
            user=user,
            channel_name=name,
        )
        self._settle(result, actor=user)

    def webhook(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """Another system (PagerDuty, Zendesk...) posts to ``path`` on the app's edge; the
        work it sets off runs before the answer, then what it produced is printed."""
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            headers={"Content-Type": "application/json", **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            self.transcript.problem(self.clock.now(), f"{path} answered HTTP {status}")
        self.executor.wait_idle(timeout=30)
        self.transcript.flush(self.clock.now())
        return status

    def last_modal(self) -> dict[str, Any]:
        """The view of the most recent views.open (the modal the user now sees)."""
        view = self.fake.calls_to("views.open")[-1].params["view"]
        return json.loads(view) if isinstance(view, str) else view

    def suggest(self, user: str, view: dict[str, Any], block_id: str, typed: str) -> None:
        """``user`` types into an external select; the options offered are printed."""
        action_id = next(
            b["element"]["action_id"] for b in view["blocks"] if b.get("block_id") == block_id
        )
        result = self.slack.block_suggestion(
            view, block_id=block_id, action_id=action_id, value=typed, user=user
        )
        self._settle(result)
        self.transcript.options(self.clock.now(), user, typed, result.json() or {})

    def submit(self, user: str, view: dict[str, Any], answers: dict[str, Any]) -> bool:
        """Submit a modal with ``answers`` by block_id; True when it closed (accepted)."""
        result = self.slack.view_submission(view, answers, user=user)
        body = result.json() if result.body else None
        self._settle(result)
        if body and body.get("response_action") == "errors":
            self.transcript.form_errors(self.clock.now(), user, view, body["errors"])
            return False
        return result.status == 200

    def _settle(self, result: HttpResult, *, actor: str | None = None) -> HttpResult:
        """Wait for the work Bolt continues after the ack, then print what it produced."""
        self.executor.wait_idle(timeout=30)
        if result.status != 200:
            self.transcript.problem(self.clock.now(), f"HTTP {result.status}: {result.body}")
        # A command's ack may carry the answer: JSON, or plain text that Slack shows as is.
        body = result.json() if result.body.startswith("{") else {"text": result.body}
        if actor and body.get("text"):
            self.transcript.private_reply(self.clock.now(), actor, body)
        self.transcript.flush(self.clock.now(), actor=actor)
        return result


def run_demo(
    build: Callable[..., Any], settings: Settings | None = None, *, out: TextIO | None = None
) -> int:
    """Play ``bot.demo_steps.STEPS``; returns 0, or 1 if Slack would have refused anything."""
    from bot.demo_steps import STEPS
    from bot.devtools.fake_slack import FakeSlack

    out = out or sys.stdout
    logging.getLogger().setLevel(logging.WARNING)
    schema = SCHEMA_PATH if SCHEMA_PATH.is_file() else None
    with (
        tempfile.TemporaryDirectory(prefix="liaison-demo-") as tmp,
        FakeSlack(schema_path=schema) as fake,
        DemoFakes().running() as others,
    ):
        base = settings or Settings(_env_file=None)
        demo_settings = base.model_copy(
            update={
                # PagerDuty, Jira, Zendesk and Statuspage: the in-process fakes.
                **others.settings(),
                "slack_bot_token": "xoxb-demo",
                "slack_signing_secret": SIGNING_SECRET,
                "slack_app_token": "",
                "slack_api_url": fake.url,
                "database_url": f"sqlite:///{Path(tmp) / 'liaison-demo.db'}",
                "auto_migrate": True,
                # The demo's people: a liaison pool of one and a support manager.
                "liaison_users": ["UJORDAN"],
                "liaison_escalation": "UMORGAN",
                "sla_escalation": "UMORGAN",
                # One listener thread and one reminder thread: work runs in the order it
                # was caused, so the transcript is the same on every run. (Concurrent
                # threads posting to the fake Slack interleave differently each time.)
                "listener_threads": 1,
                "reminder_threads": 1,
            }
        )
        clock = FakeClock(DEMO_START)
        executor = TrackingExecutor(max_workers=demo_settings.listener_threads)
        liaison = build(demo_settings, clock=clock, listener_executor=executor, migrate=True)
        waker = InlineWaker(liaison.rt.dispatcher)
        liaison.rt.wake = waker
        transcript = Transcript(fake, out, others=others)
        with LocalServer(liaison.wsgi()) as server:
            demo = Demo(
                rt=liaison.rt,
                slack=SlackRequests(server.url, SIGNING_SECRET),
                fake=fake,
                clock=clock,
                executor=executor,
                waker=waker,
                transcript=transcript,
                fakes=others,
                base_url=server.url.rsplit("/slack/events", 1)[0],
            )
            transcript.banner(DEMO_START)
            for step in STEPS:
                step(demo)
            executor.wait_idle(timeout=30)
            transcript.flush(clock.now())
        executor.shutdown(wait=True)
        liaison.engine.dispose()
        violations = list(fake.violations)
    transcript.footer(violations)
    return 1 if violations or transcript.problems else 0
