"""What publishing sets off, as durable jobs written with the public update:

- ``NOTE``: a one-line note in the incident channel with the page's link;
- ``PUSH``: the page incident brought up to date on Atlassian Statuspage (when configured);
- ``pagerduty_push.PUSH``: the same on a PagerDuty status page (when configured);
- ``WEBHOOK``: the update POSTed as signed JSON to each subscriber, one job per subscriber;
- ``email_delivery.SEND``: the update emailed to the confirmed subscribers, one job per
  update (where ``SMTP_URL`` is configured).

Each runs after the commit and is retried on its own; a failure never blocks Slack. A
push that fails for good is reported in the incident channel to the liaison.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import jobs
from bot.integrations.health import CheckResult, Health, check_api
from bot.integrations.http import ClientConfig, IntegrationClient, IntegrationError
from bot.jobs import Fold, Job, JobKind, NoPayload, Outcome, Payload, RetryPolicy
from bot.models import PageIncident, PageSubscriber, PageUpdate
from bot.runtime import Runtime
from bot.services.statuspage import email_delivery, pagerduty_push, webhook_hold
from bot.services.statuspage.addresses import AddressUnresolved, internal_addresses
from bot.services.statuspage.atlassian import StatuspageClient
from bot.services.statuspage.outbound import page_link, report_push_failure

log = logging.getLogger(__name__)


class UpdatePayload(Payload):
    page_update_id: int


class PushPayload(Payload):
    page_incident_id: int


NOTE: JobKind[UpdatePayload] = JobKind("statuspage.note", UpdatePayload)
PUSH: JobKind[PushPayload] = JobKind(
    "statuspage.push",
    PushPayload,
    fold=Fold.first,
    retry=RetryPolicy(max_attempts=6),
)
WEBHOOK: JobKind[UpdatePayload] = JobKind(
    "statuspage.webhook", UpdatePayload, retry=RetryPolicy(max_attempts=5)
)
AUTO_RESOLVE: JobKind[NoPayload] = JobKind("statuspage.auto_resolve", NoPayload)
_PENDING = "pending:"  # statuspage_id while a push is creating the incident there
SIGNATURE_HEADER = "X-Liaison-Signature"
TIMESTAMP_HEADER = "X-Liaison-Timestamp"


def install(rt: Runtime) -> None:
    pagerduty_push.install(rt)
    email_delivery.install(rt)
    webhook_hold.install(rt)
    rt.dispatcher.declare(NOTE, lambda job: post_note(rt, job))
    rt.dispatcher.declare(PUSH, lambda job: push(rt, job))
    rt.dispatcher.declare(WEBHOOK, lambda job: send_webhook(rt, job))
    rt.health.add(lambda: statuspage_health(rt))


def _client(rt: Runtime) -> StatuspageClient:
    settings = rt.settings
    return StatuspageClient(
        settings.statuspage_api_url,
        settings.statuspage_api_key,
        settings.statuspage_page_id,
        settings.statuspage_component_ids,
    )


def statuspage_health(rt: Runtime) -> CheckResult:
    if not rt.settings.statuspage_configured:
        return CheckResult("Statuspage", Health.off)
    return check_api(
        "Statuspage", _client(rt), auth="STATUSPAGE_API_KEY", target="STATUSPAGE_PAGE_ID",
        url="STATUSPAGE_API_URL",
    )  # fmt: skip


def schedule_all(
    session: Session,
    rt: Runtime,
    page: PageIncident,
    row: PageUpdate,
    *,
    now: datetime,
    note_channel: str | None,
) -> None:
    """In the publishing transaction: the note, the push and the subscribers' webhooks."""
    payload = UpdatePayload(page_update_id=row.id)
    if note_channel:
        jobs.schedule(
            session, NOTE, payload, key=str(row.id), due_at=now, now=now,
            incident_id=page.incident_id, target=note_channel,
        )  # fmt: skip
    if rt.settings.statuspage_configured:
        jobs.schedule(
            session, PUSH, PushPayload(page_incident_id=page.id), due_at=now, now=now,
            incident_id=page.incident_id, target=f"page{page.id}",
        )  # fmt: skip
    pagerduty_push.schedule(session, rt, page, now=now)
    email_delivery.schedule(session, rt, page, row, now=now)
    subscribers = session.scalars(select(PageSubscriber)).all()
    affected = set(row.components)
    wanted = [str(s.id) for s in subscribers if not s.components or affected & set(s.components)]
    if wanted:
        jobs.fan_out(
            session, WEBHOOK, wanted, payload, key=str(row.id), now=now,
            incident_id=page.incident_id,
        )  # fmt: skip


