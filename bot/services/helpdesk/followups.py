"""The follow-up board fed from the help desk: customers told by the resolution reply,
replies they needed after it, and the ratings they gave.

- The resolution reply delivered as a public reply on a customer's ticket marks that
  customer told (how ``helpdesk``, by the ticket's owner), except VIPs and customers whose
  SLA broke: they got the reply too, but their owner still owes them a personal word.
- A public reply on a linked ticket after the customer was told (by the customer or an
  agent, never Liaison's own comments) records that they needed a further reply (FCR).
- A satisfaction rating on a linked ticket is recorded as the customer's reaction (CSAT),
  once per rating, however often the ticket is delivered again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select

from bot.errors import NotFound
from bot.models import Incident, Report, TicketLink
from bot.runtime import Runtime
from bot.services.followup import board
from bot.services.helpdesk.model import TicketSnapshot, TicketSource

log = logging.getLogger(__name__)


def resolution_delivered(
    rt: Runtime, *, incident_id: int, link_ids: Collection[int], ticket_ids: Collection[str]
) -> int:
    """The resolution reply is on these tickets: their customers count as told from now.

    Only customers the resolution chose to tell through the help desk (``customer_notified_via``
    set) are marked; returns how many customers changed on the board.
    """
    now = rt.clock.now()
    delivered = set(ticket_ids)
    with rt.sessions.begin() as session:
        rows = session.execute(
            select(TicketLink, Report)
            .join(Report, Report.id == TicketLink.report_id)
            .where(TicketLink.id.in_(list(link_ids)))
            .order_by(TicketLink.id)
        ).all()
        by_owner: dict[str, set[str]] = defaultdict(set)
        for link, report in rows:
            if link.external_id not in delivered:
                continue
            link.resolution_told_at = link.resolution_told_at or now
            if report.customer_notified_via is not None and report.customer_notified_at is None:
                by_owner[report.owner_user_id].add(report.customer_key)
        return sum(
            board.record_told(session, incident_id, keys, by=owner, how="helpdesk", now=now)
            for owner, keys in sorted(by_owner.items())
        )


def after_resolution(rt: Runtime, source: TicketSource, snapshot: TicketSnapshot) -> None:
    """A newer version of a linked ticket of a resolved incident: replies and ratings."""
    if snapshot.last_public_reply_at is None and snapshot.rating is None:
        return
    with rt.sessions() as session:
        row = session.execute(
            select(TicketLink, Report.customer_key, Incident.resolved_at)
            .join(Report, Report.id == TicketLink.report_id)
            .join(Incident, Incident.id == TicketLink.incident_id)
            .where(
                TicketLink.source == source.value,
                TicketLink.external_id == snapshot.id,
                TicketLink.status == "linked",
                Incident.status != "open",
            )
        ).first()
    if row is None:
        return
    link, customer, resolved_at = row
    if snapshot.last_public_reply_at is not None and resolved_at is not None:
        _further_reply(rt, link.incident_id, customer, snapshot.last_public_reply_at, resolved_at)
    if snapshot.rating is not None and snapshot.rating != link.rating:
        _rating(rt, link.id, link.incident_id, customer, snapshot)


def _further_reply(
    rt: Runtime, incident_id: int, customer: str, at: datetime, resolved_at: datetime
) -> None:
    if at <= resolved_at:
        return
    try:  # False (not told yet, or the reply came before the telling) changes nothing
        board.record_further_reply(rt, incident_id, customer, at=at)
    except NotFound:
        log.info("Incident #%s has no follow-up line for %s", incident_id, customer)


def _rating(
    rt: Runtime, link_id: int, incident_id: int, customer: str, snapshot: TicketSnapshot
) -> None:
    assert snapshot.rating is not None
    try:
        board.record_rating(
            rt, incident_id, customer, reaction=snapshot.rating, note=snapshot.rating_comment
        )
    except NotFound:
        log.info("Incident #%s has no follow-up line for %s", incident_id, customer)
        return
    with rt.sessions.begin() as session:
        link = session.get(TicketLink, link_id)
        if link is not None:
            link.rating = snapshot.rating
