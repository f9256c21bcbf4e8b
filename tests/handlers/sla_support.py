"""Shared steps of the SLA end-to-end tests: an incident, reports, DMs and buttons."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import SlaActions, SlaIds
from bot.models import Reminder, Report
from bot.services import incidents, reports
from bot.services.reports import ReportSubmission
from tests.harness import Harness

# Presentation-only scenarios gain nothing from a second database; the ones that lock,
# cancel and reschedule reminders run on both.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def setup_people(harness: Harness) -> None:
    harness.fake.add_user("UCOL", "colleague", real_name="Casey Colleague", tz="Europe/London")
    harness.fake.add_user("UMGR", "manager", real_name="Morgan Manager", tz="Europe/Berlin")
    harness.fake.add_user("UOTHER", "other", real_name="Olive Other")


def declare(harness: Harness, channel: str = "CSUPPORT") -> int:
    harness.command("declare sev2 Checkout failing", channel=channel, user="UIC")
    return incidents.for_channel(harness.rt, channel).id


def attach(
    harness: Harness,
    incident_id: int,
    *,
    customer: str = "Acme Corp",
    tier: str | None = "premium",
    owner: str = "UAGENT",
    ticket: str | None = "https://support.example.com/tickets/4711",
    first_contact_at: datetime | None = None,
) -> int:
    """Attach a report through the service, as the report modal does on submit."""
    submission = ReportSubmission(
        incident_id=incident_id,
        customer_name=customer,
        tier=tier,
        ticket_ref=ticket,
        summary=f"{customer} cannot check out",
        first_contact_at=first_contact_at,
    )
    return reports.attach(harness.rt, submission, agent_id=owner).id


def first_warning(harness: Harness, **ticket: Any) -> tuple[int, dict[str, Any]]:
    """Declare, attach a premium ticket (due in 1 h) and move to its first warning DM."""
    report_id = attach(harness, declare(harness), **ticket)
    harness.advance(timedelta(minutes=30))
    [warning] = dms(harness, "UAGENT")
    return report_id, warning


def report(harness: Harness, report_id: int) -> Report:
    with harness.session() as session:
        found = session.get(Report, report_id)
        assert found is not None
        session.expunge(found)
        return found


def reminders_of(harness: Harness, report_id: int) -> list[tuple[str, str | None, str]]:
    with harness.session() as session:
        rows = session.scalars(
            select(Reminder).where(Reminder.report_id == report_id).order_by(Reminder.id)
        )
        return [(r.kind, r.target, r.status) for r in rows]


def dms(harness: Harness, user: str) -> list[dict[str, Any]]:
    """The SLA's DMs to ``user`` (other capabilities DM people too), oldest first."""
    return [
        message
        for message in harness.fake.messages(user)
        if (message.get("blocks") or [{}])[0].get("block_id") == SlaIds.message_block
    ]


def dm_texts(harness: Harness, user: str) -> list[str]:
    return [message["text"] for message in dms(harness, user)]


def button_ids(message: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def press(
    harness: Harness,
    action: SlaActions,
    message: dict[str, Any],
    *,
    dm_of: str,
    user: str | None = None,
) -> None:
    """Press a button of a DM that ``dm_of`` received (as ``user``, by default them)."""
    [value] = {
        element["value"]
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action
    }
    harness.block_action(
        action,
        value=value,
        user=user or dm_of,
        channel=harness.fake.dm_channel(dm_of),
        message={"ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
    )
