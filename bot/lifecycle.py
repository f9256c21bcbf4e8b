"""Lifecycle events of incidents and reports, and the capabilities that react to them.

Capabilities (liaison, cadence, impact, SLA) subscribe here instead of being called by
name from the incident service, so each lives in its own module. Subscribers run inside
the transaction of the change that caused them: a reminder they schedule is committed
together with its cause, or not at all.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from bot.models import Incident, Report

log = logging.getLogger(__name__)


class Lifecycle(StrEnum):
    opened = "opened"  # a new incident exists
    became_major = "became_major"  # opened as, declared as, or raised to a major severity
    severity_changed = "severity_changed"
    resolved = "resolved"
    reopened = "reopened"
    # A report is about to be stored: subscribers fill in what they derive from it (its
    # SLA deadline), so it is written once, complete. It has no id yet.
    report_filing = "report_filing"
    report_attached = "report_attached"
    # Ticket SLA changes, so summaries that count at-risk/breached tickets can refresh.
    report_responded = "report_responded"
    report_handed_over = "report_handed_over"
    report_breached = "report_breached"
    # Someone was asked to be, became, or stopped being the Customer Liaison (``users``).
    liaison_changed = "liaison_changed"
    # A status update was stored (``status_update_id``); help desks copy it to tickets.
    update_posted = "update_posted"


@dataclass(frozen=True)
class LifecycleEvent:
    kind: Lifecycle
    incident: Incident
    now: datetime
    actor: str | None = None
    previous_severity: str | None = None
    report: Report | None = None
    # With ``report_attached``: how many reports its customer filed on the incident before.
    earlier_reports: int | None = None
    users: tuple[str, ...] = ()
    status_update_id: int | None = None


Subscriber = Callable[[Session, LifecycleEvent], None]


class LifecycleHooks:
    """A per-app registry of subscribers (built by the composition root, never global)."""

    def __init__(self) -> None:
        self._subscribers: dict[Lifecycle, list[Subscriber]] = defaultdict(list)

    def subscribe(self, kind: Lifecycle, subscriber: Subscriber) -> None:
        self._subscribers[kind].append(subscriber)

    def emit(self, session: Session, event: LifecycleEvent) -> None:
        """Run subscribers in the caller's transaction; an error aborts the whole change."""
        for subscriber in self._subscribers[event.kind]:
            subscriber(session, event)
