"""What a help-desk webhook sets off: a durable job that reads the ticket and applies it.

The webhook answers as soon as the job is written (Zendesk and Salesforce give a few
seconds); the job does the slow part (reading the ticket back, looking the assignee up in
Slack, attaching the report). Deliveries about a ticket whose job is still pending fold
into that one job, so a burst of redeliveries reads the ticket once; a snapshot sent whole
(the generic webhook) is its own job, keyed by its version, so a redelivery is one job and
an older version arriving late is recognised as stale when it runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from bot import jobs
from bot.jobs import Fold, Job, JobKind, Outcome, Payload, RetryPolicy
from bot.runtime import Runtime
from bot.services.helpdesk.model import HelpdeskClient, TicketSnapshot, TicketSource
from bot.services.helpdesk.sync import apply_snapshot

_RETRY = RetryPolicy(max_attempts=8)


class ReadTicket(Payload):
    source: TicketSource
    ticket_id: str


class ApplySnapshot(Payload):
    source: TicketSource
    snapshot: dict[str, Any]


# Read a ticket back through its help desk's API and apply it (Zendesk, Salesforce).
READ_TICKET: JobKind[ReadTicket] = JobKind(
    "helpdesk.read_ticket", ReadTicket, fold=Fold.first, retry=_RETRY, repeat_safe=True
)
# Apply a snapshot delivered whole (the generic webhook).
APPLY_SNAPSHOT: JobKind[ApplySnapshot] = JobKind(
    "helpdesk.apply_snapshot", ApplySnapshot, retry=_RETRY, repeat_safe=True
)


def ticket_changed(rt: Runtime, source: TicketSource, ticket_ids: Iterable[str]) -> int:
    """Schedule a read of each ticket (one pending read per ticket); how many tickets."""
    now = rt.clock.now()
    ids = list(dict.fromkeys(ticket_ids))
    with rt.sessions.begin() as session:
        for ticket_id in ids:
            jobs.fold(
                session, READ_TICKET, ReadTicket(source=source, ticket_id=ticket_id),
                due_at=now, now=now, target=f"{source.value}:{ticket_id}"[:32],
            )  # fmt: skip
    rt.wake()
    return len(ids)


def snapshot_delivered(rt: Runtime, source: TicketSource, snapshot: TicketSnapshot) -> bool:
    """Schedule applying a whole snapshot; False when this version was delivered before."""
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        written = jobs.schedule(
            session,
            APPLY_SNAPSHOT,
            ApplySnapshot(source=source, snapshot=snapshot.model_dump(mode="json")),
            key=f"{source.value}:ticket:{snapshot.id}:{snapshot.updated_at.isoformat()}",
            due_at=now,
            now=now,
            target=f"{source.value}:{snapshot.id}"[:32],
        )
    rt.wake()
    return written


def install(rt: Runtime, clients: Mapping[TicketSource, HelpdeskClient]) -> None:
    rt.dispatcher.declare(READ_TICKET, partial(read_ticket, rt, clients))
    rt.dispatcher.declare(APPLY_SNAPSHOT, partial(apply_delivered, rt))


def read_ticket(
    rt: Runtime, clients: Mapping[TicketSource, HelpdeskClient], job: Job[ReadTicket]
) -> Outcome:
    client = clients.get(job.payload.source)
    if client is None:  # the help desk was switched off since the webhook arrived
        return Outcome.obsolete
    snapshot = client.read_ticket(job.payload.ticket_id)
    apply_snapshot(rt, job.payload.source, snapshot)
    return Outcome.sent


def apply_delivered(rt: Runtime, job: Job[ApplySnapshot]) -> Outcome:
    snapshot = TicketSnapshot.model_validate(job.payload.snapshot)
    apply_snapshot(rt, job.payload.source, snapshot)
    return Outcome.sent
