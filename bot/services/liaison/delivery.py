"""Making an assignment visible: channel setup and announcement, the DM, the notices.

``liaison.announce`` joins the channel if needed, invites the liaison, puts their name in
the topic and posts the announcement, in that order: every step before the post can be
repeated harmlessly, so a transient failure simply retries the reminder. A permanent
failure is named in the announcement and sent to the escalation contact; an invite that
fails because the person left the workspace ends their assignment and asks the next
member, so the records never name a liaison who cannot be in the channel.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from bot import jobs
from bot.jobs import Job, Outcome
from bot.models import Incident
from bot.runtime import Runtime
from bot.services.escalation import escalation_members, is_group
from bot.services.liaison import records
from bot.services.liaison.assign import advance
from bot.services.liaison.kinds import (
    ESCALATE,
    AnnouncePayload,
    Reason,
    TextPayload,
    schedule_checklist,
    schedule_notice,
)
from bot.services.liaison.messages import Problem, announcement, checklist, incident_context, topic
from bot.services.liaison.records import ACTIVE, AssignmentView, Status
from bot.slack.client import SlackDeliveryError
from bot.slack.errors import CannotInvite, UserGone

log = logging.getLogger(__name__)

# A private channel the app is not in: it can neither join nor invite.
NOT_IN_PRIVATE = "not_in_channel"


class Steps:
    """The setup's failures so far, and whether transient ones may still be retried."""

    def __init__(self, reminder: Job[AnnouncePayload]) -> None:
        self.problems: list[Problem] = []
        # The kind's last attempt (see ANNOUNCE_ATTEMPTS): report rather than retry.
        self.give_up = reminder.last_attempt

    def failed(self, step: str, exc: SlackDeliveryError) -> None:
        """Record a failure to report; a transient one retries the reminder (by raising)."""
        if not exc.permanent and not self.give_up:
            raise exc
        self.problems.append(Problem(step, exc.error))


def handle_announce(rt: Runtime, reminder: Job[AnnouncePayload]) -> Outcome:
    """``liaison.announce``: join, invite, topic, announcement; then the DM is scheduled."""
    payload = reminder.payload
    with rt.sessions() as session:
        view = records.load_view(session, payload.assignment_id)
    if view is None or not view.is_active:
        return Outcome.obsolete
    steps = Steps(reminder)
    posted_ts = None
    if view.channel_id:
        current_topic = _prepare_channel(rt, view.channel_id, steps)
        if current_topic is not None:
            try:
                rt.notifier.invite(view.channel_id, [view.user_id])
            except (UserGone, CannotInvite) as exc:
                # This person cannot be in the channel at all: the next member is asked.
                return _unreachable(rt, reminder, view, exc.error)
            except SlackDeliveryError as exc:
                steps.failed("invite", exc)
            _set_topic(rt, view, current_topic, steps)
            rendered = announcement(rt, view, payload, steps.problems)
            try:
                posted_ts = rt.notifier.post(view.channel_id, rendered.text, rendered.blocks).ts
            except SlackDeliveryError as exc:
                steps.failed("announce", exc)
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        if posted_ts:
            records.set_announcement(session, view.id, posted_ts)
        schedule_checklist(session, payload=payload, view=view, now=now)
        if steps.problems:
            _escalate_problems(session, rt, view, steps.problems)
    return Outcome.sent


def _prepare_channel(rt: Runtime, channel: str, steps: Steps) -> str | None:
    """Join the channel if needed; its current topic, or None when it cannot be used."""
    try:
        info = rt.notifier.channel_info(channel)
    except SlackDeliveryError as exc:
        steps.failed("channel", exc)
        return None
    if info.get("is_archived"):
        steps.problems.append(Problem("channel", "is_archived"))
        return None
    if not info.get("is_member", True):
        if info.get("is_private"):
            steps.problems.append(Problem("join", NOT_IN_PRIVATE))
            return None
        try:
            rt.notifier.join(channel)
        except SlackDeliveryError as exc:
            steps.failed("join", exc)
            return None
    return str((info.get("topic") or {}).get("value") or "")


