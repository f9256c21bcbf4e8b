"""The follow-up board: who must hear back after resolution, and whether they have.

Filled when an incident resolves (one line per reporting customer, however many tickets
they filed; VIPs and customers whose ticket SLA broke are marked as such), and kept when
it is reopened and resolved again (customers already told stay told; new ones are
added). Every way of telling a customer (the resolution DM's *Mark customers told*, the
board, the help desk) ends in ``record_told``, which also marks their tickets notified so
the resolution digest and the board never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, InvalidTransition, NotFound
from bot.lifecycle import LifecycleEvent
from bot.models import Followup, Incident, Report, SlaCredit
from bot.runtime import Runtime
from bot.services.followup.affected import parse_affected_by

TO_TELL, TOLD, NOT_NEEDED = "to_tell", "told", "not_needed"
REACTIONS = ("satisfied", "neutral", "dissatisfied")
# How a customer was told; the help desk integration passes ``helpdesk``.
HOW = ("dm", "home", "board", "helpdesk")
_NOTE_LIMIT = 2000
# What the "Not needed" modal accepts: a sentence, not an essay (it is shown on the line).
REASON_LIMIT = 300


@dataclass(frozen=True)
class TicketLine:
    ref: str | None
    url: str | None
    owner: str


@dataclass(frozen=True)
class BoardLine:
    id: int
    customer_key: str
    customer_name: str
    account_id: str | None
    reasons: tuple[str, ...]
    state: str
    told_by: str | None
    told_at: datetime | None
    told_how: str | None
    not_needed_reason: str | None
    reaction: str | None
    tickets: tuple[TicketLine, ...] = ()
    credit_percent: int | None = None
    # Affected VIPs who did not write in: (dimension, segment) pairs, or (("major", ""),).
    affected: tuple[tuple[str, str], ...] = ()

    @property
    def owners(self) -> list[str]:
        return sorted({ticket.owner for ticket in self.tickets})


@dataclass(frozen=True)
class Board:
    incident_id: int
    title: str
    channel_id: str | None
    resolved_at: datetime | None
    lines: list[BoardLine] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for line in self.lines if line.state == state)


def fill_on_resolution(session: Session, event: LifecycleEvent) -> None:
    """Lifecycle subscriber: put every reporting customer of the incident on its board."""
    fill(session, event.incident.id, now=event.now)


def fill(session: Session, incident_id: int, *, now: datetime) -> int:
    """Add the incident's customers not on its board yet; returns how many were added."""
    reports = session.execute(
        select(
            Report.customer_key,
            Report.customer_name,
            Report.account_id,
            Report.vip,
            Report.breached_at,
            Report.customer_notified_at,
            Report.owner_user_id,
        )
        .where(Report.incident_id == incident_id)
        .order_by(Report.id)
    ).all()
    existing = {
        line.customer_key: line
        for line in session.scalars(select(Followup).where(Followup.incident_id == incident_id))
    }
    grouped: dict[str, list[Row[Any]]] = {}
    for row in reports:
        grouped.setdefault(row.customer_key, []).append(row)
    added = 0
    for key, rows in grouped.items():
        reasons = ["reported"]
        if any(row.vip for row in rows):
            reasons.append("vip")
        if any(row.breached_at is not None for row in rows):
            reasons.append("sla_breach")
        line = existing.get(key)
        if line is not None:
            line.reasons = ",".join(reasons)
            continue
        first = rows[0]
        told = [row for row in rows if row.customer_notified_at is not None]
        all_told = len(told) == len(rows)
        session.add(
            Followup(
                incident_id=incident_id,
                customer_key=key,
                customer_name=first.customer_name,
                account_id=next((row.account_id for row in rows if row.account_id), None),
                reasons=",".join(reasons),
                state=TOLD if all_told else TO_TELL,
                told_by=told[-1].owner_user_id if all_told else None,
                told_at=max(row.customer_notified_at for row in told) if all_told else None,
                told_how="dm" if all_told else None,
                created_at=now,
            )
        )
        added += 1
    session.flush()
    return added


