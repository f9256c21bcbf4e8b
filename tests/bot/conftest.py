"""Fixtures for fast flow tests: the real services and reminder handlers, no HTTP.

A flow runs on a SQLite copy of the migrated template, a FakeClock and the in-memory
Notifier. Nothing dispatches by itself (``rt.wake`` does nothing): a test runs the
dispatcher when it wants the reminders that are due to be sent, as the scheduler would.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.clock import FakeClock
from bot.config import Settings
from bot.db import make_engine, make_session_factory
from bot.devtools.inline_waker import InlineWaker
from bot.devtools.memory_notifier import InMemoryNotifier
from bot.dispatcher import DispatchStats, ReminderDispatcher
from bot.lifecycle import LifecycleHooks
from bot.models import Reminder
from bot.rendering import MemoryBytecodeCache, Renderer
from bot.runtime import Runtime
from bot.services import incidents, reports
from bot.wiring import install_capabilities


@dataclass
class Flow:
    """One app's worth of services around an in-memory Slack."""

    rt: Runtime
    slack: InMemoryNotifier
    clock: FakeClock
    engine: Engine

    def session(self) -> Session:
        return self.rt.sessions()

    def dispatch_on_wake(self) -> None:
        """Send due reminders whenever a service wakes the scheduler, as the end-to-end
        harness does: for long timelines where every step would otherwise dispatch."""
        self.rt.wake = InlineWaker(self.rt.dispatcher)

    def dispatch(self) -> DispatchStats:
        """One wake-up of the scheduler: send everything due now."""
        return self.rt.dispatcher.run_once()

    def advance(self, delta: timedelta) -> DispatchStats:
        self.clock.advance(delta)
        return self.dispatch()

    def open_incident(
        self, channel_id: str = "CINC1", name: str = "inc-sev3-checkout-eu"
    ) -> incidents.IncidentSnapshot:
        """A channel matching the incident pattern was created (the ``channel_created`` path)."""
        self.slack.add_channel(channel_id, name, member=False)
        opened = incidents.open_from_channel(
            self.rt, channel_id=channel_id, channel_name=name, creator="UIC", event_id=None
        )
        assert opened is not None
        return opened

    def attach(
        self, incident_id: int, *, agent: str = "UAGENT", **fields: Any
    ) -> reports.AttachedReport:
        values: dict[str, Any] = {
            "incident_id": incident_id,
            "customer_name": "Acme Corp",
            "summary": "Card payments fail at checkout.",
            **fields,
        }
        return reports.attach(self.rt, reports.parse_submission(values), agent_id=agent)

    def resolve(self, incident_id: int) -> None:
        incidents.resolve(self.rt, incident_id=incident_id, actor="UIC", note="fixed")

    def reminders(self, kind: str | None = None) -> list[Reminder]:
        with self.session() as session:
            query = select(Reminder).order_by(Reminder.id)
            if kind is not None:
                query = query.where(Reminder.kind == kind)
            return list(session.scalars(query))


@pytest.fixture
def flow_db_url(tmp_path: Path, sqlite_template: Path) -> str:
    target = tmp_path / "flow.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def flow_factory(
    flow_db_url: str, clock: FakeClock, template_cache: MemoryBytecodeCache
) -> Iterator[Callable[..., Flow]]:
    """Build a Flow with setting overrides (the same names as the environment variables)."""
    engines: list[Engine] = []

    def factory(**overrides: Any) -> Flow:
        values: dict[str, Any] = {
            "slack_bot_token": "xoxb-test",
            "slack_signing_secret": "test-signing-secret",
            "slack_app_token": "",
            "slack_api_url": "http://127.0.0.1:9/api/",  # never called: Slack is in memory
            "database_url": flow_db_url,
            "templates_dir": "",
        }
        settings = Settings(_env_file=None, **{**values, **overrides})
        engine = make_engine(flow_db_url)
        engines.append(engine)
        sessions = make_session_factory(engine)
        slack = InMemoryNotifier()
        for user_id, name in (("UAGENT", "Alex Agent"), ("UIC", "Casey Commander")):
            slack.add_user(user_id, name)
        rt = Runtime(
            settings=settings,
            clock=clock,
            sessions=sessions,
            notifier=slack,
            renderer=Renderer(None, template_cache),
            hooks=LifecycleHooks(),
            dispatcher=ReminderDispatcher(sessions, clock, threads=2),
        )
        install_capabilities(rt)
        return Flow(rt=rt, slack=slack, clock=clock, engine=engine)

    yield factory
    for engine in engines:
        engine.dispose()


@pytest.fixture
def flow(flow_factory: Callable[..., Flow]) -> Flow:
    return flow_factory()
