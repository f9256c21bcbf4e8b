"""``/liaison followups`` (the incident's follow-up board) and the menu on each customer."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond

from bot.errors import LiaisonError
from bot.ids import FollowupIds
from bot.runtime import Runtime
from bot.services import incidents
from bot.services.followup import board as followups
from bot.services.followup.draft import draft_prelim
from bot.services.followup.present import board_message
from bot.services.sla.home import publish_home
from bot.slack.client import SlackDeliveryError
from bot.slack.followup_blocks import (
    BoardMenu,
    NotNeededMetadata,
    not_needed_modal,
    parse_board_value,
)
from bot.slack.payloads import BlockAction, MalformedPayload, parse_view_submission
from handlers.boundary import read_press, tell
from handlers.commands import CommandCall, CommandRouter

log = logging.getLogger(__name__)


def handle_followups_command(call: CommandCall) -> None:
    incident = incidents.for_channel(call.rt, call.channel_id)
    message = board_message(call.rt, incident.id)
    call.reply(message.text, message.blocks)


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    commands.add(
        "followups",
        handle_followups_command,
        usage="followups",
        summary="Show the incident's follow-up board: customers to tell after resolution.",
    )

    def handle_board_menu(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        press = read_press(rt, body, respond)
        if press is None:
            return
        parsed = parse_board_value((action.get("selected_option") or {}).get("value", ""))
        if parsed is None:
            tell(respond, ":warning: That menu choice is not one Liaison knows.")
            return
        choice, followup_id = parsed
        user = press.user.id
        # Domain errors (already told, gone) are answered by handlers/errors.py.
        if choice is BoardMenu.told:
            line = followups.mark_told_by_id(rt, followup_id, by=user, how="board")
            what = "told"
        elif choice is BoardMenu.again:
            line = followups.mark_further_reply_by_id(rt, followup_id, at=rt.clock.now())
            what = "again"
        else:
            line = followups.record_reaction(rt, followup_id, reaction=choice, by=user)
            what = "reaction"
        notice = rt.renderer.render("followup/marked.j2", what=what, line=line)
        message = board_message(rt, followups.incident_of(rt, followup_id), notice=notice)
        respond(text=message.text, blocks=message.blocks, replace_original=True)

    def handle_home_menu(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """*Mark told* on the App Home: the outcome is a notice on the republished Home."""
        ack()
        user = (body.get("user") or {}).get("id")
        parsed = parse_board_value((action.get("selected_option") or {}).get("value", ""))
        if not user or parsed is None or parsed[0] is not BoardMenu.told:
            return
        try:
            line = followups.mark_told_by_id(rt, parsed[1], by=user, how="home")
            notice = rt.renderer.render("followup/marked.j2", what="told", line=line)
        except LiaisonError as exc:  # why nothing changed; other failures: handlers/errors.py
            notice = f":warning: {exc.message}"
        try:
            publish_home(rt, user, notice=notice)
        except SlackDeliveryError as exc:
            log.warning("Could not publish the App Home of %s: %s", user, exc.error)

    app.action(FollowupIds.board_menu)(handle_board_menu)
    app.action(FollowupIds.home_menu)(handle_home_menu)
    register_not_needed(app, rt)


def register_not_needed(app: App, rt: Runtime) -> None:
    """The *Not needed* button on a line of the board (in a channel or the liaison's DM) or
    the Home: a modal asks why; *Back to to tell* undoes it. The outcome shows where it
    started."""

    def handle_not_needed(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        press = read_press(rt, body, respond)
        if press is None or not press.actions[0].value.isdigit():
            return
        line = followups.check_can_skip(rt, int(press.actions[0].value))
        metadata = _origin(press, body, line.id)
        incident_id = followups.incident_of(rt, line.id)
        text = rt.renderer.render("followup/not_needed_ask.j2", line=line, incident_id=incident_id)
        rt.notifier.open_view(press.trigger_id, not_needed_modal(text, metadata))

    def handle_not_needed_submission(ack: Ack, body: dict[str, Any]) -> None:
        """Checked while Slack waits: a missing or too long reason, or a customer told in
        the meantime, is shown on the field and the modal stays open."""
        block = FollowupIds.reason_block
        try:
            payload = parse_view_submission(body)
            metadata = NotNeededMetadata.model_validate_json(payload.view.private_metadata)
        except (MalformedPayload, ValidationError):
            ack(
                response_action="errors",
                errors={block: "This form is out of date; close it and press Not needed again."},
            )
            return
        answer = payload.view.state.values.get(block, {}).get(FollowupIds.reason_input, {})
        try:
            reason = followups.check_reason(answer.get("value"))
            line = followups.mark_not_needed(
                rt, metadata.followup_id, by=payload.user.id, reason=reason
            )
        except LiaisonError as exc:
            ack(response_action="errors", errors={block: exc.message})
            return
        ack()
        notice = rt.renderer.render("followup/marked.j2", what="not_needed", line=line)
        show_outcome(rt, payload.user.id, metadata, notice, undo=line.id)

    def handle_undo(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        press = read_press(rt, body, respond)
        if press is None or not press.actions[0].value.isdigit():
            return
        line = followups.undo_not_needed(rt, int(press.actions[0].value))
        notice = rt.renderer.render("followup/marked.j2", what="undone", line=line)
        show_outcome(rt, press.user.id, _origin(press, body, line.id), notice)

    app.action(FollowupIds.not_needed)(handle_not_needed)
    app.action(FollowupIds.undo_not_needed)(handle_undo)
    app.view(FollowupIds.not_needed_modal)(handle_not_needed_submission)


def _origin(press: BlockAction, body: dict[str, Any], followup_id: int) -> NotNeededMetadata:
    """Where a press came from: the Home (a view), or a board message and its response URL."""
    if press.container.type == "view":
        return NotNeededMetadata(followup_id=followup_id, surface="home")
    return NotNeededMetadata(followup_id=followup_id, response_url=body.get("response_url"))


def show_outcome(
    rt: Runtime, user: str, where: NotNeededMetadata, notice: str, *, undo: int | None = None
) -> None:
    """The board again, with the notice, where the button was pressed (the Home, or the
    message whose response URL the press carried); a DM when neither can be reached."""
    try:
        if where.surface == "home":
            publish_home(rt, user, notice=notice, undo=undo)
            return
        if where.response_url:
            message = board_message(rt, followups.incident_of(rt, where.followup_id), notice=notice)
            Respond(response_url=where.response_url)(
                text=message.text, blocks=message.blocks, replace_original=True
            )
            return
        rt.notifier.dm(user, notice)
    except SlackDeliveryError as exc:
        log.warning("Follow-up recorded, but showing it to %s failed: %s", user, exc.error)


def handle_prelim_draft(call: CommandCall) -> None:
    """``/liaison prelim draft``: the drafted report, uploaded to the incident channel."""
    rt = call.rt
    incident = incidents.for_channel(rt, call.channel_id)
    facts, markdown = draft_prelim(rt, incident.id)
    comment = rt.renderer.render("followup/prelim_drafted.j2", incident_id=facts.incident_id)
    rt.notifier.upload(
        call.channel_id,
        filename=f"incident-{facts.incident_id}-preliminary-report.md",
        content=markdown.encode("utf-8"),
        title=f"Preliminary report draft: incident #{facts.incident_id}",
        initial_comment=comment,
    )
