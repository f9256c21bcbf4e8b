"""The App Home tab: each person's ticket queue, their liaison roles and the open incidents.

Published when the person opens the tab and, through a ``sla.home_refresh`` job, when
their tickets change (attached, answered, handed over, breached) or their liaison roles do
(asked, accepted, handed off, moved on, incident resolved). A burst of changes for one
person folds into one publish (the kind is declared ``Fold.first``, due after
``SLA_HOME_REFRESH_DELAY``), and a refresh publishes only to someone whose Home was
published before (whoever never opened it gets a fresh one on opening) and only when it
would show something new (a digest of the last Home published is kept in ``home_views``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import TextClause, and_, bindparam, func, null, select, text
from sqlalchemy.orm import Session

from bot.jobs import Job, NoPayload, Outcome
from bot.jobs.kinds import Handler
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import HomeView, Incident, LiaisonAssignment, UTCDateTime
from bot.runtime import Runtime
from bot.services.followup.home import customers_to_tell
from bot.services.helpdesk.listing import counts_for_incidents
from bot.services.liaison import current_liaison
from bot.services.liaison.records import ACTIVE
from bot.services.metrics.home import home_metrics
from bot.services.sla import tickets
from bot.services.sla.schedule import refresh_home
from bot.slack.home_blocks import TICKETS_SHOWN, HomeSections, home_digest, home_view

INCIDENTS_SHOWN = 30


@dataclass(frozen=True)
class IncidentLine:
    id: int
    title: str
    severity: str
    channel_id: str | None
    opened_at: datetime
    report_count: int
    customer_count: int
    liaison_status: str | None = None
    # Help-desk tickets linked to it, per help desk ("Zendesk": 12).
    tickets: dict[str, int] = field(default_factory=dict)


def _incident_lines(
    session: Session, *, liaison: str | None = None, limit: int = INCIDENTS_SHOWN
) -> tuple[list[IncidentLine], int]:
    """Open incidents (newest first; only the user's liaison roles if ``liaison``), with
    the report counts kept on each incident."""
    role_status = LiaisonAssignment.status if liaison is not None else null()
    statement = select(Incident, role_status).where(Incident.status == "open")
    total_statement = select(func.count(Incident.id)).where(Incident.status == "open")
    if liaison is not None:
        role = (
            LiaisonAssignment.incident_id == Incident.id,
            LiaisonAssignment.user_id == liaison,
            LiaisonAssignment.status.in_(ACTIVE),
        )
        statement = statement.join(LiaisonAssignment, and_(*role))
        total_statement = total_statement.join(LiaisonAssignment, and_(*role))
    shown = session.execute(
        statement.order_by(Incident.opened_at.desc(), Incident.id.desc()).limit(limit)
    ).all()
    linked = counts_for_incidents(session, [incident.id for incident, _ in shown])
    lines = [
        IncidentLine(
            id=incident.id,
            title=incident.title,
            severity=incident.severity,
            channel_id=incident.channel_id,
            opened_at=incident.opened_at,
            report_count=incident.report_count,
            customer_count=incident.customer_count,
            liaison_status=status,
            tickets=linked.get(incident.id, {}),
        )
        for incident, status in shown
    ]
    return lines, int(session.scalar(total_statement) or 0)


def build_home(rt: Runtime, user_id: str, *, notice: str | None = None) -> dict[str, object]:
    """The Home view for ``user_id``, read in one session."""
    return home_view(home_sections(rt, user_id, notice=notice))


def home_sections(
    rt: Runtime, user_id: str, *, notice: str | None = None, undo: int | None = None
) -> HomeSections:
    """Everything the Home of ``user_id`` shows, read in one session."""
    now = rt.clock.now()
    risk = tickets.at_risk_within(rt)
    render = rt.renderer.render
    with rt.sessions() as session:
        queue = tickets.awaiting_response(session, owner=user_id, limit=TICKETS_SHOWN)
        liaison, liaison_total = _incident_lines(session, liaison=user_id)
        incidents, incidents_total = _incident_lines(session)
    rows = [(tickets.ticket_line(rt, t, show_owner=False), t) for t in queue.tickets]
    breached = sum(1 for t in queue.tickets if t.state(now, risk) == tickets.SlaState.breached)
    hidden = queue.total - len(rows)
    return HomeSections(
        updated=render("home/updated.j2", now=now),
        notice=notice,
        notice_undo=undo,
        tickets_intro=render("home/tickets_intro.j2", total=queue.total, breached=breached),
        tickets=rows,
        tickets_more=render("home/more.j2", count=hidden, what="ticket") if hidden > 0 else None,
        liaison_intro=render("home/liaison_intro.j2", total=liaison_total),
        liaison_lines=[render("home/incident_line.j2", incident=i) for i in liaison],
        incidents_intro=render("home/incidents_intro.j2", total=incidents_total),
        incident_lines=[render("home/incident_line.j2", incident=i) for i in incidents],
        metrics=home_metrics(rt, user_id),
        to_tell=customers_to_tell(rt, user_id),
    )


def refresh_liaison_homes(session: Session, event: LifecycleEvent, *, delay: timedelta) -> None:
    """Each Home lists the open incidents where that person is liaison: keep it current.

    A role change names its people; a resolution drops the incident from its liaison's
    list (the role itself stays on record for the follow-up).
    """
    users = list(event.users)
    if event.kind is Lifecycle.resolved:
        liaison = current_liaison(session, event.incident.id)
        users = [liaison.user_id] if liaison is not None else []
    refresh_home(session, users, now=event.now, delay=delay)


def publish_home(
    rt: Runtime, user_id: str, *, notice: str | None = None, undo: int | None = None
) -> None:
    """Publish now (the person opened the tab, or chose from its menu), and remember it.

    The person is recorded as having a Home before it is built, so a change committed
    while it is being built schedules a refresh (see ``schedule.refresh_home``).
    """
    _remember(rt, user_id, None, keep_digest=True)
    view, digest = _home_and_digest(rt, user_id, notice=notice, undo=undo)
    rt.notifier.publish_home(user_id, view)
    _remember(rt, user_id, digest)


def republish_home(rt: Runtime, user_id: str) -> bool:
    """Republish a Home that was published before, if it would now show something new;
    whether it was published."""
    with rt.sessions() as session:
        last = session.execute(
            select(HomeView.view_hash).where(HomeView.user_id == user_id)
        ).first()
    if last is None:
        return False  # never opened: it is built fresh when it is
    view, digest = _home_and_digest(rt, user_id)
    if digest == last.view_hash:
        return False
    rt.notifier.publish_home(user_id, view)
    _remember(rt, user_id, digest)
    return True


def _home_and_digest(
    rt: Runtime, user_id: str, *, notice: str | None = None, undo: int | None = None
) -> tuple[dict[str, object], str]:
    sections = home_sections(rt, user_id, notice=notice, undo=undo)
    view = home_view(sections)
    return view, home_digest(view, sections)


def _remember(rt: Runtime, user_id: str, digest: str | None, *, keep_digest: bool = False) -> None:
    values = {"user_id": user_id, "view_hash": digest, "published_at": rt.clock.now()}
    with rt.sessions.begin() as session:
        session.execute(_OPENED if keep_digest else _REMEMBER, values)


def _upsert(on_conflict: str) -> TextClause:
    return text(
        "INSERT INTO home_views (user_id, view_hash, published_at) "
        f"VALUES (:user_id, :view_hash, :published_at) ON CONFLICT (user_id) {on_conflict}"
    ).bindparams(bindparam("published_at", type_=UTCDateTime()))


_REMEMBER = _upsert(
    "DO UPDATE SET view_hash = excluded.view_hash, published_at = excluded.published_at"
)
_OPENED = _upsert("DO NOTHING")


def refresh_home_handler(rt: Runtime) -> Handler:
    """The ``sla.home_refresh`` handler: the user's Home as it stands now (the changes
    that folded into this job are committed, so the view includes them)."""

    def handle(reminder: Job[NoPayload]) -> Outcome:
        if not reminder.target:
            return Outcome.obsolete
        return Outcome.sent if republish_home(rt, reminder.target) else Outcome.obsolete

    return handle
