"""The live summary: one pinned message per incident, edited in place, debounced.

Every report schedules an ``impact.refresh`` job in its own transaction, due now if the
message has not changed for ``IMPACT_REFRESH``, else when that interval ends; the kind
folds (``Fold.first``), so reports arriving meanwhile merge into the pending job and a
burst of 500 reports yields one edit. The handler claims the refresh with a conditional UPDATE of
``summary_refreshed_at``, so two replicas (or two due reminders) never edit twice within
the interval, and never post two live messages. Pinning is its own reminder
(``impact.pin``), so a failed pin is retried without posting the summary again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot import jobs
from bot.config import Settings
from bot.jobs import Fold, Job, JobKind, NoPayload, Outcome, Payload
from bot.models import Incident
from bot.runtime import Runtime
from bot.services.impact.summary import summarize
from bot.slack.client import SlackDeliveryError
from bot.slack.errors import MessageGone
from bot.slack.impact_blocks import live_summary_message

log = logging.getLogger(__name__)

REFRESH = "impact.refresh"
PIN = "impact.pin"


class PinPayload(Payload):
    channel: str
    ts: str


REFRESH_KIND: JobKind[NoPayload] = JobKind(REFRESH, NoPayload, fold=Fold.first)
# pins.add of a message already pinned is answered ``already_pinned``: harmless to repeat.
PIN_KIND: JobKind[PinPayload] = JobKind(PIN, PinPayload, repeat_safe=True)


def schedule_refresh(
    session: Session, settings: Settings, incident: Incident, now: datetime
) -> None:
    """Ask for the live summary to be refreshed, as soon as the debounce allows.

    Runs inside the causing transaction. Every cause within one debounce interval folds
    into the same pending job.
    """
    last = incident.summary_refreshed_at
    due = (
        now
        if last is None or last + settings.impact_refresh <= now
        else last + settings.impact_refresh
    )
    jobs.schedule(session, REFRESH_KIND, due_at=due, now=now, incident_id=incident.id)


def handle_refresh(rt: Runtime, reminder: Job[NoPayload]) -> Outcome:
    """Create (and have pinned) or edit the live summary, at most once per IMPACT_REFRESH."""
    incident_id = reminder.incident_id
    if incident_id is None:
        return Outcome.obsolete
    now = rt.clock.now()
    refresh = rt.settings.impact_refresh
    with rt.sessions.begin() as session:
        incident = session.get(Incident, incident_id)
        if incident is None or not incident.channel_id:
            return Outcome.obsolete
        previous = incident.summary_refreshed_at
        claimed = session.execute(
            update(Incident)
            .where(
                Incident.id == incident_id,
                or_(
                    Incident.summary_refreshed_at.is_(None),
                    Incident.summary_refreshed_at <= now - refresh,
                ),
            )
            .values(summary_refreshed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            # Refreshed moments ago (by another reminder or replica): come back when allowed.
            latest = session.scalar(
                select(Incident.summary_refreshed_at).where(Incident.id == incident_id)
            )
            due = (latest or now) + refresh
            jobs.schedule(session, REFRESH_KIND, due_at=due, now=now, incident_id=incident_id)
            return Outcome.obsolete
        channel, ts = incident.channel_id, incident.summary_ts
    try:
        return _deliver(rt, incident_id, channel, ts)
    except SlackDeliveryError:
        _release_claim(rt, incident_id, claimed_at=now, previous=previous)
        raise


def handle_pin(rt: Runtime, reminder: Job[PinPayload]) -> Outcome:
    """Pin the live summary, unless it has been replaced since."""
    channel, ts = reminder.payload.channel, reminder.payload.ts
    with rt.sessions() as session:
        incident = session.get(Incident, reminder.incident_id) if reminder.incident_id else None
        if incident is None or not channel or not ts or incident.summary_ts != ts:
            return Outcome.obsolete
    rt.notifier.pin(channel, ts)  # an unpinnable message fails for good (errors.Unpinnable)
    return Outcome.sent


def _deliver(rt: Runtime, incident_id: int, channel: str, ts: str | None) -> Outcome:
    summary = summarize(rt, incident_id)
    if summary.empty:
        return Outcome.obsolete
    message = live_summary_message(summary, rt.renderer, refresh=rt.settings.impact_refresh)
    if ts:
        try:
            rt.notifier.update(channel, ts, message.text, message.blocks)
            return Outcome.sent
        except MessageGone:
            log.info("Live summary of incident #%s was deleted; posting a new one", incident_id)
    posted = rt.notifier.post(channel, message.text, message.blocks)
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        session.execute(
            update(Incident)
            .where(Incident.id == incident_id)
            .values(summary_ts=posted.ts)
            .execution_options(synchronize_session=False)
        )
        jobs.schedule(
            session,
            PIN_KIND,
            PinPayload(channel=posted.channel, ts=posted.ts),
            key=f"{incident_id}:{posted.ts}",
            due_at=now,
            now=now,
            incident_id=incident_id,
        )
    rt.wake()
    return Outcome.sent


def _release_claim(
    rt: Runtime, incident_id: int, *, claimed_at: datetime, previous: datetime | None
) -> None:
    """Slack refused: give the refresh slot back so the retry is not debounced away."""
    with rt.sessions.begin() as session:
        session.execute(
            update(Incident)
            .where(Incident.id == incident_id, Incident.summary_refreshed_at == claimed_at)
            .values(summary_refreshed_at=previous)
            .execution_options(synchronize_session=False)
        )