def post_note(rt: Runtime, job: Job[UpdatePayload]) -> Outcome:
    with rt.sessions() as session:
        row = session.get(PageUpdate, job.payload.page_update_id)
        if row is None or not job.target:
            return Outcome.obsolete
        page = session.get(PageIncident, row.page_incident_id)
        assert page is not None
        text = rt.renderer.render(
            "statuspage/published_note.j2",
            status=row.status,
            name=page.name,
            link=page_link(rt, page.id),
        )
    rt.notifier.post(job.target, text)
    return Outcome.sent


def push(rt: Runtime, job: Job[PushPayload]) -> Outcome:
    """Bring the page incident up to date on Statuspage: create it, then each update."""
    if not rt.settings.statuspage_configured:
        return Outcome.obsolete
    client = _client(rt)
    page_id = job.payload.page_incident_id
    if not _lease(rt, page_id, job.id):
        client.close()
        raise IntegrationError(
            "Statuspage", "update an incident", permanent=False, retry_after=5,
            detail="another push is sending its updates",
        )  # fmt: skip
    try:
        return _push(rt, client, job)
    except IntegrationError as exc:
        if exc.permanent or job.last_attempt:
            report_push_failure(rt, page_id, str(exc), template="statuspage/push_failed.j2")
        raise
    finally:
        _release(rt, page_id, job.id)
        client.close()


def _lease(rt: Runtime, page_id: int, job_id: int) -> bool:
    """One push per page incident at a time (a job reclaimed after a crash keeps its
    lease), so two replicas never send the same update and updates arrive in order."""
    with rt.sessions.begin() as session:
        result = session.execute(
            update(PageIncident)
            .where(
                PageIncident.id == page_id,
                (PageIncident.push_job_id.is_(None)) | (PageIncident.push_job_id == job_id),
            )
            .values(push_job_id=job_id)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)


def _release(rt: Runtime, page_id: int, job_id: int) -> None:
    with rt.sessions.begin() as session:
        session.execute(
            update(PageIncident)
            .where(PageIncident.id == page_id, PageIncident.push_job_id == job_id)
            .values(push_job_id=None)
            .execution_options(synchronize_session=False)
        )


