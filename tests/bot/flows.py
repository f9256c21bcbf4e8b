"""The Flow of the fast flow tests: the real services and reminder handlers, no HTTP.

A flow runs on a copy of the migrated SQLite template (or, for tests marked
``BOTH_DATABASES``, also on PostgreSQL), a FakeClock and the in-memory Notifier. Nothing
dispatches by itself (``rt.wake`` does nothing) unless a test asks for it: a test runs the
dispatcher when it wants the reminders that are due to be sent, as the scheduler would.
The fixtures are in tests/bot/conftest.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.clock import FakeClock
from bot.devtools.inline_waker import InlineWaker
from bot.devtools.memory_notifier import InMemoryNotifier
from bot.dispatcher import DispatchStats
from bot.models import Reminder
from bot.runtime import Runtime
from bot.services import incidents, reports

# Flows whose transitions and locking are worth checking on PostgreSQL too.
BOTH_DATABASES = pytest.mark.parametrize("flow_db_url", ["sqlite", "postgresql"], indirect=True)


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
