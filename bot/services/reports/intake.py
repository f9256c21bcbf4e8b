"""Attaching customer reports to incidents (full-case ownership: the owner owns the ticket).

Every source (the Slack modal, a help-desk webhook, the CLI) calls ``attach`` with a
``ReportSubmission`` and a source-neutral submission key (``slack:view:<view id>``,
``zendesk:ticket:<id>:<updated_at>``). The rules are checked here, the same for all; the
key is unique in the database, so a replayed submission returns the report stored the
first time instead of storing a second one, whichever replica it reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from bot import jobs
from bot.db_errors import is_transient
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Account, Incident, Report, ReportFeature
from bot.runtime import Runtime
from bot.services.reports.submission import (
    IntakeRules,
    ReportRejected,
    ReportSubmission,
    check_submission,
    check_submission_key,
)


@dataclass(frozen=True)
class AttachedReport:
    id: int
    incident_id: int
    incident_title: str
    incident_channel_id: str | None
    customer_name: str
    ticket_ref: str | None
    is_repeat_customer: bool
    report_count: int
    customer_count: int
    replayed: bool = False  # stored by an earlier delivery of the same submission


def attach(
    rt: Runtime,
    submission: ReportSubmission,
    *,
    agent_id: str | None = None,
    submission_key: str | None = None,
) -> AttachedReport:
    """Store a report owned by ``submission.owner_id`` (else ``agent_id``, who filed it).

    Raises ReportRejected (field -> message) when a rule is broken or the incident is gone
    or resolved. With ``submission_key``, a submission already stored under that key is
    returned as it was stored (``replayed=True``) and nothing is written.
    """
    owner = submission.owner_id or agent_id
    key = check_submission_key(submission_key)
    for attempt in (1, 2, 3):
        try:
            return _attach(rt, submission, owner=owner, reporter=agent_id, submission_key=key)
        except IntegrityError:
            # Another replica stored the same submission a moment ago: that one is the answer.
            stored = _stored(rt, key) if key is not None else None
            if stored is None:
                raise
            return stored
        except DBAPIError as exc:
            # A pooled connection found the database restarted (connections are not pinged
            # before each use): the pool is renewed, and the submission tried once more. A
            # deadlock or serialization failure rolled everything back: tried again too.
            if attempt == 3 or not (exc.connection_invalidated or is_transient(exc)):
                raise
    raise AssertionError("unreachable")


def _stored(rt: Runtime, key: str) -> AttachedReport | None:
    with rt.sessions() as session:
        return _stored_in(session, key)


# Every submission asks, so the statement is built once (and is Core: no ORM compile step).
_BY_KEY = select(Report.__table__.c.id).where(Report.__table__.c.submission_key == bindparam("key"))


def _stored_in(session: Session, key: str) -> AttachedReport | None:
    """The report stored under ``key`` before, as attach answered it (counts as of now)."""
    report_id = session.scalar(_BY_KEY, {"key": key})
    if report_id is None:
        return None
    report = session.get_one(Report, report_id)
    earlier = session.scalar(
        select(func.count(Report.id)).where(
            Report.incident_id == report.incident_id,
            Report.customer_key == report.customer_key,
            Report.id < report.id,
        )
    )
    incident = report.incident
    return _attached(
        report,
        incident,
        repeat=bool(earlier),
        counts=(incident.report_count, incident.customer_count),
        replayed=True,
    )


# A customer's first report on an incident inserts their row, later ones count up: the
# returned count says whether they reported before, correct under concurrent reports.
_COUNT_CUSTOMER = text(
    "INSERT INTO incident_customers (incident_id, customer_key, report_count) "
    "VALUES (:incident_id, :customer_key, 1) "
    "ON CONFLICT (incident_id, customer_key) "
    "DO UPDATE SET report_count = incident_customers.report_count + 1 "
    "RETURNING report_count"
)
# Counted up last, so the incident's row (which every report on it updates) is locked for
# the shortest time; "still open" is checked by the same statement, after any resolution
# that committed meanwhile.
_COUNT_REPORT = text(
    "UPDATE incidents SET report_count = report_count + 1, "
    "customer_count = customer_count + :new_customer "
    "WHERE id = :incident_id AND status = 'open' "
    "RETURNING report_count, customer_count"
)


def _attach(
    rt: Runtime,
    submission: ReportSubmission,
    *,
    owner: str | None,
    reporter: str | None,
    submission_key: str | None,
) -> AttachedReport:
    """One transaction of few statements: reads first, then the report (one insert, its
    features one more), its customer's count, every job it sets off (one multi-row
    insert), and the incident's counts.

    On SQLite the write lock is held from the first write to the commit, so nothing slow
    happens in between; the report is built (and its SLA deadline derived) before it.
    """
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        incident, stored_id = _incident_and_stored(session, submission.incident_id, submission_key)
        if stored_id is not None and submission_key is not None:
            stored = _stored_in(session, submission_key)
            if stored is not None:
                return stored
        check_submission(
            submission, IntakeRules.from_settings(rt.settings), now=now, owner_id=owner
        )
        assert owner is not None  # checked above: an ownerless report is refused
        if incident is None:
            raise ReportRejected({"incident_id": "That incident no longer exists."})
        if not incident.is_open:
            raise _resolved(incident.id)
        report = _new_report(
            session, submission, incident.id, owner, reporter or owner, now, submission_key
        )
        # What the subscribers read and fill in; never added to the session: the report is
        # written below with one insert.
        filing = LifecycleEvent(
            Lifecycle.report_filing, incident, now, actor=report.reported_by, report=report
        )
        rt.hooks.emit(session, filing)
        report.id = session.execute(_INSERT_REPORT, _stored_columns(report)).scalar_one()
        features = list(dict.fromkeys(submission.features))
        if features:
            session.execute(
                insert(ReportFeature.__table__),
                [
                    {
                        "report_id": report.id,
                        "feature": f,
                        "incident_id": incident.id,
                        "customer_key": report.customer_key,
                    }
                    for f in features
                ],
            )
        # The customer's row is locked only by their own reports, so counting it before
        # the jobs costs no wait, and tells the confirmation what it says about repeats.
        ids = {"incident_id": incident.id, "customer_key": report.customer_key}
        reports_from_customer = session.execute(_COUNT_CUSTOMER, ids).scalar_one()
        new_customer = 1 if reports_from_customer == 1 else 0
        with jobs.batched(session):
            rt.hooks.emit(
                session,
                LifecycleEvent(
                    Lifecycle.report_attached,
                    incident,
                    now,
                    actor=report.reported_by,
                    report=report,
                    earlier_reports=reports_from_customer - 1,
                ),
            )
        counted = session.execute(
            _COUNT_REPORT, {"incident_id": incident.id, "new_customer": new_customer}
        ).first()
        if counted is None:
            raise _resolved(incident.id)
        attached = _attached(
            report, incident, repeat=not new_customer, counts=(counted[0], counted[1])
        )
    rt.wake()
    return attached


def _incident_and_stored(
    session: Session, incident_id: int | None, key: str | None
) -> tuple[Incident | None, int | None]:
    """The incident, and the report stored before under ``key`` (a replay), in one read."""
    if incident_id is not None:
        found = session.execute(_INCIDENT_AND_STORED, {"incident_id": incident_id, "key": key})
        row = found.first()
        if row is not None:
            return row[0], row[1]
    return None, (session.scalar(_BY_KEY, {"key": key}) if key is not None else None)


_INCIDENT_AND_STORED = select(Incident, _BY_KEY.scalar_subquery()).where(
    Incident.id == bindparam("incident_id")
)
_ACCOUNT = select(
    Account.account_id, Account.name, Account.region, Account.tier, Account.vip
).where(Account.account_id == bindparam("account_id"))
_INSERT_REPORT = insert(Report.__table__).returning(Report.__table__.c.id)
_REPORT_COLUMNS = tuple(c.key for c in Report.__table__.columns if c.key != "id")


def _new_report(
    session: Session,
    submission: ReportSubmission,
    incident_id: int,
    owner: str,
    reporter: str,
    now: datetime,
    submission_key: str | None,
) -> Report:
    """The report as it will be stored (not yet added to the session), its customer read
    from the accounts directory when the submission names an account."""
    account = (
        session.execute(_ACCOUNT, {"account_id": submission.account_id}).first()
        if submission.account_id
        else None
    )
    name = account.name if account else (submission.customer_name or submission.account_id)
    if not name:
        raise ReportRejected({"account_id": "Name the customer or pick their account."})
    return Report(
        incident_id=incident_id,
        account_id=account.account_id if account else None,
        customer_name=name[:200],
        customer_key=(account.account_id if account else name).strip().lower()[:200],
        ticket_ref=submission.ticket_ref,
        ticket_url=submission.ticket_ref if _is_url(submission.ticket_ref) else None,
        region=(account.region if account and account.region else submission.region),
        tier=(account.tier if account and account.tier else submission.tier),
        vip=bool(account and account.vip),
        product_version=submission.product_version,
        platform=submission.platform.value if submission.platform else None,
        contact_channel=submission.contact_channel.value if submission.contact_channel else None,
        sentiment=submission.sentiment.value if submission.sentiment else None,
        summary=submission.summary,
        source_permalink=submission.source_permalink,
        owner_user_id=owner,
        reported_by=reporter,
        created_at=now,
        first_contact_at=submission.first_contact_at,
        submission_key=submission_key,
    )


def _stored_columns(report: Report) -> dict[str, object]:
    """The columns given a value (the others keep their defaults)."""
    given = inspect(report).dict
    return {name: given[name] for name in _REPORT_COLUMNS if name in given}


def _resolved(incident_id: int) -> ReportRejected:
    message = f"Incident #{incident_id} was resolved meanwhile; pick an open one."
    return ReportRejected({"incident_id": message})


def _attached(
    report: Report,
    incident: Incident,
    *,
    repeat: bool,
    counts: tuple[int, int],
    replayed: bool = False,
) -> AttachedReport:
    return AttachedReport(
        id=report.id,
        incident_id=incident.id,
        incident_title=incident.title,
        incident_channel_id=incident.channel_id,
        customer_name=report.customer_name,
        ticket_ref=report.ticket_ref,
        is_repeat_customer=repeat,
        report_count=int(counts[0]),
        customer_count=int(counts[1]),
        replayed=replayed,
    )


def _is_url(value: str | None) -> bool:
    return bool(value) and "://" in str(value)
