"""Deliveries already handled, so a redelivered button press changes nothing.

Slack keys a press by its message, action and ``action_ts``: a redelivery (a retry, the
same request reaching a second replica) carries the same key, a second click a new one.
The key is recorded before the press's work, in its own transaction: should that work
then fail, the person is told and presses again (a new key). Form submissions are keyed
inside the transaction of their effect instead (reports, status updates), because a form
refused inline is submitted again under the same view id.

Slack redelivers within minutes (three retries of an event, at most an hour apart), so a
key is kept for ``KEPT_FOR`` and then forgotten: each new key clears a bounded number of
expired ones, and the table stays the size of a week of traffic with no job to run.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import ProcessedEvent
from bot.runtime import Runtime

_KEY_LIMIT = 64  # processed_events.event_id
KEPT_FOR = timedelta(days=7)
_FORGET_AT_ONCE = 200  # expired keys cleared per new key: a short statement, always ahead

_table = ProcessedEvent.__table__
_FORGET_EXPIRED = delete(_table).where(
    _table.c.event_id.in_(
        select(_table.c.event_id)
        .where(_table.c.received_at < bindparam("cutoff"))
        .limit(_FORGET_AT_ONCE)
        .scalar_subquery()
    )
)


def record_key(session: Session, key: str, now: datetime) -> None:
    """Record a delivery's key (a duplicate raises IntegrityError at flush or commit) and
    forget a few keys older than ``KEPT_FOR``."""
    session.execute(_FORGET_EXPIRED, {"cutoff": now - KEPT_FOR})
    session.add(ProcessedEvent(event_id=key, received_at=now))


def first_delivery(rt: Runtime, key: str) -> bool:
    """Record ``key``; False when it was recorded before (by this or another replica)."""
    stored = key if len(key) <= _KEY_LIMIT else f"h:{hashlib.sha256(key.encode()).hexdigest()}"
    try:
        with rt.sessions.begin() as session:
            record_key(session, stored[:_KEY_LIMIT], rt.clock.now())
    except IntegrityError:
        return False
    return True
