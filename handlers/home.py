"""The App Home tab: published when a person opens it, and the menu on each ticket.

A Home has no response_url for private answers, so the outcome of a menu choice (or why
nothing changed) is shown as a notice at the top of the republished Home.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.errors import LiaisonError
from bot.ids import HomeIds
from bot.runtime import Runtime
from bot.services.sla import actions as sla_actions
from bot.services.sla.home import publish_home
from bot.slack.client import SlackDeliveryError
from bot.slack.home_blocks import TicketMenu, parse_menu_value
from bot.slack.sla_blocks import HandoverMetadata
from handlers.commands import CommandRouter
from handlers.sla import handover_view

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    def handle_app_home_opened(event: dict[str, Any]) -> None:
        """Every opening shows fresh data (Slack sends this for the Messages tab too)."""
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        try:
            publish_home(rt, event["user"])
        except SlackDeliveryError as exc:
            log.warning("Could not publish the App Home of %s: %s", event["user"], exc.error)

    def handle_ticket_menu(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user = body["user"]["id"]
        parsed = parse_menu_value((action.get("selected_option") or {}).get("value", ""))
        if parsed is None:
            return
        choice, report_id = parsed
        if choice is TicketMenu.open:
            return  # Slack opened the ticket's URL
        notice = None
        try:
            if choice is TicketMenu.respond:
                ticket = sla_actions.mark_responded(rt, report_id=report_id, actor=user)
                notice = rt.renderer.render(
                    "sla/responded.j2", ticket=ticket, actor=user, now=rt.clock.now()
                )
            else:
                ticket = sla_actions.check_can_hand_over(rt, report_id=report_id, actor=user)
                metadata = HandoverMetadata(report_id=ticket.id, from_home=True)
                rt.notifier.open_view(body["trigger_id"], handover_view(rt, ticket, metadata))
                return
        except LiaisonError as exc:  # why nothing changed; other failures: handlers/errors.py
            notice = f":warning: {exc.message}"
        try:
            publish_home(rt, user, notice=notice)
        except SlackDeliveryError as exc:
            log.warning("Could not publish the App Home of %s: %s", user, exc.error)

    app.event("app_home_opened")(handle_app_home_opened)
    app.action(HomeIds.ticket_menu)(handle_ticket_menu)
