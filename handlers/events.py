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
        channel = event.get("channel")
        if not isinstance(channel, dict):
            return
        opened = incidents.open_from_channel(
            rt,
            channel_id=str(channel.get("id") or ""),
            channel_name=str(channel.get("name") or ""),
            creator=str(channel.get("creator") or "") or None,
            event_id=str(body.get("event_id") or "") or None,
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

    def handle_channel_rename(event: dict[str, Any]) -> None:
        """An incident channel renamed: its incident shows the new name (bounded, like
        every name Slack sends; the same event twice writes the same value)."""
        channel = event.get("channel")
        if not isinstance(channel, dict):
            return
        incidents.rename_channel(
            rt, channel_id=str(channel.get("id") or ""), channel_name=str(channel.get("name") or "")
        )

    app.event("channel_created")(handle_channel_created)
    app.event("channel_rename")(handle_channel_rename)