def _push(rt: Runtime, client: StatuspageClient, job: Job[PushPayload]) -> Outcome:
    page_id = job.payload.page_incident_id
    mine = f"{_PENDING}{job.id}"
    with rt.sessions() as session:
        page = session.get(PageIncident, page_id)
        if page is None:
            return Outcome.obsolete
        remote, name, kind = page.statuspage_id, page.name, page.kind
        scheduled = (
            (page.scheduled_for.isoformat(), page.scheduled_until.isoformat())
            if page.scheduled_for and page.scheduled_until
            else None
        )
        pending = [
            (u.id, u.status, u.body, dict(u.components))
            for u in session.scalars(
                select(PageUpdate)
                .where(PageUpdate.page_incident_id == page_id, PageUpdate.pushed_at.is_(None))
                .order_by(PageUpdate.id)
            )
        ]
    if not pending:
        return Outcome.obsolete
    # The lease (``_lease``) makes this the only push of the incident running now, so a
    # creation left unfinished by any earlier attempt is ours to finish: look for what it
    # may have created (by our id in its metadata) before creating it.
    unfinished = remote is not None and remote.startswith(_PENDING)
    if remote is None:
        _claim_creation(rt, page_id, mine)
    if remote is None or unfinished:
        earlier = unfinished or job.reclaimed
        found = client.find(page_id, maintenance=kind == "maintenance") if earlier else None
        update_id, status, body, states = pending[0]
        if found is not None:
            remote = str(found["id"])
        else:
            remote = client.create(
                local_id=page_id, name=name, status=status, body=body, states=states,
                scheduled=scheduled,
            )  # fmt: skip
        _mark(rt, page_id, update_id, remote)
        pending = pending[1:]
    assert remote is not None
    for update_id, status, body, states in pending:
        latest = client.latest_update(remote) if job.reclaimed else None
        if not (latest and latest.get("body") == body and latest.get("status") == status):
            client.update(remote, name=name, status=status, body=body, states=states)
        _mark(rt, page_id, update_id, remote)
    return Outcome.sent


def _claim_creation(rt: Runtime, page_id: int, mine: str) -> None:
    """Mark the creation as started before the POST, so a crash after it is noticed."""
    with rt.sessions.begin() as session:
        session.execute(
            update(PageIncident)
            .where(PageIncident.id == page_id, PageIncident.statuspage_id.is_(None))
            .values(statuspage_id=mine)
            .execution_options(synchronize_session=False)
        )


def _mark(rt: Runtime, page_id: int, update_id: int, remote: str) -> None:
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        page = session.get(PageIncident, page_id)
        row = session.get(PageUpdate, update_id)
        if page is not None:
            page.statuspage_id = remote
        if row is not None:
            row.pushed_at = now


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``<timestamp>.<body>`` with the subscriber's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def webhook_body(page: PageIncident, row: PageUpdate, link: str) -> dict[str, object]:
    return {
        "incident": {
            "id": str(page.id),
            "name": page.name,
            "status": page.status,
            "impact": page.impact,
            "shortlink": link,
        },
        "incident_update": {
            "id": str(row.id),
            "status": row.status,
            "body": row.body,
            "created_at": row.created_at.isoformat(),
            "components": row.components,
        },
    }


def send_webhook(rt: Runtime, job: Job[UpdatePayload]) -> Outcome:
    with rt.sessions() as session:
        row = session.get(PageUpdate, job.payload.page_update_id)
        subscriber = session.get(PageSubscriber, int(job.target or 0))
        if row is None or subscriber is None:
            return Outcome.obsolete
        page = session.get(PageIncident, row.page_incident_id)
        assert page is not None
        body = json.dumps(webhook_body(page, row, page_link(rt, page.id))).encode()
        subscriber_id, url, secret = subscriber.id, subscriber.url, subscriber.secret
        held = subscriber.held_since
    inside = [] if rt.settings.status_webhooks_allow_private else _now_internal(url)
    if inside:
        webhook_hold.hold(rt, subscriber_id, addresses=inside)
        return Outcome.obsolete
    timestamp = str(int(rt.clock.now().timestamp()))
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    client = IntegrationClient(
        ClientConfig(system="Status page subscriber", base_url=origin, headers={}, attempts=1)
    )
    try:
        client.request(
            "POST",
            path,
            what=f"deliver update {row.id}",
            content=body,
            headers={
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(secret, timestamp, body),
            },
        )
    finally:
        client.close()
    if held is not None:
        webhook_hold.lift(rt, subscriber_id)
    return Outcome.sent


def _now_internal(url: str) -> list[str]:
    """The internal addresses a subscriber's name has come to point to (it is not posted
    to); a name that does not resolve right now is left to the delivery's own retries."""
    try:
        inside = internal_addresses(url)
    except AddressUnresolved:
        return []
    if inside:
        log.warning("Holding webhook subscriber %s: it now resolves to %s", url, inside)
    return list(inside)
