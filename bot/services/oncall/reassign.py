"""New assignees of a PagerDuty incident (``incident.reassigned``, or an escalation that
paged the next level) join its Liaison incident channel.

The webhook only records the assignees PagerDuty last sent (bot/services/oncall/inbound.py);
the sync job sees assignees the channel has not been told of and folds one
``pagerduty.reassign`` run. That run invites the new assignees found in Slack by email (as
when the channel opened), edits the PagerDuty details message to show who has the incident
now, and says so in the channel. It then records the assignees it announced, so a
redelivered or late event finds nothing new and changes nothing more.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs
from bot.jobs import Job, Outcome
from bot.models import Incident, PagerDutyIncident
from bot.runtime import Runtime
from bot.services.oncall.kinds import REASSIGN
from bot.services.oncall.messages import (
    ResponderDirectory,
    assignee_ids,
    details_context,
    new_assignees,
)
from bot.slack.errors import SlackDeliveryError


def reassign(rt: Runtime, directory: ResponderDirectory, job: Job[Any]) -> Outcome:
    external_id = str(job.target)
    with rt.sessions() as session:
        row = _row(session, external_id)
        incident = session.get(Incident, row.incident_id) if row and row.incident_id else None
        if row is None or incident is None or not incident.channel_id:
            return Outcome.obsolete
        fresh = new_assignees(row)
        if not fresh:
            return Outcome.obsolete  # told already (a redelivery), or nobody new
        channel, details_ts = incident.channel_id, row.details_ts
        current = assignee_ids(row)
        names = {str(a.get("id")): str(a.get("name") or a.get("id")) for a in row.assignees}
        context = details_context(rt, row, incident)
    matched = directory.matched(current)
    invited = [matched[user] for user in fresh if user in matched]
    if invited:
        rt.notifier.invite(channel, invited)
    if details_ts:
        details = rt.renderer.render(
            "oncall/pagerduty_details.j2", responders=list(matched.values()), **context
        )
        try:
            rt.notifier.update(channel, details_ts, details)
        except SlackDeliveryError as exc:
            if not exc.permanent:
                raise  # Slack briefly unreachable: the job is retried
            # The message is gone (deleted by someone): the notice below still tells it.
    text = rt.renderer.render(
        "oncall/reassigned.j2",
        incident=context["incident"],
        pd=context["pd"],
        assignees=[names[user] for user in current],
        invited=invited,
    )
    rt.notifier.post(channel, text)
    _announced(rt, external_id, current)
    return Outcome.sent


def _announced(rt: Runtime, external_id: str, shown: list[str]) -> None:
    """Record what the channel was told; assignees that changed meanwhile get a run."""
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        row = _row(session, external_id, lock=True)
        if row is None:
            return
        row.announced_assignees = shown
        if new_assignees(row):
            jobs.fold(
                session, REASSIGN, due_at=now, now=now, incident_id=row.incident_id,
                target=external_id,
            )  # fmt: skip
    rt.wake()


def _row(session: Session, external_id: str, *, lock: bool = False) -> PagerDutyIncident | None:
    query = select(PagerDutyIncident).where(PagerDutyIncident.external_id == external_id)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()
