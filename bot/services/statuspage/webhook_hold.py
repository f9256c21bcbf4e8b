"""Holding a webhook subscriber whose address has come to point inside the network.

Subscribing refuses internal addresses, but a public name can later resolve to 10.x or
169.254.169.254 (a changed DNS record, a rebinding attack). Each delivery checks again
and, rather than post inside the network, holds the subscriber: its row says since when
and why, ``/liaison statuspage subscribers`` shows it, and whoever subscribed it is told
once by DM (a durable job written with the hold, so the DM is neither lost nor repeated).
The next delivery that finds the address public again goes out and lifts the hold.
"""

from __future__ import annotations

from sqlalchemy import select, update

from bot import jobs
from bot.jobs import Job, JobKind, Outcome, Payload
from bot.models import PageSubscriber
from bot.runtime import Runtime


class HeldPayload(Payload):
    url: str
    reason: str


NOTICE: JobKind[HeldPayload] = JobKind("statuspage.webhook_held", HeldPayload)


def install(rt: Runtime) -> None:
    rt.dispatcher.declare(NOTICE, lambda job: send_notice(rt, job))


def hold(rt: Runtime, subscriber_id: int, *, addresses: list[str]) -> None:
    """Hold the subscriber (if not held already) and tell whoever subscribed it."""
    now = rt.clock.now()
    reason = f"it now resolves to {', '.join(addresses)}"[:300]
    with rt.sessions.begin() as session:
        held = session.execute(
            update(PageSubscriber)
            .where(PageSubscriber.id == subscriber_id, PageSubscriber.held_since.is_(None))
            .values(held_since=now, held_reason=reason)
            .returning(PageSubscriber.url, PageSubscriber.created_by)
        ).first()
        if held is None or not held.created_by:
            return
        jobs.schedule(
            session,
            NOTICE,
            HeldPayload(url=held.url, reason=reason),
            key=f"{subscriber_id}:{now.isoformat()}",
            due_at=now,
            now=now,
            target=held.created_by,
        )


def lift(rt: Runtime, subscriber_id: int) -> None:
    """Deliveries go out again: the hold, if any, is over."""
    with rt.sessions.begin() as session:
        session.execute(
            update(PageSubscriber)
            .where(PageSubscriber.id == subscriber_id, PageSubscriber.held_since.is_not(None))
            .values(held_since=None, held_reason=None)
        )


def send_notice(rt: Runtime, job: Job[HeldPayload]) -> Outcome:
    """DM the subscriber's creator, unless the hold was lifted or the subscriber removed."""
    with rt.sessions() as session:
        still_held = session.scalar(
            select(PageSubscriber.id).where(
                PageSubscriber.url == job.payload.url, PageSubscriber.held_since.is_not(None)
            )
        )
    if still_held is None or not job.target:
        return Outcome.obsolete
    text = rt.renderer.render(
        "statuspage/webhook_held.j2", url=job.payload.url, reason=job.payload.reason
    )
    rt.notifier.dm(job.target, text)
    return Outcome.sent
