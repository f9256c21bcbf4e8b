"""Sending cadence reminders: the liaison's DM, the channel reminder, the escalation.

Each batch of due reminders first re-reads its incidents and recomputes the deadlines its
reminders guard (once per batch, not per reminder); if a deadline was met or moved (update
posted, incident resolved, report delivered) its reminders are obsolete and nothing is
sent. The kinds (declared in cadence_plan.py) coalesce,
so whatever piled up while the app was down goes out once per incident and kind, worded
from the current state ("overdue by 47m"), not once per missed interval.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import bindparam, select

from bot import jobs
from bot.jobs import Job, Outcome
from bot.jobs.kinds import Handler
from bot.models import Incident
from bot.runtime import Runtime
from bot.services.cadence_plan import (
    KINDS,
    CadencePayload,
    Milestone,
    Stage,
    from_epoch,
    parse_kind,
    schedule_repeat,
    still_due,
    update_interval,
)
from bot.services.escalation import escalation_members
from bot.services.liaison import liaison_user_of
from bot.slack.cadence_blocks import reminder_blocks

log = logging.getLogger(__name__)


# Built once (an immutable statement): every batch of due reminders runs it.
_INCIDENTS_AND_LIAISONS = select(Incident, liaison_user_of(Incident.id)).where(
    Incident.id.in_(bindparam("incident_ids", expanding=True))
)


@dataclass(frozen=True)
class IncidentFacts:
    """What the reminder templates say about the incident (read in one short session)."""

    id: int
    title: str
    severity: str
    channel_id: str | None
    opened_by: str | None
    liaison: str | None
    interval: timedelta


@dataclass(frozen=True)
class ReminderFacts:
    milestone: Milestone
    stage: Stage
    due: datetime
    since: datetime
    since_what: str
    now: datetime
    incident: IncidentFacts

    def context(self) -> dict[str, object]:
        return {
            "milestone": self.milestone.value,
            "incident": self.incident,
            "due": self.due,
            "since": self.since,
            "since_what": self.since_what,
            "remaining": self.due - self.now,
            "overdue": self.now - self.due,
            "is_late": self.now - self.due >= timedelta(minutes=1),
            "liaison": self.incident.liaison,
            "interval": self.incident.interval,
        }


def install_reminder_handlers(rt: Runtime) -> None:
    prepare = partial(prepare_reminders, rt)  # one for all kinds: one read per batch
    for kind in KINDS.values():
        rt.dispatcher.declare(kind, partial(handle_reminder, rt), prepare=prepare)


def handle_reminder(rt: Runtime, reminder: Job[CadencePayload]) -> Outcome:
    """Send what a cadence reminder stands for, or report it obsolete."""
    return prepare_reminders(rt, [reminder])(reminder)


@dataclass(frozen=True)
class _Checked:
    """What a batch of reminders read: each incident's facts, and which of the deadlines
    they guard (incident, milestone, due time) are still current and unmet. ``texts``
    keeps what was rendered for the batch: the escalation of one deadline to each member
    of a group reads the same, so it is rendered once."""

    incidents: dict[int, IncidentFacts]
    current: dict[tuple[int, Milestone, int], bool]
    texts: dict[tuple[str, int, str, int, int, str], str] = field(default_factory=dict)

    def render(
        self, rt: Runtime, template: str, reminder: Job[CadencePayload], facts: ReminderFacts
    ) -> str:
        payload = reminder.payload
        key = (
            template,
            facts.incident.id,
            reminder.kind,
            payload.due,
            payload.since,
            payload.since_what,
        )
        text = self.texts.get(key)
        if text is None:
            text = self.texts[key] = rt.renderer.render(template, **facts.context())
        return text


def prepare_reminders(rt: Runtime, reminders: list[Job[CadencePayload]]) -> Handler:
    """Read once what a batch of due reminders needs (one query for every incident, with
    its liaison; a deadline re-checked once for all reminders guarding it) and return the
    handler that sends each of them from it."""
    ids = sorted({r.incident_id for r in reminders if r.incident_id is not None})
    checked = _Checked(incidents={}, current={})
    if not ids:
        return partial(_send, rt, checked)
    with rt.sessions() as session:
        found = {
            incident.id: (incident, liaison)
            for incident, liaison in session.execute(
                _INCIDENTS_AND_LIAISONS, {"incident_ids": ids}
            ).tuples()
        }
        for incident, liaison in found.values():
            checked.incidents[incident.id] = IncidentFacts(
                id=incident.id,
                title=incident.title,
                severity=incident.severity,
                channel_id=incident.channel_id,
                opened_by=incident.opened_by,
                liaison=liaison,
                interval=update_interval(rt.settings, incident.severity),
            )
        for reminder in reminders:
            key = (reminder.incident_id or 0, parse_kind(reminder.kind)[0], reminder.payload.due)
            if key[0] in found and key not in checked.current:
                incident = found[key[0]][0]
                due = from_epoch(key[2])
                checked.current[key] = still_due(session, rt.settings, incident, key[1], due)
    return partial(_send, rt, checked)


def _send(rt: Runtime, checked: _Checked, reminder: Job[CadencePayload]) -> Outcome:
    milestone, stage = parse_kind(reminder.kind)
    payload = reminder.payload
    incident = checked.incidents.get(reminder.incident_id or 0)
    if incident is None or not checked.current.get((incident.id, milestone, payload.due)):
        return Outcome.obsolete
    facts = ReminderFacts(
        milestone=milestone,
        stage=stage,
        due=from_epoch(payload.due),
        since=from_epoch(payload.since),
        since_what=payload.since_what,
        now=rt.clock.now(),
        incident=incident,
    )
    if stage is Stage.nudge:
        return _nudge(rt, facts)
    if stage is Stage.due:
        return _remind_channel(rt, reminder, facts)
    return _escalate(rt, reminder, facts, checked)


def _nudge(rt: Runtime, facts: ReminderFacts) -> Outcome:
    """DM the liaison (else whoever opened the incident) before the deadline."""
    if facts.now >= facts.due:
        return Outcome.obsolete  # late: the channel reminder at the deadline speaks instead
    recipient = facts.incident.liaison or facts.incident.opened_by
    if not recipient:
        log.info("No liaison or opener to nudge about incident #%s", facts.incident.id)
        return Outcome.obsolete
    text = rt.renderer.render("cadence/nudge.j2", **facts.context())
    rt.notifier.dm(recipient, text, reminder_blocks(text, facts.incident.id, facts.milestone))
    return Outcome.sent


def _remind_channel(rt: Runtime, reminder: Job[CadencePayload], facts: ReminderFacts) -> Outcome:
    """A short visible reminder in the incident channel; repeats while an update is missing."""
    channel = facts.incident.channel_id
    if not channel:
        log.info("Incident #%s has no channel for its cadence reminder", facts.incident.id)
        return Outcome.obsolete
    text = rt.renderer.render("cadence/due.j2", **facts.context())
    rt.notifier.post(channel, text, reminder_blocks(text, facts.incident.id, facts.milestone))
    if facts.milestone is Milestone.update:
        with rt.sessions.begin() as session:
            incident = session.get(Incident, facts.incident.id)
            if incident is not None and incident.is_open:
                schedule_repeat(
                    session, rt.settings, incident,
                    due_at=facts.due, payload=reminder.payload, now=rt.clock.now(),
                )  # fmt: skip
    return Outcome.sent


def _escalate(
    rt: Runtime, reminder: Job[CadencePayload], facts: ReminderFacts, checked: _Checked
) -> Outcome:
    """Tell the escalation contact; a user group is fanned out to one job per member (see
    bot/services/escalation.py), so a failure for one member never repeats the others'."""
    if reminder.target:
        text = checked.render(rt, "cadence/escalation.j2", reminder, facts)
        rt.notifier.dm(reminder.target, text)
        return Outcome.sent
    contact = rt.settings.liaison_escalation.strip()
    if not contact:
        log.info("Incident #%s is overdue but LIAISON_ESCALATION is empty", facts.incident.id)
        return Outcome.obsolete
    members = escalation_members(rt.notifier, contact)
    if not members:
        return Outcome.obsolete
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        jobs.fan_out(
            session, KINDS[facts.milestone, facts.stage], members, reminder.payload,
            key=reminder.dedupe_key, now=now, incident_id=reminder.incident_id,
        )  # fmt: skip
    return Outcome.sent
