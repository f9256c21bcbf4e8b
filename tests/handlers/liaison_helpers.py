"""Shared set-up for the Customer Liaison end-to-end tests.

The clock starts Monday 23 November 2026, 10:00 UTC; working hours are 09:00-18:00 in each
member's own time zone, so Ana (Berlin, 11:00), Ben (London, 10:00) and Cam (Madrid, 11:00)
are working, Dan (Los Angeles, 02:00) and Emi (Tokyo, 19:00) are not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.ids import LiaisonIds
from bot.models import LiaisonAssignment
from tests.harness import Harness

POOL = {
    "UANA": ("ana", "Ana Liaison", "Europe/Berlin"),
    "UBEN": ("ben", "Ben Liaison", "Europe/London"),
    "UCAM": ("cam", "Cam Liaison", "Europe/Madrid"),
    "UDAN": ("dan", "Dan Liaison", "America/Los_Angeles"),
    "UEMI": ("emi", "Emi Liaison", "Asia/Tokyo"),
}
ESCALATION = "UESC"

# Behaviour that does not depend on the database (wording, layout, Slack failures) runs on
# SQLite only; races, retries and transitions run on PostgreSQL too.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def seed_people(harness_or_fake: Any) -> None:
    fake = getattr(harness_or_fake, "fake", harness_or_fake)
    for user_id, (name, real_name, tz) in POOL.items():
        fake.add_user(user_id, name, real_name=real_name, tz=tz)
    fake.add_user(ESCALATION, "esc", real_name="Esme Escalation", tz="Europe/Paris")


def liaison_app(
    app_factory: Callable[..., Harness], *members: str, group: bool = True, **overrides: Any
) -> Harness:
    """The app with a liaison pool of ``members`` (a user group, or LIAISON_USERS)."""
    settings: dict[str, Any] = {
        "liaison_escalation": ESCALATION,
        # The update cadence (tested on its own) stays out of these tests' timelines.
        "cadence_assessment_due": "1d",
        "cadence_update_intervals": "sev1=1d,sev2=1d,sev3=1d,sev4=1d",
        **overrides,
    }
    if group:
        settings.setdefault("liaison_usergroup", "SPOOL")
    else:
        settings.setdefault("liaison_users", list(members))
    harness = app_factory(**settings)
    seed_people(harness)
    if group:
        harness.fake.add_usergroup("SPOOL", "liaisons", list(members))
    return harness


def assignments(harness: Harness, incident_id: int | None = None) -> list[LiaisonAssignment]:
    with harness.session() as session:
        query = select(LiaisonAssignment).order_by(LiaisonAssignment.id)
        if incident_id is not None:
            query = query.where(LiaisonAssignment.incident_id == incident_id)
        return list(session.scalars(query))


def states(harness: Harness, incident_id: int | None = None) -> list[tuple[str, str]]:
    return [(a.user_id, a.status) for a in assignments(harness, incident_id)]


def announcements(harness: Harness, channel: str) -> list[dict[str, Any]]:
    """Channel messages about the liaison role, oldest first."""
    return [m for m in harness.fake.messages(channel) if "Customer Liaison" in m["text"]]


def buttons(message: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def click(
    harness: Harness,
    action: LiaisonIds,
    assignment_id: int,
    *,
    user: str,
    channel: str,
    message: dict[str, Any],
) -> None:
    harness.block_action(
        action.value,
        value=str(assignment_id),
        user=user,
        channel=channel,
        message=message,
        block_id=LiaisonIds.buttons_block.value,
    )


def open_hand_off(
    harness: Harness,
    assignment: LiaisonAssignment,
    announcement: dict[str, Any],
    user: str = "UANA",
    channel: str = "CINC1",
) -> dict[str, Any] | None:
    """Press *Hand off* on the announcement; the hand-off modal it opened, if any."""
    click(
        harness,
        LiaisonIds.hand_off,
        assignment.id,
        user=user,
        channel=channel,
        message=announcement,
    )
    opened = harness.fake.calls_to("views.open")
    return opened[-1].params["view"] if opened else None


def dms(harness: Harness, user_id: str) -> list[str]:
    return [m["text"] for m in harness.fake.messages(user_id)]


def invited(harness: Harness) -> list[tuple[str, str]]:
    return [
        (c.params["channel"], c.params["users"])
        for c in harness.fake.calls_to("conversations.invite")
    ]
