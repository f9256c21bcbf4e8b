"""Ticket SLAs from Slack: ``/liaison sla [all]``, the buttons on SLA DMs, the hand-over modal.

Buttons ack at once; the work follows. A press that changes nothing (wrong person, second
press, ticket already answered) gets a private answer saying why.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond

from bot.errors import InvalidInput
from bot.ids import SlaActions, SlaIds
from bot.runtime import Runtime
from bot.services import incidents
from bot.services.sla import actions as sla_actions
from bot.services.sla import tickets
from bot.services.sla.home import publish_home
from bot.slack.blocks import bullet_list
from bot.slack.client import SlackDeliveryError
from bot.slack.payloads import MalformedPayload, parse_view_submission, read_picked_user
from bot.slack.sla_blocks import (
    HandoverMetadata,
    handover_modal,
    message_section,
    queue_blocks,
    settled_blocks,
)
from handlers.boundary import read_press
from handlers.commands import CommandCall, CommandRouter

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    commands.add(
        "sla",
        handle_sla_command,
        usage="sla [all]",
        summary="Your tickets waiting for a first response, least time left first "
        "(`all`: every ticket of this channel's incident).",
    )

    def ephemeral(respond: Respond, text: str) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)

    def settle(body: dict[str, Any], respond: Respond, note: str) -> None:
        """Replace the pressed message's buttons with what happened (else say it privately)."""
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get(
            "channel_id"
        )
        message = body.get("message") or {}
        blocks = message.get("blocks") or [message_section(message.get("text") or " ")]
        if not channel or not message.get("ts"):
            ephemeral(respond, note)
            return
        try:
            rt.notifier.update(
                channel, message["ts"], message.get("text") or note, settled_blocks(blocks, note)
            )
        except SlackDeliveryError as exc:
            log.warning("Could not update the SLA message in %s: %s", channel, exc.error)
            ephemeral(respond, note)

    def pressed_row(body: dict[str, Any], respond: Respond) -> tuple[int, str] | None:
        """The row a button names and who pressed it; None when there is nothing to do
        (a damaged press is answered privately, a redelivered one dropped)."""
        press = read_press(rt, body, respond)
        if press is None:
            return None
        try:
            return press.row_id(), press.user.id
        except MalformedPayload as exc:
            ephemeral(respond, f":warning: {exc.message}")
            return None

    def handle_mark_responded(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        pressed = pressed_row(body, respond)
        if pressed is None:
            return
        report_id, actor = pressed
        ticket = sla_actions.mark_responded(rt, report_id=report_id, actor=actor)
        now = rt.clock.now()
        settle(
            body,
            respond,
            rt.renderer.render("sla/responded.j2", ticket=ticket, actor=actor, now=now),
        )

    def handle_open_ticket(ack: Ack) -> None:
        """A URL button: Slack opens the link; the press still has to be acknowledged."""
        ack()

    def handle_hand_over(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        pressed = pressed_row(body, respond)
        if pressed is None:
            return
        report_id, actor = pressed
        ticket = sla_actions.check_can_hand_over(rt, report_id=report_id, actor=actor)
        metadata = HandoverMetadata(
            report_id=ticket.id,
            channel=(body.get("channel") or {}).get("id"),
            message_ts=(body.get("message") or {}).get("ts"),
        )
        rt.notifier.open_view(body.get("trigger_id", ""), handover_view(rt, ticket, metadata))

    def handle_customers_told(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        pressed = pressed_row(body, respond)
        if pressed is None:
            return
        incident_id, actor = pressed
        told = sla_actions.mark_customers_told(rt, incident_id=incident_id, actor=actor)
        note = rt.renderer.render(
            "sla/customers_told.j2",
            count=told.count,
            incident_id=told.incident_id,
            now=rt.clock.now(),
        )
        settle(body, respond, note)

    def handle_handover_submission(ack: Ack, body: dict[str, Any]) -> None:
        """Validated while Slack waits; the same form delivered again finds the ticket
        already handed over (the domain's state check), so it is handed over once."""
        try:
            payload = parse_view_submission(body)
            picked = read_picked_user(
                payload.values,
                (SlaIds.handover_user_block, SlaIds.handover_user_input),
                (SlaIds.handover_note_block, SlaIds.handover_note_input),
            )
        except MalformedPayload as exc:
            ack(response_action="errors", errors={SlaIds.handover_user_block: exc.message})
            return
        actor, new_owner, note = payload.user.id, picked.user, picked.note
        try:
            metadata = HandoverMetadata.model_validate_json(payload.view.private_metadata)
        except ValidationError:
            ack(
                response_action="errors",
                errors={
                    SlaIds.handover_user_block: "This form is "
                    "out of date; close it and press Hand over again."
                },
            )
            return
        problem = new_owner_problem(rt, new_owner)
        if problem:
            ack(response_action="errors", errors={SlaIds.handover_user_block: problem})
            return
        handed = sla_actions.hand_over(
            rt, report_id=metadata.report_id, actor=actor, new_owner=new_owner, note=note
        )  # refused: inline on the field it names (handlers/errors.py)
        ack()
        note_text = rt.renderer.render(
            "sla/handed_over.j2",
            ticket=handed.ticket,
            actor=actor,
            new_owner=new_owner,
            now=rt.clock.now(),
        )
        after_hand_over(rt, actor, metadata, note_text)

    app.action(SlaActions.mark_responded)(handle_mark_responded)
    app.action(SlaActions.open_ticket)(handle_open_ticket)
    app.action(SlaActions.hand_over)(handle_hand_over)
    app.action(SlaActions.customers_told)(handle_customers_told)
    app.view(SlaIds.handover_modal)(handle_handover_submission)


def handover_view(
    rt: Runtime, ticket: tickets.Ticket, metadata: HandoverMetadata
) -> dict[str, Any]:
    return handover_modal(tickets.ticket_line(rt, ticket, show_owner=True), metadata)


def new_owner_problem(rt: Runtime, user_id: str | None) -> str | None:
    """Why this person cannot take the ticket (no one picked, deactivated, a bot)."""
    if not user_id:
        return "Pick the colleague who takes the ticket over."
    try:
        user = rt.notifier.user(user_id)
    except SlackDeliveryError as exc:
        if exc.permanent:
            return "Slack does not know this person; pick someone else."
        return None  # Slack is slow: the hand-over notice will still check before sending
    if user.deleted:
        return f"{user.name}'s account is deactivated; pick someone else."
    if user.is_bot:
        return f"{user.name} is a bot; pick a person."
    return None


def after_hand_over(rt: Runtime, actor: str, metadata: HandoverMetadata, note: str) -> None:
    """Show the outcome where the hand-over started: the DM it came from, or the Home."""
    try:
        if metadata.from_home:
            publish_home(rt, actor, notice=note)
        elif metadata.channel and metadata.message_ts:
            rt.notifier.update(metadata.channel, metadata.message_ts, note, [message_section(note)])
        else:
            rt.notifier.dm(actor, note)
    except SlackDeliveryError as exc:
        log.warning("Hand-over done, but showing it to %s failed: %s", actor, exc.error)


def handle_sla_command(call: CommandCall) -> None:
    args = call.args.strip().lower()
    rt = call.rt
    if args not in ("", "all", "mine"):
        raise InvalidInput(f"`{call.args}` is not something `sla` understands.")
    incident = incidents.for_channel(rt, call.channel_id) if args == "all" else None
    found = tickets.queue(
        rt,
        at_risk_within=tickets.at_risk_within(rt),
        owner=None if incident else call.user_id,
        incident_id=incident.id if incident else None,
    )
    lines = [tickets.ticket_line(rt, t, show_owner=incident is not None) for t in found.tickets]
    header = rt.renderer.render(
        "sla/queue.j2",
        incident=incident,
        total=found.total,
        breached=found.breached,
        at_risk=found.at_risk,
    )
    footer = rt.renderer.render("sla/queue_footer.j2", incident=incident)
    call.reply(f"{header}\n{bullet_list(lines)}", queue_blocks(header, lines, footer))
