"""Shared set-up for the update cadence end-to-end tests."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import CadenceIds
from bot.models import Reminder
from tests.harness import Harness

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
CHANNEL = "CINC"


def declare(harness: Harness, severity: str = "sev1", user: str = "UIC") -> None:
    harness.fake.add_channel(CHANNEL, "inc-checkout", members=["UBOT"])
    harness.command(
        f"declare {severity} Checkout down", channel=CHANNEL, channel_name="inc-checkout", user=user
    )


def channel_texts(harness: Harness) -> list[str]:
    return [m["text"] for m in harness.fake.messages(CHANNEL)]


def reminders_in_channel(harness: Harness, about: str = "status update") -> list[str]:
    """Cadence reminders in the incident channel about one milestone, oldest first."""
    return [t for t in channel_texts(harness) if t.startswith(":alarm_clock:") and about in t]


def dms(harness: Harness, user: str) -> list[dict[str, Any]]:
    return harness.fake.messages(user)


def open_update_modal(harness: Harness, user: str = "UIC") -> dict[str, Any]:
    harness.command("update", channel=CHANNEL, user=user)
    [call] = harness.fake.calls_to("views.open")[-1:]
    view_id = max(harness.fake.views, key=lambda v: int(v[1:]) if v[1:].isdigit() else 0)
    view = harness.fake.views[view_id]
    assert view["callback_id"] == CadenceIds.update_modal, call
    return view


def submit_update(harness: Harness, answers: dict[str, Any], user: str = "UIC") -> Any:
    view = open_update_modal(harness, user)
    return harness.view_submission(view, answers, user=user)


def rows(harness: Harness, kind_prefix: str = "cadence.") -> list[Reminder]:
    with harness.session() as session:
        return list(
            session.scalars(
                select(Reminder)
                .where(Reminder.kind.startswith(kind_prefix))
                .order_by(Reminder.due_at, Reminder.id)
            )
        )
