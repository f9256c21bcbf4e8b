"""Customer Liaison surfaces: ``/liaison who|assign``, Accept / Hand off, the hand-off modal."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ValidationError
from slack_bolt import Ack, App, Respond

from bot.errors import FieldErrors, InvalidInput, LiaisonError
from bot.ids import LiaisonIds
from bot.inbound import RowId
from bot.rendering import Mrkdwn
from bot.runtime import Runtime
from bot.services import incidents
from bot.services.liaison import actions
from bot.slack.client import SlackDeliveryError
from bot.slack.liaison_blocks import hand_off_modal
from bot.slack.mentions import parse_user_mention
from bot.slack.payloads import MalformedPayload, parse_view_submission, read_picked_user
from handlers.boundary import read_press, tell
from handlers.commands import CommandCall, CommandRouter

log = logging.getLogger(__name__)

# Service field names -> the modal's block ids, for inline errors.
_HAND_OFF_FIELDS = {"user": LiaisonIds.hand_off_user_block, "note": LiaisonIds.hand_off_note_block}


class HandOffMetadata(BaseModel):
    """What the hand-off modal carries between opening and submission."""

    assignment_id: RowId


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    commands.add(
        "who",
        handle_who,
        usage="who",
        summary="Show this incident's Customer Liaison and who held the role before.",
    )
    commands.add(
        "assign",
        handle_assign,
        usage="assign @user",
        summary="Name the Customer Liaison by hand (replaces the current one).",
    )

    def accept_clicked(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        handle_accept(rt, body, respond)

    def hand_off_clicked(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        handle_hand_off_button(rt, body, respond)

    def hand_off_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        handle_hand_off_submission(rt, ack, body, view)

    app.action(LiaisonIds.accept.value)(accept_clicked)
    app.action(LiaisonIds.hand_off.value)(hand_off_clicked)
    app.view(LiaisonIds.hand_off_modal.value)(hand_off_submitted)


def handle_who(call: CommandCall) -> None:
    incident = incidents.for_channel(call.rt, call.channel_id)
    who = actions.who(call.rt, incident.id)
    call.reply(
        call.rt.renderer.render(
            "liaison/who.j2",
            incident={"id": incident.id},
            current=who.current,
            history=who.history,
            hidden=who.hidden,
        )
    )


def handle_assign(call: CommandCall) -> None:
    if not call.args:
        raise InvalidInput("Tell me who: mention them with @.")
    user_id = parse_user_mention(call.args.split()[0])
    if user_id is None:
        raise InvalidInput(
            f"I could not read a person from `{call.args.split()[0]}`. Mention them by picking "
            "their name from Slack's @ autocomplete."
        )
    incident = incidents.for_channel(call.rt, call.channel_id)
    assigned = actions.assign_manually(
        call.rt, incident_id=incident.id, user_id=user_id, actor=call.user_id
    )
    call.reply(
        call.rt.renderer.render(
            "liaison/assigned_reply.j2",
            liaison=assigned.user_id,
            replaced=assigned.previous,
            incident={"id": incident.id},
        )
    )


def _pressed_assignment(
    rt: Runtime, body: dict[str, Any], respond: Respond
) -> tuple[int, str] | None:
    """The assignment a button names and who pressed it; None when there is nothing to do
    (a damaged press is answered privately, a redelivered one dropped)."""
    press = read_press(rt, body, respond)
    if press is None:
        return None
    try:
        return press.row_id(), press.user.id
    except MalformedPayload as exc:
        tell(respond, f":warning: {exc.message}")
        return None


def handle_accept(rt: Runtime, body: dict[str, Any], respond: Respond) -> None:
    """Accept the role; a refusal (someone else's role, too late) is told by handlers/errors.py."""
    pressed = _pressed_assignment(rt, body, respond)
    if pressed is None:
        return
    assignment_id, user_id = pressed
    accepted = actions.accept(rt, assignment_id=assignment_id, user_id=user_id)
    channel, ts = _clicked_message(body)
    if not channel or not ts or ts == accepted.assignment.announcement_ts:
        return  # the announcement itself was clicked: the service already updated it
    try:
        rendered = actions.checklist_message(rt, assignment_id)
        rt.notifier.update(channel, ts, rendered.text, rendered.blocks)
    except (LiaisonError, SlackDeliveryError) as exc:
        log.warning("Could not refresh the checklist after accept: %s", exc)


def _clicked_message(body: dict[str, Any]) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return channel, ts


def handle_hand_off_button(rt: Runtime, body: dict[str, Any], respond: Respond) -> None:
    pressed = _pressed_assignment(rt, body, respond)
    if pressed is None:
        return
    assignment_id, user_id = pressed
    view = actions.prepare_hand_off(rt, assignment_id=assignment_id, user_id=user_id)
    intro = rt.renderer.render(
        "liaison/hand_off_intro.j2",
        incident={"id": view.incident_id, "title": view.incident_title},
    )
    metadata = HandOffMetadata(assignment_id=view.id).model_dump_json()
    rt.notifier.open_view(body.get("trigger_id", ""), hand_off_modal(intro, metadata))


def handle_hand_off_submission(
    rt: Runtime, ack: Ack, body: dict[str, Any], view: dict[str, Any]
) -> None:
    """Validate while Slack waits (errors show inline), then hand off after the ack.

    The same form delivered again finds the role already handed off: the domain's own
    state check answers it, so one hand-off happens.
    """
    try:
        payload = parse_view_submission(body)
        picked = read_picked_user(
            payload.values,
            (LiaisonIds.hand_off_user_block, LiaisonIds.hand_off_user_input),
            (LiaisonIds.hand_off_note_block, LiaisonIds.hand_off_note_input),
        )
    except MalformedPayload as exc:
        ack(response_action="errors", errors={LiaisonIds.hand_off_user_block: exc.message})
        return
    user_id, target, note = payload.user.id, picked.user or "", picked.note
    try:
        metadata = HandOffMetadata.model_validate_json(payload.view.private_metadata)
        request = actions.validate_hand_off(
            rt, assignment_id=metadata.assignment_id, from_user=user_id, to_user=target
        )
    except ValidationError:
        ack(
            response_action="errors",
            errors={LiaisonIds.hand_off_user_block: "This form expired; press Hand off again."},
        )
        return
    except FieldErrors as exc:
        errors = {_HAND_OFF_FIELDS.get(k, k): v for k, v in exc.errors.items()}
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        actions.hand_off(
            rt,
            assignment_id=metadata.assignment_id,
            from_user=user_id,
            to_user=target,
            note=note,
        )
    except LiaisonError as exc:  # changed meanwhile; other failures: handlers/errors.py
        text = rt.renderer.render(
            "liaison/hand_off_failed.j2",
            incident_id=request.incident_id,
            target=target,
            problem=Mrkdwn(exc.message),
        )
        try:
            rt.notifier.dm(user_id, text)
        except SlackDeliveryError as delivery:
            log.warning("Could not tell %s their hand-off failed: %s", user_id, delivery.error)
