"""``/liaison maintenance``: schedule (or cancel) a maintenance window on the status page.

The window's start and end are durable jobs (bot/services/statuspage/maintenance.py), so
it moves to in progress and completed on its own.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App

from bot.errors import FieldErrors, InvalidInput
from bot.ids import CadenceIds
from bot.runtime import Runtime
from bot.services.statuspage import email_subscribers, maintenance, publishing, subscribers
from bot.services.statuspage.delivery import page_link
from bot.slack.cadence_blocks import STATUS_LABELS, UpdateModalMetadata, read_update_state
from bot.slack.client import SlackDeliveryError
from bot.slack.statuspage_blocks import (
    StatusPageIds,
    preview_text,
    read_status_page_state,
    with_preview,
)
from handlers.commands import CommandCall, CommandRouter

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    def handle_preview(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        show_preview(rt, body)

    # The button, and every answer the preview shows: it refreshes as the form changes.
    for action_id in (
        StatusPageIds.preview,
        StatusPageIds.publish_input,
        StatusPageIds.component_input,
        CadenceIds.status_input,
        CadenceIds.message_input,
    ):
        app.action(action_id)(handle_preview)
    commands.add(
        "maintenance",
        handle_maintenance_command,
        usage="maintenance <components|all> <start> <end> <title> [| message]",
        summary="Schedule a maintenance window on the status page (`cancel <id>` withdraws it).",
    )
    commands.add(
        "statuspage",
        handle_statuspage_command,
        usage="statuspage subscribe <url> [components] | unsubscribe <url> | subscribers",
        summary="Send every status page update to a webhook as signed JSON.",
    )


def handle_maintenance_command(call: CommandCall) -> None:
    rt = call.rt
    words = call.args.split()
    if len(words) == 2 and words[0].lower() == "cancel" and words[1].lstrip("#").isdigit():
        window = maintenance.cancel_window(
            rt, window_id=int(words[1].lstrip("#")), actor=call.user_id
        )
        call.reply(rt.renderer.render("statuspage/maintenance_cancel_done.j2", window=window))
        return
    window = maintenance.schedule_window(rt, args=call.args, actor=call.user_id)
    names = {c.key: c.name for c in publishing.components(rt)}
    call.reply(
        rt.renderer.render(
            "statuspage/maintenance_scheduled.j2",
            window=window,
            components=[names[k] for k in window.components],
            link=page_link(rt, window.id),
        )
    )


def handle_statuspage_command(call: CommandCall) -> None:
    rt = call.rt
    words = call.args.split()
    action = words[0].lower() if words else ""
    if action == "subscribe" and len(words) in (2, 3):
        keys = (
            [k.strip().lower() for k in words[2].split(",") if k.strip()] if len(words) == 3 else []
        )
        subscription = subscribers.subscribe(rt, url=words[1], keys=keys, actor=call.user_id)
        call.reply(rt.renderer.render("statuspage/subscribed.j2", subscription=subscription))
    elif action == "unsubscribe" and len(words) == 2:
        subscribers.unsubscribe(rt, url=words[1])
        call.reply(rt.renderer.render("statuspage/unsubscribed.j2", url=words[1].strip("<>")))
    elif action == "subscribers" and len(words) == 1:
        listed = subscribers.listed(rt)
        emails = email_subscribers.confirmed_count(rt)
        call.reply(
            rt.renderer.render("statuspage/subscribers.j2", subscriptions=listed, emails=emails)
        )
    else:
        raise InvalidInput(
            "Use `/liaison statuspage subscribe <url> [api,web]`, "
            "`/liaison statuspage unsubscribe <url>` or `/liaison statuspage subscribers`."
        )


def show_preview(rt: Runtime, body: dict[str, Any]) -> None:
    """*Preview what customers read* on the update form: the preview block rewritten from
    the form's current answers (title, status, components, the message word for word)."""
    view = body.get("view") or {}
    try:
        metadata = UpdateModalMetadata.model_validate_json(view.get("private_metadata") or "")
        values = (view.get("state") or {}).get("values") or {}
        answers = read_update_state(values, metadata)
        choice = publishing.parse_choice(rt, read_status_page_state(values))
    except (ValidationError, FieldErrors, AttributeError) as exc:
        log.info("Status page preview skipped: %s", exc)
        return
    defaults = publishing.previewed(rt, metadata.incident_id, choice)
    if defaults is None or not view.get("id"):
        return
    status = STATUS_LABELS.get(str(answers.get("status")), "Investigating")
    text = preview_text(defaults, status, str(answers.get("customer_message") or ""))
    try:
        rt.notifier.update_view(view["id"], with_preview(view, text))
    except SlackDeliveryError as exc:
        log.warning("views.update for the status page preview failed: %s", exc.error)
