"""The SLA's reminder handlers: warnings, breach, hand-over notice, escalation, digest.

Each handler re-reads the ticket first and reports ``Outcome.obsolete`` when its reason
is gone (answered, handed over, incident reopened), so a stale reminder is never sent.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import jobs
from bot.dispatcher import ReminderDispatcher
from bot.errors import NotFound
from bot.jobs import Job, NoPayload, Outcome
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Incident, Report
from bot.rendering import Mrkdwn
from bot.runtime import Runtime
from bot.services import incident_titles
from bot.services.sla import tickets
from bot.services.sla.delivery import (
    Outgoing,
    dm_or_escalate,
    escalation_contact,
    escalation_recipients,
)
from bot.services.sla.schedule import (
    KINDS,
    HandoverPayload,
    Kind,
    UndeliverablePayload,
    WarningPayload,
    refresh_home,
    schedule_message,
)
from bot.services.sla.tickets import Ticket
from bot.sla_policy import SlaPolicy
from bot.slack.blocks import bullet_list
from bot.slack.sla_blocks import digest_blocks, message_section, ticket_message_blocks


class SlaNotices:
    """Job handlers bound to one runtime and its parsed SLA policies."""

    def __init__(self, rt: Runtime, policies: dict[str, SlaPolicy]) -> None:
        self.rt = rt
        self.policies = policies

    def register(self, dispatcher: ReminderDispatcher) -> None:
        dispatcher.declare(KINDS[Kind.warning], self.warning)
        dispatcher.declare(KINDS[Kind.breach], self.breach)
        dispatcher.declare(KINDS[Kind.breach_owner], self.breach_owner)
        dispatcher.declare(KINDS[Kind.breach_escalation], self.breach_escalation)
        dispatcher.declare(KINDS[Kind.undeliverable], self.undeliverable)
        dispatcher.declare(KINDS[Kind.handover_notice], self.handover_notice)
        dispatcher.declare(KINDS[Kind.resolution_digest], self.resolution_digest)

    # --- helpers ---------------------------------------------------------------------

    def _ticket(self, report_id: int | None) -> Ticket | None:
        if report_id is None:
            return None
        with self.rt.sessions() as session:
            try:
                return tickets.load(session, report_id)
            except NotFound:
                return None

    def _context(self, ticket: Ticket) -> dict[str, object]:
        policy = self.policies.get(ticket.policy or "")
        now = self.rt.clock.now()
        return {
            "ticket": ticket,
            "policy": policy.description if policy else ticket.policy,
            "time_left": ticket.time_left(now),
            "late": now - ticket.due if ticket.due else None,
            "overdue": ticket.due is not None
            and (ticket.breached_at is not None or ticket.due <= now),
        }

    def _render(self, name: str, **context: object) -> str:
        return self.rt.renderer.render(name, **context)

    # --- before the deadline -----------------------------------------------------------

    def warning(self, reminder: Job[WarningPayload]) -> Outcome:
        ticket = self._ticket(reminder.report_id)
        now = self.rt.clock.now()
        if (
            ticket is None
            or ticket.responded_at is not None
            or ticket.breached_at is not None
            or ticket.owner != reminder.target
            or ticket.due is None
            or ticket.due <= now
        ):
            return Outcome.obsolete
        text = self._render("sla/warning.j2", **self._context(ticket))
        message = Outgoing(text, ticket_message_blocks(text, ticket))
        dm_or_escalate(
            self.rt, reminder, user_id=ticket.owner, message=message, tier=ticket.escalation_tier
        )
        return Outcome.sent

    def handover_notice(self, reminder: Job[HandoverPayload]) -> Outcome:
        ticket = self._ticket(reminder.report_id)
        if ticket is None or ticket.responded_at is not None or ticket.owner != reminder.target:
            return Outcome.obsolete
        text = self._render(
            "sla/handover_notice.j2",
            **self._context(ticket),
            actor=reminder.payload.actor,
            previous_owner=reminder.payload.previous_owner,
            note=reminder.payload.note,
        )
        message = Outgoing(text, ticket_message_blocks(text, ticket))
        dm_or_escalate(
            self.rt, reminder, user_id=ticket.owner, message=message, tier=ticket.escalation_tier
        )
        return Outcome.sent

    # --- at the deadline -----------------------------------------------------------------

    def breach(self, reminder: Job[NoPayload]) -> Outcome:
        """Mark the ticket breached (once), then tell its owner and the escalation contact.

        Both messages are rows of their own, so a retry of one never repeats the other;
        running this again (after a failed group lookup) schedules nothing twice.
        """
        rt = self.rt
        now = rt.clock.now()
        with rt.sessions.begin() as session:
            report = session.scalars(
                select(Report).where(Report.id == reminder.report_id).with_for_update()
            ).one_or_none()
            if report is None or report.responded_at is not None:
                return Outcome.obsolete
            if report.breached_at is None:
                report.breached_at = report.first_response_due_at or now
                event = LifecycleEvent(
                    Lifecycle.report_breached, report.incident, now, report=report
                )
                rt.hooks.emit(session, event)
                refresh_home(
                    session,
                    [report.owner_user_id],
                    now=now,
                    delay=rt.settings.sla_home_refresh_delay,
                )
            schedule_message(
                session,
                Kind.breach_owner,
                key=f"{report.id}:{report.owner_user_id}",
                target=report.owner_user_id,
                now=now,
                incident_id=report.incident_id,
                report_id=report.id,
            )
            tier = report.sla_policy or report.tier
            report_id, incident_id = report.id, report.incident_id
        recipients = escalation_recipients(rt, tier)
        if recipients:
            with rt.sessions.begin() as session:
                jobs.fan_out(
                    session, KINDS[Kind.breach_escalation], recipients, key=str(report_id),
                    now=now, incident_id=incident_id, report_id=report_id,
                )  # fmt: skip
        return Outcome.sent

    def breach_owner(self, reminder: Job[NoPayload]) -> Outcome:
        ticket = self._ticket(reminder.report_id)
        if ticket is None or ticket.responded_at is not None or ticket.owner != reminder.target:
            return Outcome.obsolete
        contact = escalation_contact(self.rt, ticket.escalation_tier)
        text = self._render("sla/breach_owner.j2", **self._context(ticket), escalation=contact)
        message = Outgoing(text, ticket_message_blocks(text, ticket))
        dm_or_escalate(
            self.rt, reminder, user_id=ticket.owner, message=message, tier=ticket.escalation_tier
        )
        return Outcome.sent

    def breach_escalation(self, reminder: Job[NoPayload]) -> Outcome:
        ticket = self._ticket(reminder.report_id)
        if ticket is None or ticket.responded_at is not None or reminder.target is None:
            return Outcome.obsolete
        text = self._render("sla/breach_escalation.j2", **self._context(ticket))
        blocks = ticket_message_blocks(text, ticket, respond=False)
        self.rt.notifier.dm(reminder.target, text, blocks)
        return Outcome.sent

    def undeliverable(self, reminder: Job[UndeliverablePayload]) -> Outcome:
        """A message its addressee cannot get, with the reason, for the escalation contact."""
        payload = reminder.payload
        ticket = self._ticket(reminder.report_id)
        about_ticket = payload.source != Kind.resolution_digest
        if reminder.target is None or (
            about_ticket and (ticket is None or ticket.responded_at is not None)
        ):
            return Outcome.obsolete
        original = payload.text
        quoted = Mrkdwn("\n".join(f"> {line}" for line in original.splitlines()))
        buttons = about_ticket and ticket is not None
        text = self._render(
            "sla/undeliverable.j2",
            user=payload.user,
            reason=payload.reason,
            quoted=quoted,
            ticket_buttons=buttons,
        )
        if buttons and ticket is not None:
            blocks = ticket_message_blocks(text, ticket, respond=False)
        else:
            blocks = [message_section(text)]
        self.rt.notifier.dm(reminder.target, text, blocks)
        return Outcome.sent

    # --- after resolution ----------------------------------------------------------------

    def resolution_digest(self, reminder: Job[NoPayload]) -> Outcome:
        """One DM per owner: their customers to tell and the resolution message to copy."""
        owner = reminder.target
        with self.rt.sessions() as session:
            incident = session.get(Incident, reminder.incident_id or 0)
            if incident is None or incident.is_open or owner is None:
                return Outcome.obsolete
            rows = session.execute(
                select(Report, Incident)
                .join(Incident, Report.incident_id == Incident.id)
                .where(
                    Report.incident_id == incident.id,
                    Report.owner_user_id == owner,
                    Report.customer_notified_at.is_(None),
                    # Customers a help desk is telling are listed as told automatically.
                    Report.customer_notified_via.is_(None),
                )
                .order_by(Report.customer_name, Report.id)
            ).all()
            told = _told_automatically(session, incident, owner)
            to_tell = [tickets.to_ticket(report, inc) for report, inc in rows]
            # People are told, not tickets: two tickets of one customer are one message.
            customer_count = len({report.customer_key for report, _ in rows})
            context = {
                "incident": {
                    "id": incident.id,
                    "title": incident.title,
                    "public_title": incident_titles.customer_title(self.rt.renderer, incident),
                    "channel_id": incident.channel_id,
                    "resolution_note": incident.resolution_note,
                    "customer_message": incident_titles.customer_resolution(session, incident.id),
                    "resolved_at": incident.resolved_at,
                }
            }
        if not to_tell and not told:
            return Outcome.obsolete
        if told:
            auto = self._render(
                "sla/told_automatically.j2",
                incident=context["incident"],
                told=told[:TOLD_SHOWN],
                more=max(0, len(told) - TOLD_SHOWN),
            )
            if not to_tell:
                dm_or_escalate(
                    self.rt, reminder, user_id=owner,
                    message=Outgoing(auto, [message_section(auto)]), tier=None,
                )  # fmt: skip
                return Outcome.sent
        customers = [self._render("sla/digest_customer.j2", ticket=t) for t in to_tell]
        intro = self._render(
            "sla/resolution_digest.j2",
            **context,
            count=customer_count,
            ticket_count=len(to_tell),
        )
        if told:
            personal = self._render(
                "sla/personal_touch.j2",
                vips=sum(1 for t in to_tell if t.vip),
                breached=sum(1 for t in to_tell if t.breached_at is not None),
            )
            intro = f"{intro}\n{auto}\n{personal}"
        copy = self._render("sla/customer_message.j2", **context)
        text = f"{intro}\n{bullet_list(customers, limit=2000)}\n\n{copy}"
        blocks = digest_blocks(intro, customers, copy, incident.id)
        tier = next((t.escalation_tier for t in to_tell if t.escalation_tier), None)
        dm_or_escalate(self.rt, reminder, user_id=owner, message=Outgoing(text, blocks), tier=tier)
        return Outcome.sent


# Customers named one by one in the follow-up DM; the rest are counted.
TOLD_SHOWN = 20


def _told_automatically(session: Session, incident: Incident, owner: str) -> list[dict[str, str]]:
    """The owner's customers told of this resolution by the help desk's public reply."""
    rows = session.execute(
        select(Report.customer_name, Report.customer_notified_via)
        .where(
            Report.incident_id == incident.id,
            Report.owner_user_id == owner,
            Report.customer_notified_via.is_not(None),
            # Told by this resolution's reply, or about to be (its job is on its way).
            Report.customer_notified_at.is_(None)
            | (Report.customer_notified_at >= (incident.resolved_at or incident.opened_at)),
        )
        .order_by(Report.customer_name)
        .distinct()
    ).all()
    return [{"customer": name, "via": str(via).capitalize()} for name, via in rows]
