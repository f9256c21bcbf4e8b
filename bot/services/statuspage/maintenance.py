"""Scheduled maintenance: a window on the page that starts and completes on its own.

Scheduling writes the window, its first public update and two durable jobs (start, end)
in one transaction: the page shows the window ahead of time, and the jobs move it to in
progress and completed when their time comes, whatever restarted in between. A window
cancelled before it ends is completed at once with a note saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import jobs
from bot.errors import InvalidInput, NotFound
from bot.jobs import Job, JobKind, Outcome, Payload
from bot.models import PageIncident, PageUpdate
from bot.runtime import Runtime
from bot.services.statuspage import delivery
from bot.services.statuspage.components import ComponentState
from bot.services.statuspage.publishing import components, enabled

NAME_MAX = 300
MESSAGE_MAX = 2500
LONGEST = timedelta(days=14)
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?$")
USAGE = (
    "`/liaison maintenance <components|all> <start> <end> <title> [| message]`, e.g. "
    "`/liaison maintenance api,eu 2026-11-24T02:00 2026-11-24T04:00 Database upgrade | "
    "The API may answer slowly.` (times without a zone are read in BUSINESS_TIMEZONE)"
)


class WindowPayload(Payload):
    page_incident_id: int


START: JobKind[WindowPayload] = JobKind("statuspage.maintenance_start", WindowPayload)
END: JobKind[WindowPayload] = JobKind("statuspage.maintenance_end", WindowPayload)


@dataclass(frozen=True)
class Window:
    id: int
    name: str
    components: list[str]
    starts: datetime
    ends: datetime
    status: str


def install(rt: Runtime) -> None:
    rt.dispatcher.declare(START, lambda job: _move(rt, job, "in_progress"))
    rt.dispatcher.declare(END, lambda job: _move(rt, job, "completed"))


def parse_time(text: str, zone: str) -> datetime:
    text = text.strip()
    if not _TIME.match(text):
        raise InvalidInput(f"`{text}` is not a time like 2026-11-24T02:00. {USAGE}")
    value = datetime.fromisoformat(text.replace(" ", "T").replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(ZoneInfo("UTC"))


def schedule_window(rt: Runtime, *, args: str, actor: str) -> Window:
    """Parse ``/liaison maintenance`` arguments and schedule the window."""
    if not enabled(rt):
        raise InvalidInput("No status page components are configured (STATUS_COMPONENTS).")
    parts = args.split(maxsplit=3)
    if len(parts) < 4:
        raise InvalidInput(f"Give the components, start, end and title. {USAGE}")
    keys_text, start_text, end_text, rest = parts
    zone = rt.settings.business_timezone
    starts, ends = parse_time(start_text, zone), parse_time(end_text, zone)
    now = rt.clock.now()
    if ends <= starts:
        raise InvalidInput("The window must end after it starts.")
    if ends <= now:
        raise InvalidInput("That window is already over.")
    if ends - starts > LONGEST:
        raise InvalidInput("A maintenance window lasts at most 14 days.")
    known = [c.key for c in components(rt)]
    keys = (
        known
        if keys_text.lower() == "all"
        else [k.strip().lower() for k in keys_text.split(",") if k.strip()]
    )
    unknown = [k for k in keys if k not in known]
    if unknown or not keys:
        raise InvalidInput(
            f"Unknown components: {', '.join(unknown) or keys_text}. Known: {', '.join(known)}."
        )
    name, _, message = (" ".join(p.split()) for p in rest.partition("|"))
    message = message or name
    if not name or len(name) > NAME_MAX or len(message) > MESSAGE_MAX:
        raise InvalidInput(f"Give a title (up to {NAME_MAX} characters). {USAGE}")
    with rt.sessions.begin() as session:
        page = PageIncident(
            kind="maintenance", name=name, status="scheduled", impact="maintenance",
            components=dict.fromkeys(keys, ComponentState.under_maintenance.value),
            created_at=now, updated_at=now, scheduled_for=starts, scheduled_until=ends,
            created_by=actor,
        )  # fmt: skip
        session.add(page)
        session.flush()
        row = PageUpdate(
            page_incident_id=page.id, status="scheduled", body=message,
            components=dict(page.components), created_at=now, created_by=actor,
        )  # fmt: skip
        session.add(row)
        session.flush()
        payload = WindowPayload(page_incident_id=page.id)
        target = _target(page.id)
        jobs.schedule(session, START, payload, key=target, due_at=starts, now=now, target=target)
        jobs.schedule(session, END, payload, key=target, due_at=ends, now=now, target=target)
        delivery.schedule_all(session, rt, page, row, now=now, note_channel=None)
        window = Window(page.id, name, keys, starts, ends, page.status)
    rt.wake()
    return window


def cancel_window(rt: Runtime, *, window_id: int, actor: str) -> Window:
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        page = session.get(PageIncident, window_id, with_for_update=True)
        if page is None or page.kind != "maintenance":
            raise NotFound(f"Maintenance #{window_id} does not exist.")
        if page.status == "completed":
            raise InvalidInput(f"Maintenance #{window_id} is already completed.")
        body = rt.renderer.render("statuspage/maintenance_cancelled.txt.j2", name=page.name)
        _finish(session, rt, page, "completed", body, now, actor)
        jobs.cancel(session, [START, END], now=now, target=_target(page.id))
        window = _window(page)
    rt.wake()
    return window


def _move(rt: Runtime, job: Job[WindowPayload], status: str) -> Outcome:
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        page = session.get(PageIncident, job.payload.page_incident_id, with_for_update=True)
        order = ["scheduled", "in_progress", "completed"]
        if page is None or order.index(page.status) >= order.index(status):
            return Outcome.obsolete
        body = rt.renderer.render(f"statuspage/maintenance_{status}.txt.j2", name=page.name)
        _finish(session, rt, page, status, body, now, None)
    rt.wake()
    return Outcome.sent


def _finish(
    session: Session,
    rt: Runtime,
    page: PageIncident,
    status: str,
    body: str,
    now: datetime,
    actor: str | None,
) -> None:
    page.status = status
    page.updated_at = now
    if status == "completed":
        page.resolved_at = now
    row = PageUpdate(
        page_incident_id=page.id, status=status, body=body,
        components=dict(page.components), created_at=now, created_by=actor,
    )  # fmt: skip
    session.add(row)
    session.flush()
    delivery.schedule_all(session, rt, page, row, now=now, note_channel=None)


def _target(window_id: int) -> str:
    return f"window{window_id}"


def _window(page: PageIncident) -> Window:
    assert page.scheduled_for and page.scheduled_until
    return Window(
        page.id, page.name, list(page.components), page.scheduled_for, page.scheduled_until,
        page.status,
    )  # fmt: skip
