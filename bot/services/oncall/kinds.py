"""The durable job kinds of the on-call capability, declared once (handlers bound in
bot/services/oncall/install.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.jobs import JobKind, Payload
from bot.jobs.kinds import Fold, NoPayload, RetryPolicy


class Notice(Payload):
    """A sentence for the incident channel, rendered when the job runs."""

    template: str
    context: dict[str, object] = {}
    # The resolution told: it carries the *Create Jira issue* button when Jira is set up.
    resolution: bool = False


class UpdatePayload(Payload):
    status_update_id: int


# Bring the Liaison incident in line with what PagerDuty last said (target: PagerDuty's
# incident id). A burst of deliveries for one incident folds into one run.
SYNC: JobKind[NoPayload] = JobKind(
    "pagerduty.sync",
    NoPayload,
    fold=Fold.first,
    retry=RetryPolicy(max_attempts=8, base=timedelta(seconds=5), cap=timedelta(minutes=5)),
)
# Once the channel exists: invite the responders, bookmark the bridge, post the details.
ANNOUNCE: JobKind[NoPayload] = JobKind("pagerduty.announce", NoPayload)
# New assignees of a PagerDuty incident (reassigned, escalated): invite them, edit the
# details message, say who now has it (target: PagerDuty's incident id). Folded: a burst of
# reassignments is one run that reads the latest assignees.
REASSIGN: JobKind[NoPayload] = JobKind("pagerduty.reassign", NoPayload, fold=Fold.first)
# One sentence in the incident channel (acknowledged, resolved in PagerDuty, paged...).
NOTICE: JobKind[Notice] = JobKind("pagerduty.notice", Notice)
# Page a service's on-call through the Events API (target: the escalation's id).
PAGE: JobKind[NoPayload] = JobKind(
    "pagerduty.page",
    NoPayload,
    retry=RetryPolicy(max_attempts=6, base=timedelta(seconds=10), cap=timedelta(minutes=2)),
    repeat_safe=True,  # the dedup key makes a repeated trigger one page
)
# A customer-facing update added to the PagerDuty incident (target: its id).
UPDATE: JobKind[UpdatePayload] = JobKind("pagerduty.update", UpdatePayload)
# Resolve the linked PagerDuty incident (target: its id); resolving twice is harmless.
RESOLVE: JobKind[NoPayload] = JobKind("pagerduty.resolve", NoPayload, repeat_safe=True)
# Bookmark and post CONFERENCE_BRIDGE_URL in a new incident's channel (one per incident).
BRIDGE: JobKind[NoPayload] = JobKind("oncall.bridge", NoPayload)
