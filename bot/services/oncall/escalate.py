"""``/liaison escalate``: page a service's on-call through the Events API v2.

One escalation per incident and service (a database constraint): pressing twice tells the
second person who paged and whether it was acknowledged, and never pages again. The page
carries the impact facts as custom details and ``liaison-incident-<id>-<service>`` as its
dedup key, so even a repeated job is one page at PagerDuty. When PagerDuty's webhook later
reports the incident that page opened, it is linked by that key and its acknowledgement
is told in the channel (bot/services/oncall/sync.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import jobs
from bot.errors import InvalidInput, NotFound
from bot.integrations.http import IntegrationError
from bot.integrations.pagerduty.client import Page, PagerDutyClient
from bot.jobs import Job, Outcome
from bot.models import Incident, PagerDutyEscalation
from bot.runtime import Runtime
from bot.services.oncall.facts import impact_facts
from bot.services.oncall.kinds import NOTICE, PAGE, Notice

_SEVERITY_OF = {"sev1": "critical", "sev2": "error", "sev3": "warning", "sev4": "info"}


@dataclass(frozen=True)
class Escalation:
    incident_id: int
    service: str
    created: bool
    paged_by: str
    paged_at: datetime | None
    acknowledged_by: str | None


def dedup_key(incident_id: int, service: str) -> str:
    return f"liaison-incident-{incident_id}-{service.lower()}"[:255]


def choose_service(rt: Runtime, wanted: str | None) -> str:
    keys = rt.settings.pagerduty_routing_keys
    if not keys:
        raise InvalidInput(
            "No PagerDuty service can be paged: set PAGERDUTY_ROUTING_KEYS (service=key)."
        )
    names = ", ".join(f"`{name}`" for name in sorted(keys))
    if not wanted:
        if len(keys) == 1:
            return next(iter(keys))
        raise InvalidInput(
            f"Which service? `/liaison escalate <service> [note]` with one of {names}."
        )
    for name in keys:
        if name.lower() == wanted.lower():
            return name
    raise InvalidInput(f"`{wanted}` is not a service Liaison can page. Use one of {names}.")


def split_arguments(rt: Runtime, args: str) -> tuple[str | None, str | None]:
    """``[service] [note]``: the first word is the service only when it names one."""
    first, _, rest = args.strip().partition(" ")
    known = {name.lower() for name in rt.settings.pagerduty_routing_keys}
    if first and first.lower() in known:
        return first, rest.strip() or None
    return None, args.strip() or None


def escalate(
    rt: Runtime, *, incident_id: int, service: str | None, note: str | None, actor: str
) -> Escalation:
    chosen = choose_service(rt, service)
    now = rt.clock.now()
    try:
        with rt.sessions.begin() as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                raise NotFound(f"Incident #{incident_id} does not exist.")
            existing = _existing(session, incident_id, chosen)
            if existing is not None:
                return _view(existing, created=False)
            row = PagerDutyEscalation(
                incident_id=incident_id,
                service=chosen,
                dedup_key=dedup_key(incident_id, chosen),
                note=(note or "")[:1000] or None,
                paged_by=actor,
                requested_at=now,
            )
            session.add(row)
            session.flush()
            # No key: the escalation row is what is unique (a failed page's row is removed,
            # and on SQLite its id may come back for the next press).
            jobs.schedule(
                session, PAGE, due_at=now, now=now, incident_id=incident_id, target=str(row.id)
            )
            view = _view(row, created=True)
    except IntegrityError:  # pressed twice at once: the other press made the escalation
        with rt.sessions() as session:
            found = _existing(session, incident_id, chosen)
            if found is None:
                raise
            return _view(found, created=False)
    rt.wake()
    return view


def page(rt: Runtime, client: PagerDutyClient, job: Job[Any]) -> Outcome:
    with rt.sessions() as session:
        row = session.get(PagerDutyEscalation, int(str(job.target)))
        incident = session.get(Incident, job.incident_id) if job.incident_id else None
        if row is None or incident is None:
            return Outcome.obsolete
        facts = impact_facts(session, incident)
        routing_key = rt.settings.pagerduty_routing_keys.get(row.service)
        details: dict[str, object] = {**facts.custom_details(), "paged_by": row.paged_by}
        if row.note:
            details["note"] = row.note
        summary = f"Customer impact: {incident.title} (Liaison incident #{incident.id})"
        service, note, actor, key = row.service, row.note, row.paged_by, row.dedup_key
    if routing_key is None:
        return Outcome.obsolete  # the service was removed from the settings meanwhile
    try:
        client.trigger(
            Page(
                routing_key=routing_key,
                dedup_key=key,
                summary=summary,
                source="Liaison",
                severity=_SEVERITY_OF.get(facts.severity, "error"),
                custom_details=details,
            )
        )
    except IntegrationError as exc:
        if exc.permanent or job.last_attempt:  # nobody was paged: say so, never silently
            _tell_failed(rt, job, service=service, actor=actor, reason=str(exc))
        raise
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        stored = session.get(PagerDutyEscalation, int(str(job.target)))
        if stored is not None and stored.paged_at is None:
            stored.paged_at = now
        context = {"actor": actor, "service": service, "note": note}
        jobs.schedule(
            session, NOTICE, Notice(template="oncall/paged.j2", context=context),
            key=f"paged:{job.id}", due_at=now, now=now, incident_id=job.incident_id,
        )  # fmt: skip
    rt.wake()
    return Outcome.sent


def _tell_failed(rt: Runtime, job: Job[Any], *, service: str, actor: str, reason: str) -> None:
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        stored = session.get(PagerDutyEscalation, int(str(job.target)))
        if stored is not None:  # a later press may page again
            session.delete(stored)
        context = {"actor": actor, "service": service, "reason": reason[:300]}
        jobs.schedule(
            session, NOTICE, Notice(template="oncall/page_failed.j2", context=context),
            key=f"page-failed:{job.id}", due_at=now, now=now, incident_id=job.incident_id,
        )  # fmt: skip
    rt.wake()


def _existing(session: Session, incident_id: int, service: str) -> PagerDutyEscalation | None:
    return session.scalars(
        select(PagerDutyEscalation).where(
            PagerDutyEscalation.incident_id == incident_id,
            PagerDutyEscalation.service == service,
        )
    ).one_or_none()


def _view(row: PagerDutyEscalation, *, created: bool) -> Escalation:
    return Escalation(
        incident_id=row.incident_id,
        service=row.service,
        created=created,
        paged_by=row.paged_by,
        paged_at=row.paged_at,
        acknowledged_by=row.acknowledged_by,
    )
