"""The resolution reply reaches every linked Zendesk ticket once, even when the app is
killed with SIGKILL after Zendesk applied a bulk update and before its answer arrived:
the reclaimed job finds its comments on the tickets instead of adding them again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from bot.db import make_session_factory
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.fake_zendesk import FakeZendesk
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Incident, Reminder, Report, TicketLink
from bot.services.helpdesk import outbound

INCIDENTS = 4
TICKETS = 10  # per incident: one update_many each


def _seed(engine: Engine, zendesk: FakeZendesk) -> None:
    """Resolved incidents whose linked tickets' resolution jobs were written with it."""
    now = datetime.now(UTC)
    sessions = make_session_factory(engine)
    zendesk.add_user(10, "Customer", "customer@example.test")
    with sessions.begin() as session:
        for n in range(INCIDENTS):
            incident = Incident(
                channel_id=f"CR{n:03d}", channel_name=f"cr{n}", title=f"Outage {n}",
                severity="sev2", status="resolved", opened_by="UIC",
                opened_at=now - timedelta(hours=1), resolved_at=now,
            )  # fmt: skip
            session.add(incident)
            session.flush()
            for t in range(TICKETS):
                ticket_id = 9000 + n * 100 + t
                zendesk.add_ticket(ticket_id, subject="Down", requester_id=10)
                report = Report(
                    incident_id=incident.id, customer_name=f"Customer {ticket_id}",
                    customer_key=str(ticket_id), summary="Down", owner_user_id="UIC",
                    reported_by="UIC", created_at=now - timedelta(minutes=30),
                )  # fmt: skip
                session.add(report)
                session.flush()
                session.add(
                    TicketLink(
                        source="zendesk",
                        external_id=str(ticket_id),
                        report_id=report.id,
                        incident_id=incident.id,
                        status="linked",
                        ticket_updated_at=now,
                        created_at=now,
                        changed_at=now,
                    )
                )
            session.flush()
            outbound.on_resolved(session, LifecycleEvent(Lifecycle.resolved, incident, now))


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_resolution_reply_survives_kill_9_mid_send(
    apps: Any, fake_slack: FakeSlack, engine: Engine
) -> None:
    with FakeZendesk() as zendesk:
        zendesk.clock = lambda: datetime.now(UTC)
        zendesk.answer_delay = 1.5  # applied at once, answered late: the kill lands between
        [app] = apps(
            "one", REMINDER_LEASE="3s", REMINDER_THREADS="1", ZENDESK_URL=zendesk.url,
            ZENDESK_EMAIL="liaison@acme.test", ZENDESK_API_TOKEN="zd-token",
            ZENDESK_WEBHOOK_SECRET="secret",
        )  # fmt: skip
        _seed(engine, zendesk)
        kills = 0
        deadline = time.monotonic() + 90
        while kills < 2 and time.monotonic() < deadline:
            answered = len(zendesk.calls_to("PUT", r"/api/v2/tickets/update_many\.json"))
            applied = sum(1 for t in zendesk.tickets.values() if len(t.comments) > 1)
            if applied > answered * TICKETS:  # Zendesk applied a bulk update, not answered yet
                app.kill9()
                kills += 1
                app.launch().wait_healthy()
            else:
                time.sleep(0.02)  # polling another process's progress
        sessions = make_session_factory(engine)
        while time.monotonic() < deadline:
            with sessions() as session:
                left = session.scalar(
                    select(func.count(Reminder.id)).where(
                        Reminder.kind == "helpdesk.send_comments",
                        Reminder.status.in_(("pending", "claimed")),
                    )
                )
            if not left:
                break
            time.sleep(0.2)  # polling another process's progress
        counts = [len(t.comments) - 1 for t in zendesk.tickets.values()]
        print(f"\nkill -9 mid-send: {kills} kills, replies per ticket {sorted(set(counts))}")
        assert kills == 2
        assert counts == [1] * (INCIDENTS * TICKETS)
