"""Events API listeners. Slack redelivers events, so each handler is idempotent."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.runtime import Runtime
from bot.services import incidents
from bot.slack.client import SlackDeliveryError
from handlers.commands import CommandRouter

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    def handle_channel_created(body: dict[str, Any], event: dict[str, Any]) -> None:
        """A channel named like an incident channel opens an incident (once per event)."""
        channel = event.get("channel") or {}
        opened = incidents.open_from_channel(
            rt,
            channel_id=channel.get("id", ""),
            channel_name=channel.get("name", ""),
            creator=channel.get("creator"),
            event_id=body.get("event_id"),
        )
        if opened is None:
            return
        try:
            rt.notifier.post(
                opened.channel_id or "", rt.renderer.render("incidents/opened.j2", incident=opened)
            )
        except SlackDeliveryError as exc:
            log.warning(
                "Incident #%s opened but its channel refused the intro: %s", opened.id, exc.error
            )

    app.event("channel_created")(handle_channel_created)