def _set_topic(rt: Runtime, view: AssignmentView, current: str, steps: Steps) -> None:
    channel = view.channel_id or ""
    try:
        name = rt.notifier.user(view.user_id).name
    except SlackDeliveryError as exc:
        log.warning("users.info %s failed: %s; topic uses the id", view.user_id, exc.error)
        name = view.user_id
    wanted = topic(rt, current, name)
    if wanted == current:
        return
    try:
        rt.notifier.set_topic(channel, wanted)
    except SlackDeliveryError as exc:
        steps.failed("topic", exc)


def _unreachable(rt: Runtime, reminder: Job[Any], view: AssignmentView, error: str) -> Outcome:
    log.warning("Liaison %s cannot be invited to %s: %s", view.user_id, view.channel_id, error)
    advance(
        rt,
        reminder,
        assignment_id=view.id,
        allowed_from=ACTIVE,
        ended=Status.unreachable,
        reason=Reason.after_unreachable,
        error=error,
    )
    return Outcome.sent


def _escalate_problems(
    session: Session, rt: Runtime, view: AssignmentView, problems: list[Problem]
) -> None:
    problem_list = [{"step": p.step, "error": p.error} for p in problems]
    _tell_escalation(
        session, rt, view, f"delivery:{view.id}", "escalation_delivery", problems=problem_list
    )
    log.warning("Liaison setup for incident #%s incomplete: %s", view.incident_id, problems)


def handle_checklist(rt: Runtime, reminder: Job[AnnouncePayload]) -> Outcome:
    """``liaison.checklist``: DM the liaison their commitments, commands and the counts."""
    payload = reminder.payload
    with rt.sessions() as session:
        view = records.load_view(session, payload.assignment_id)
        if view is None or not view.is_active:
            return Outcome.obsolete
        rendered = checklist(rt, session, view, payload)
    try:
        rt.notifier.dm(view.user_id, rendered.text, rendered.blocks)
    except SlackDeliveryError as exc:
        if not exc.permanent and not reminder.last_attempt:
            raise
        with rt.sessions.begin() as session:
            _tell_escalation(
                session, rt, view, f"no_dm:{view.id}", "escalation_no_dm", error=exc.error
            )
    return Outcome.sent


def _tell_escalation(
    session: Session, rt: Runtime, view: AssignmentView, key: str, template: str, **facts: Any
) -> None:
    """Queue ``templates/liaison/<template>.j2`` for the escalation contact (once per key)."""
    incident = session.get(Incident, view.incident_id)
    if incident is None:
        return
    text = rt.renderer.render(
        f"liaison/{template}.j2", liaison=view.user_id, incident=incident_context(view), **facts
    )
    schedule_notice(
        session, rt, incident=incident, key=key, now=rt.clock.now(), escalation_text=text
    )


def handle_channel_notice(rt: Runtime, reminder: Job[TextPayload]) -> Outcome:
    """``liaison.channel_notice``: say in the incident channel what went wrong."""
    payload = reminder.payload
    if not payload.channel:
        return Outcome.obsolete
    rt.notifier.post(payload.channel, payload.text)
    return Outcome.sent


def handle_escalate(rt: Runtime, reminder: Job[TextPayload]) -> Outcome:
    """``liaison.escalate``: DM the escalation contact; a user group is fanned out to one
    job per member (bot/services/escalation.py), each retried on its own."""
    contact = reminder.target or rt.settings.liaison_escalation
    if not contact:
        return Outcome.obsolete
    if not is_group(contact):
        rt.notifier.dm(contact, reminder.payload.text)
        return Outcome.sent
    members = escalation_members(rt.notifier, contact)
    if not members:
        return Outcome.obsolete
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        jobs.fan_out(
            session, ESCALATE, members, reminder.payload, key=reminder.dedupe_key, now=now,
            incident_id=reminder.incident_id,
        )  # fmt: skip
    return Outcome.sent