def record_told(
    session: Session,
    incident_id: int,
    customer_keys: Iterable[str],
    *,
    by: str,
    how: str,
    now: datetime,
) -> int:
    """Mark these customers told (the ones still to tell); returns how many changed.

    Runs in the caller's transaction: the resolution DM's button calls it with the same
    session that marks the tickets notified.
    """
    keys = sorted(set(customer_keys))
    if not keys:
        return 0
    result = session.execute(
        update(Followup)
        .where(
            Followup.incident_id == incident_id,
            Followup.customer_key.in_(keys),
            Followup.state == TO_TELL,
        )
        .values(state=TOLD, told_by=by, told_at=now, told_how=how)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Report)
        .where(
            Report.incident_id == incident_id,
            Report.customer_key.in_(keys),
            Report.customer_notified_at.is_(None),
        )
        .values(customer_notified_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_told(rt: Runtime, incident_id: int, customer: str, by: str, how: str) -> BoardLine:
    """Record that ``customer`` (customer key or account id) was told about the resolution.

    The entry point for every source that tells customers (the board, the help desk's
    reply to a linked ticket). Telling a customer twice is not an error: the first telling
    is kept.
    """
    if how not in HOW:
        raise InvalidInput(f"`{how}` is not a way of telling a customer ({', '.join(HOW)}).")
    with rt.sessions.begin() as session:
        line = _find(session, incident_id, customer)
        if line.state != TOLD:
            line.state = TOLD
            line.told_by, line.told_at, line.told_how = by, rt.clock.now(), how
            line.not_needed_reason = None
            record_told(session, incident_id, [line.customer_key], by=by, how=how, now=line.told_at)
        return _line(session, line)


def check_reason(reason: str | None) -> str:
    """The reason a customer needs no follow-up, trimmed; InvalidInput says what is wrong."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why this customer needs no follow-up.", field="reason")
    if len(reason) > REASON_LIMIT:
        raise InvalidInput(
            f"Keep the reason under {REASON_LIMIT} characters (it has {len(reason)}).",
            field="reason",
        )
    return reason


def check_can_skip(rt: Runtime, followup_id: int) -> BoardLine:
    """The line "Not needed" is about to be asked for; refused once the customer was told."""
    with rt.sessions() as session:
        line = _by_id(session, followup_id)
        if line.state == TOLD:
            raise InvalidTransition(f"{line.customer_name} was already told.")
        return _line(session, line)


def mark_not_needed(rt: Runtime, followup_id: int, *, by: str, reason: str) -> BoardLine:
    """This customer needs no follow-up (churned, told by their account manager...): why,
    who decided and when are kept and shown on the line until someone undoes it."""
    reason = check_reason(reason)
    with rt.sessions.begin() as session:
        line = _by_id(session, followup_id)
        if line.state == TOLD:
            raise InvalidTransition(f"{line.customer_name} was already told.")
        line.state, line.not_needed_reason = NOT_NEEDED, reason
        line.told_by, line.told_at, line.told_how = by, rt.clock.now(), None
        return _line(session, line)


def undo_not_needed(rt: Runtime, followup_id: int) -> BoardLine:
    """Back to "to tell": the customer is on the untold count (and the reminder) again."""
    with rt.sessions.begin() as session:
        line = _by_id(session, followup_id)
        if line.state != NOT_NEEDED:
            state = "told" if line.state == TOLD else "still to tell"
            raise InvalidTransition(f"{line.customer_name} is {state}; nothing to undo.")
        line.state, line.not_needed_reason = TO_TELL, None
        line.told_by = line.told_at = line.told_how = None
        return _line(session, line)


def mark_told_by_id(rt: Runtime, followup_id: int, *, by: str, how: str) -> BoardLine:
    with rt.sessions() as session:
        line = _by_id(session, followup_id)
        incident_id, key = line.incident_id, line.customer_key
    return mark_told(rt, incident_id, key, by, how)


def record_reaction(
    rt: Runtime, followup_id: int, *, reaction: str, by: str, note: str | None = None
) -> BoardLine:
    """The customer's reaction once told (CSAT); a help desk rating arrives the same way."""
    if reaction not in REACTIONS:
        raise InvalidInput(f"`{reaction}` is not a reaction ({', '.join(REACTIONS)}).")
    with rt.sessions.begin() as session:
        line = _by_id(session, followup_id)
        if line.state != TOLD:
            raise InvalidTransition(
                f"Tell {line.customer_name} first; their reaction is recorded after that."
            )
        line.reaction, line.reaction_at = reaction, rt.clock.now()
        line.reaction_note = (note or "").strip()[:_NOTE_LIMIT] or line.reaction_note
        return _line(session, line)


def record_further_reply(rt: Runtime, incident_id: int, customer: str, *, at: datetime) -> bool:
    """An agent had to answer this customer again after they were told (no first-contact
    resolution). The help desk integration calls it; False when they were not told yet."""
    with rt.sessions.begin() as session:
        line = _find(session, incident_id, customer)
        if line.state != TOLD or line.told_at is None or at <= line.told_at:
            return False
        line.further_reply_at = line.further_reply_at or at
        return True


def load_board(session: Session, incident: Incident) -> Board:
    lines = session.scalars(
        select(Followup)
        .where(Followup.incident_id == incident.id)
        .order_by(Followup.state != TO_TELL, Followup.customer_name, Followup.id)
    ).all()
    tickets: dict[str, list[TicketLine]] = {}
    for ref, url, owner, key in session.execute(
        select(Report.ticket_ref, Report.ticket_url, Report.owner_user_id, Report.customer_key)
        .where(Report.incident_id == incident.id)
        .order_by(Report.id)
    ):
        tickets.setdefault(key, []).append(TicketLine(ref, url, owner))
    rows = session.execute(
        select(SlaCredit.account_id, SlaCredit.percent).where(SlaCredit.incident_id == incident.id)
    )
    # A Result has keys(), so dict(result) would read it as a mapping.
    credits = dict(rows.tuples().all())
    return Board(
        incident_id=incident.id,
        title=incident.title,
        channel_id=incident.channel_id,
        resolved_at=incident.resolved_at,
        lines=[
            _line(
                session,
                line,
                tickets=tuple(tickets.get(line.customer_key, ())),
                credit=credits.get(line.account_id or ""),
            )
            for line in lines
        ],
    )


def board_for(rt: Runtime, incident_id: int) -> Board:
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"Incident #{incident_id} does not exist.")
        return load_board(session, incident)


