"""Deliveries already handled, so a redelivered button press changes nothing.

Slack keys a press by its message, action and ``action_ts``: a redelivery (a retry, the
same request reaching a second replica) carries the same key, a second click a new one.
The key is recorded before the press's work, in its own transaction: should that work
then fail, the person is told and presses again (a new key). Form submissions are keyed
inside the transaction of their effect instead (reports, status updates), because a form
refused inline is submitted again under the same view id.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.exc import IntegrityError

from bot.models import ProcessedEvent
from bot.runtime import Runtime

_KEY_LIMIT = 64  # processed_events.event_id


def first_delivery(rt: Runtime, key: str) -> bool:
    """Record ``key``; False when it was recorded before (by this or another replica)."""
    stored = key if len(key) <= _KEY_LIMIT else f"h:{hashlib.sha256(key.encode()).hexdigest()}"
    try:
        with rt.sessions.begin() as session:
            session.add(ProcessedEvent(event_id=stored[:_KEY_LIMIT], received_at=rt.clock.now()))
    except IntegrityError:
        return False
    return True
