"""Status emails as durable jobs: the confirmation of a subscription, and each public
update sent to the confirmed subscribers (only where ``SMTP_URL`` is configured).

One ``SEND`` job per update fans it out over one SMTP connection. Each subscriber's copy is
recorded (``page_email_deliveries``, unique per update and subscriber) right after the
relay took it, so a retried job (the relay was down halfway) sends only the rest: each
subscriber gets each update once. The Message-ID is the same on every attempt, so even a
copy sent just before a crash, and sent again by the reclaimed job, is one message to
mail clients. An address the relay refuses for good is recorded and skipped.

Only subscribers confirmed when the update was published receive it, and only when it
touches the components they chose (none chosen: all).
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs
from bot.integrations.health import CheckResult, Health
from bot.jobs import Job, JobKind, Outcome, Payload, RetryPolicy
from bot.models import PageEmailDelivery, PageEmailSubscriber, PageIncident, PageUpdate
from bot.runtime import Runtime
from bot.services.statuspage.components import STATE_LABELS, ComponentState, parse_components
from bot.services.statuspage.email_links import CONFIRM, make_token, unsubscribe_token
from bot.services.statuspage.mail import Mailer, MailError, RecipientRefused, parse_smtp_url
from bot.services.statuspage.outbound import page_link

log = logging.getLogger(__name__)


class UpdatePayload(Payload):
    page_update_id: int


class ConfirmPayload(Payload):
    subscriber_id: int
    components: list[str]
    expires: int


SEND: JobKind[UpdatePayload] = JobKind(
    "statuspage.email", UpdatePayload, retry=RetryPolicy(max_attempts=8)
)
CONFIRMATION: JobKind[ConfirmPayload] = JobKind(
    "statuspage.email_confirm", ConfirmPayload, retry=RetryPolicy(max_attempts=5)
)


def install(rt: Runtime) -> None:
    rt.dispatcher.declare(SEND, lambda job: send_update(rt, job))
    rt.dispatcher.declare(CONFIRMATION, lambda job: send_confirmation(rt, job))
    rt.health.add(lambda: health(rt))


def health(rt: Runtime) -> CheckResult:
    """The relay answers and takes the login (no email is sent)."""
    if not rt.settings.status_email_enabled:
        return CheckResult("Email (SMTP)", Health.off)
    try:
        with Mailer(parse_smtp_url(rt.settings.smtp_url)):
            pass
    except MailError as exc:
        return CheckResult("Email (SMTP)", Health.failing, f"{exc} (check SMTP_URL)")
    return CheckResult("Email (SMTP)", Health.ok)


def schedule(
    session: Session, rt: Runtime, page: PageIncident, row: PageUpdate, *, now: datetime
) -> None:
    """In the publishing transaction: one job that emails this update to subscribers."""
    if rt.settings.status_email_enabled:
        jobs.schedule(
            session, SEND, UpdatePayload(page_update_id=row.id), key=str(row.id), due_at=now,
            now=now, incident_id=page.incident_id,
        )  # fmt: skip


def schedule_confirmation(
    session: Session, subscriber_id: int, *, keys: list[str], expires: int, attempt: int,
    now: datetime,
) -> None:  # fmt: skip
    jobs.schedule(
        session, CONFIRMATION,
        ConfirmPayload(subscriber_id=subscriber_id, components=keys, expires=expires),
        key=f"{subscriber_id}:{attempt}:{int(now.timestamp())}", due_at=now, now=now,
    )  # fmt: skip


def _base(rt: Runtime) -> str:
    return rt.settings.status_page_url.rstrip("/")


def _message(rt: Runtime, *, to: str, subject: str, body: str, unsubscribe: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = rt.settings.smtp_from
    message["To"] = to
    message["Subject"] = " ".join(subject.split())  # one line, whatever a title holds
    message["Date"] = format_datetime(rt.clock.now())
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe:
        # RFC 8058: mail clients offer "Unsubscribe" and POST to it, no page in between.
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body)
    return message


def send_confirmation(rt: Runtime, job: Job[ConfirmPayload]) -> Outcome:
    if not rt.settings.status_email_enabled:
        return Outcome.obsolete
    payload = job.payload
    with rt.sessions() as session:
        row = session.get(PageEmailSubscriber, payload.subscriber_id)
        if row is None:
            return Outcome.obsolete
        email = row.email
        token = make_token(
            rt, CONFIRM, ident=row.id, email=row.email, keys=payload.components,
            expires=payload.expires,
        )  # fmt: skip
    names = {c.key: c.name for c in parse_components(rt.settings.status_components)}
    context = {
        "page": rt.settings.status_page_name,
        "link": f"{_base(rt)}/subscribe/confirm?token={token}",
        "components": [names[k] for k in payload.components if k in names],
        "hours": round(rt.settings.status_email_confirm_ttl.total_seconds() / 3600),
    }
    message = _message(
        rt,
        to=email,
        subject=rt.renderer.render("statuspage/email_confirm_subject.txt.j2", **context),
        body=rt.renderer.render("statuspage/email_confirm.txt.j2", **context),
        unsubscribe="",
    )
    message["Message-ID"] = make_msgid("confirm")
    try:
        with Mailer(parse_smtp_url(rt.settings.smtp_url)) as mailer:
            mailer.send(message)
    except RecipientRefused as exc:
        log.info("Confirmation email to subscriber %s refused: %s", payload.subscriber_id, exc)
        return Outcome.obsolete
    return Outcome.sent


def send_update(rt: Runtime, job: Job[UpdatePayload]) -> Outcome:
    """Email one update to each confirmed subscriber it concerns, once each."""
    if not rt.settings.status_email_enabled:
        return Outcome.obsolete
    update_id = job.payload.page_update_id
    with rt.sessions() as session:
        row = session.get(PageUpdate, update_id)
        if row is None:
            return Outcome.obsolete
        page = session.get(PageIncident, row.page_incident_id)
        assert page is not None
        done = set(
            session.scalars(
                select(PageEmailDelivery.subscriber_id).where(
                    PageEmailDelivery.page_update_id == update_id
                )
            )
        )
        affected = set(row.components)
        recipients = [
            (s.id, s.email, unsubscribe_token(rt, s))
            for s in session.scalars(
                select(PageEmailSubscriber)
                .where(
                    PageEmailSubscriber.confirmed_at.is_not(None),
                    PageEmailSubscriber.confirmed_at <= row.created_at,
                )
                .order_by(PageEmailSubscriber.id)
            )
            if s.id not in done and (not s.components or affected & set(s.components))
        ]
        context = _update_context(rt, page, row)
    if not recipients:
        return Outcome.obsolete if not done else Outcome.sent
    subject = rt.renderer.render("statuspage/email_update_subject.txt.j2", **context)
    domain = rt.settings.smtp_from.rpartition("@")[2].strip(" >") or "liaison"
    with Mailer(parse_smtp_url(rt.settings.smtp_url)) as mailer:
        for subscriber_id, email, token in recipients:
            unsubscribe = f"{_base(rt)}/unsubscribe?token={token}"
            body = rt.renderer.render(
                "statuspage/email_update.txt.j2", **context, unsubscribe=unsubscribe
            )
            message = _message(rt, to=email, subject=subject, body=body, unsubscribe=unsubscribe)
            message["Message-ID"] = f"<status-update-{update_id}-{subscriber_id}@{domain}>"
            outcome = "sent"
            try:
                mailer.send(message)
            except RecipientRefused as exc:
                log.info("Status email to subscriber %s refused: %s", subscriber_id, exc)
                outcome = "refused"
            _record(rt, update_id, subscriber_id, outcome)
    return Outcome.sent


def _record(rt: Runtime, update_id: int, subscriber_id: int, outcome: str) -> None:
    with rt.sessions.begin() as session:
        if session.get(PageEmailSubscriber, subscriber_id) is None:
            return  # unsubscribed while the email was on its way
        row = PageEmailDelivery(
            page_update_id=update_id, subscriber_id=subscriber_id, outcome=outcome,
            sent_at=rt.clock.now(),
        )  # fmt: skip
        session.add(row)


def _update_context(rt: Runtime, page: PageIncident, row: PageUpdate) -> dict[str, object]:
    names = {c.key: c.name for c in parse_components(rt.settings.status_components)}
    states = [
        (names[key], STATE_LABELS[ComponentState(state)])
        for key, state in row.components.items()
        if key in names
    ]
    return {
        "page": rt.settings.status_page_name,
        "name": page.name,
        "status": row.status,
        "kind": page.kind,
        "body": row.body,
        "components": states,
        "link": page_link(rt, page.id),
        "when": row.created_at.strftime("%d %b %Y, %H:%M UTC"),
    }