def untold_count(session: Session, incident_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(Followup.id)).where(
                Followup.incident_id == incident_id, Followup.state == TO_TELL
            )
        )
        or 0
    )


def _find(session: Session, incident_id: int, customer: str) -> Followup:
    line = session.scalars(
        select(Followup)
        .where(
            Followup.incident_id == incident_id,
            (Followup.customer_key == customer) | (Followup.account_id == customer),
        )
        .order_by(Followup.id)
        .limit(1)
    ).one_or_none()
    if line is None:
        raise NotFound(f"{customer} is not on the follow-up board of incident #{incident_id}.")
    return line


def _by_id(session: Session, followup_id: int) -> Followup:
    line = session.get(Followup, followup_id)
    if line is None:
        raise NotFound("That customer is no longer on a follow-up board.")
    return line


def _line(
    session: Session,
    line: Followup,
    *,
    tickets: tuple[TicketLine, ...] = (),
    credit: int | None = None,
) -> BoardLine:
    return BoardLine(
        id=line.id,
        customer_key=line.customer_key,
        customer_name=line.customer_name,
        account_id=line.account_id,
        reasons=tuple(reason for reason in line.reasons.split(",") if reason),
        state=line.state,
        told_by=line.told_by,
        told_at=line.told_at,
        told_how=line.told_how,
        not_needed_reason=line.not_needed_reason,
        reaction=line.reaction,
        tickets=tickets,
        credit_percent=credit,
        affected=parse_affected_by(line.affected_by),
    )


def mark_further_reply_by_id(rt: Runtime, followup_id: int, *, at: datetime) -> BoardLine:
    """The owner says the customer needed another reply after being told (FCR)."""
    with rt.sessions.begin() as session:
        line = _by_id(session, followup_id)
        if line.state != TOLD:
            raise InvalidTransition(f"Tell {line.customer_name} first.")
        line.further_reply_at = line.further_reply_at or at
        return _line(session, line)


def incident_of(rt: Runtime, followup_id: int) -> int:
    with rt.sessions() as session:
        return _by_id(session, followup_id).incident_id


def record_rating(
    rt: Runtime, incident_id: int, customer: str, *, reaction: str, note: str | None = None
) -> BoardLine:
    """A satisfaction rating the help desk sent for a linked ticket (customer key or
    account id), recorded as the customer's reaction; they count as told by then."""
    line = mark_told(rt, incident_id, customer, "helpdesk", "helpdesk")
    return record_reaction(rt, line.id, reaction=reaction, by="helpdesk", note=note)
