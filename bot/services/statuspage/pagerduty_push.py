"""The durable job that brings a page incident up to date on a PagerDuty status page.

Like the Atlassian push (delivery.py): one job per page incident at a time (a lease on
``page_incidents.pagerduty_job_id``), updates sent in order and each marked
(``page_updates.pagerduty_pushed_at``) right after PagerDuty took it, 429 and 5xx retried
no sooner than PagerDuty's Retry-After, and a failure for good reported once to the
liaison. The Slack flow never waits for any of it.

Exactly once: the creation is claimed before the POST (``pending:<job>``), so a push
reclaimed after a crash looks for the post it may have created (same title, type and
start) and, before adding an update again, compares it with the post's latest update.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import jobs
from bot.integrations.health import CheckResult, Health, check_api
from bot.integrations.http import IntegrationError
from bot.jobs import Fold, Job, JobKind, Outcome, Payload, RetryPolicy
from bot.models import PageIncident, PageUpdate
from bot.runtime import Runtime
from bot.services.statuspage.outbound import report_push_failure
from bot.services.statuspage.pagerduty_pages import SYSTEM, PagerDutyStatusPageClient

_PENDING = "pending:"
_ENDED = ("resolved", "completed")
FAILED_TEMPLATE = "statuspage/pagerduty_push_failed.j2"


class PostPayload(Payload):
    page_incident_id: int


PUSH: JobKind[PostPayload] = JobKind(
    "statuspage.pagerduty_push", PostPayload, fold=Fold.first, retry=RetryPolicy(max_attempts=6)
)


def install(rt: Runtime) -> None:
    rt.dispatcher.declare(PUSH, lambda job: push(rt, job))
    rt.health.add(lambda: health(rt))


def schedule(session: Session, rt: Runtime, page: PageIncident, *, now: datetime) -> None:
    """In the publishing transaction: bring this page incident up to date there."""
    if rt.settings.pagerduty_status_page_configured:
        jobs.schedule(
            session, PUSH, PostPayload(page_incident_id=page.id), due_at=now, now=now,
            incident_id=page.incident_id, target=f"page{page.id}",
        )  # fmt: skip


def _client(rt: Runtime) -> PagerDutyStatusPageClient:
    s = rt.settings
    return PagerDutyStatusPageClient(
        s.pagerduty_api_url,
        s.pagerduty_api_token,
        s.pagerduty_status_page_id,
        s.pagerduty_status_page_services,
    )


def health(rt: Runtime) -> CheckResult:
    if not rt.settings.pagerduty_status_page_configured:
        return CheckResult(SYSTEM, Health.off)
    return check_api(
        SYSTEM, _client(rt), auth="PAGERDUTY_API_TOKEN", target="PAGERDUTY_STATUS_PAGE_ID",
        url="PAGERDUTY_API_URL",
    )  # fmt: skip


def push(rt: Runtime, job: Job[PostPayload]) -> Outcome:
    if not rt.settings.pagerduty_status_page_configured:
        return Outcome.obsolete
    page_id = job.payload.page_incident_id
    if not _lease(rt, page_id, job.id, take=True):
        raise IntegrationError(
            SYSTEM, "add a post update", permanent=False, retry_after=5,
            detail="another push is sending its updates",
        )  # fmt: skip
    client = _client(rt)
    try:
        return _push(rt, client, job)
    except IntegrationError as exc:
        if exc.permanent or job.last_attempt:
            report_push_failure(rt, page_id, str(exc), template=FAILED_TEMPLATE)
        raise
    finally:
        _lease(rt, page_id, job.id, take=False)
        client.close()


def _lease(rt: Runtime, page_id: int, job_id: int, *, take: bool) -> bool:
    """Take (or give back) the page incident's PagerDuty push: one at a time, in order;
    a job reclaimed after a crash keeps its own lease."""
    held = PageIncident.pagerduty_job_id
    mine = held.is_(None) | (held == job_id) if take else held == job_id
    with rt.sessions.begin() as session:
        result = session.execute(
            update(PageIncident)
            .where(PageIncident.id == page_id, mine)
            .values(pagerduty_job_id=job_id if take else None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _push(rt: Runtime, client: PagerDutyStatusPageClient, job: Job[PostPayload]) -> Outcome:
    page_id = job.payload.page_incident_id
    with rt.sessions() as session:
        page = session.get(PageIncident, page_id)
        if page is None:
            return Outcome.obsolete
        remote, title, impact = page.pagerduty_post_id, page.name, page.impact
        post_type = "maintenance" if page.kind == "maintenance" else "incident"
        starts_at = _iso(page.scheduled_for or page.created_at) or ""
        ends_at = _iso(page.scheduled_until) if post_type == "maintenance" else None
        pending = [
            (u.id, u.status, u.body, dict(u.components), u.created_at)
            for u in session.scalars(
                select(PageUpdate)
                .where(
                    PageUpdate.page_incident_id == page_id,
                    PageUpdate.pagerduty_pushed_at.is_(None),
                )
                .order_by(PageUpdate.id)
            )
        ]
    if not pending:
        return Outcome.obsolete
    _, last_status, _, _, last_at = pending[-1]
    unfinished = remote is not None and remote.startswith(_PENDING)
    if remote is None:
        _set_post(rt, page_id, f"{_PENDING}{job.id}", only_if_unset=True)
    if remote is None or unfinished:
        update_id, status, body, states, _ = pending[0]
        found = None
        if unfinished or job.reclaimed:
            found = client.find(title=title, post_type=post_type, starts_at=starts_at)
        if found is None:
            first = client.post_update(
                post_type=post_type, status=status, impact=impact, body=body, states=states
            )
            found = client.create(
                title=title, post_type=post_type, starts_at=starts_at, ends_at=ends_at,
                update=first,
            )  # fmt: skip
        remote = found
        _set_post(rt, page_id, remote)
        _mark(rt, update_id)
        pending = pending[1:]
    for update_id, status, body, states, _ in pending:
        latest = client.latest_message(remote) if job.reclaimed else None
        if latest != body:
            client.add(
                remote,
                client.post_update(
                    post_type=post_type, status=status, impact=impact, body=body, states=states
                ),
            )
        _mark(rt, update_id)
    if last_status in _ENDED:
        client.end(remote, title=title, ends_at=last_at.isoformat())
    return Outcome.sent


def _set_post(rt: Runtime, page_id: int, post_id: str, *, only_if_unset: bool = False) -> None:
    with rt.sessions.begin() as session:
        query = update(PageIncident).where(PageIncident.id == page_id)
        if only_if_unset:
            query = query.where(PageIncident.pagerduty_post_id.is_(None))
        session.execute(
            query.values(pagerduty_post_id=post_id).execution_options(synchronize_session=False)
        )


def _mark(rt: Runtime, update_id: int) -> None:
    with rt.sessions.begin() as session:
        row = session.get(PageUpdate, update_id)
        if row is not None:
            row.pagerduty_pushed_at = rt.clock.now()
