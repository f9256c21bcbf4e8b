"""Stored facts written straight to the database, for the follow-up and metrics tests.

Metrics and credits are queries over these rows, so the tests state the facts by hand and
compare with figures computed by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from bot.models import (
    Account,
    Followup,
    Incident,
    LiaisonAssignment,
    Report,
    SlaCredit,
    StatusUpdate,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
_ids = count(1)


def at(minutes: float = 0, *, days: float = 0) -> datetime:
    return T0 + timedelta(days=days, minutes=minutes)


def incident(session: Session, *, opened: datetime, severity: str = "sev2", **values: Any) -> int:
    row = Incident(
        title=values.pop("title", "Checkout failing"),
        severity=severity,
        status="resolved" if values.get("resolved_at") else "open",
        opened_at=opened,
        channel_id=values.pop("channel_id", f"C{next(_ids):06d}"),
        became_major_at=values.pop(
            "became_major_at", opened if severity in ("sev1", "sev2") else None
        ),
        **values,
    )
    session.add(row)
    session.flush()
    return row.id


def report(
    session: Session, incident_id: int, *, customer: str, created: datetime, **values: Any
) -> int:
    row = Report(
        incident_id=incident_id,
        customer_name=customer,
        customer_key=values.pop("customer_key", customer.lower()),
        summary="cannot check out",
        owner_user_id=values.pop("owner", "UAGENT"),
        reported_by="UAGENT",
        created_at=created,
        **values,
    )
    session.add(row)
    session.flush()
    return row.id


def account(session: Session, account_id: str, name: str, tier: str, vip: bool = False) -> None:
    session.add(Account(account_id=account_id, name=name, tier=tier, vip=vip, updated_at=T0))
    session.flush()


def liaison(
    session: Session, incident_id: int, *, assigned: datetime, accepted: datetime | None
) -> None:
    session.add(
        LiaisonAssignment(
            incident_id=incident_id,
            user_id="ULIA",
            status="accepted" if accepted else "pending",
            assigned_by="auto",
            assigned_at=assigned,
            accepted_at=accepted,
            attempt=1,
        )
    )
    session.flush()


def update(
    session: Session, incident_id: int, *, posted: datetime, next_due: datetime | None
) -> None:
    session.add(
        StatusUpdate(
            incident_id=incident_id,
            status="investigating",
            customer_message="We are looking into it.",
            posted_by="ULIA",
            posted_at=posted,
            next_update_at=next_due,
        )
    )
    session.flush()


def followup(session: Session, incident_id: int, customer: str, **values: Any) -> None:
    session.add(
        Followup(
            incident_id=incident_id,
            customer_key=customer.lower(),
            customer_name=customer,
            reasons=values.pop("reasons", "reported"),
            state=values.pop("state", "to_tell"),
            created_at=values.pop("created_at", T0),
            **values,
        )
    )
    session.flush()


def credit(
    session: Session, incident_id: int, account_id: str, percent: int, when: datetime
) -> None:
    session.add(
        SlaCredit(
            incident_id=incident_id,
            account_id=account_id,
            account_name=account_id,
            tier="premium",
            percent=percent,
            threshold_seconds=3600,
            visible_seconds=7200,
            visible_start=when,
            visible_end=when,
            created_at=when,
        )
    )
    session.flush()
