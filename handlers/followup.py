"""``/liaison followups`` (the incident's follow-up board) and the menu on each customer."""

from __future__ import annotations

import logging
from typing import Any

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
from bot.slack.followup_blocks import BoardMenu, parse_board_value
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
