"""``/liaison maintenance``: schedule (or cancel) a maintenance window on the status page.

The window's start and end are durable jobs (bot/services/statuspage/maintenance.py), so
it moves to in progress and completed on its own.
"""

from __future__ import annotations

from slack_bolt import App

from bot.errors import InvalidInput
from bot.runtime import Runtime
from bot.services.statuspage import maintenance, publishing, subscribers
from bot.services.statuspage.delivery import page_link
from handlers.commands import CommandCall, CommandRouter


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
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
        call.reply(rt.renderer.render("statuspage/subscribers.j2", subscriptions=listed))
    else:
        raise InvalidInput(
            "Use `/liaison statuspage subscribe <url> [api,web]`, "
            "`/liaison statuspage unsubscribe <url>` or `/liaison statuspage subscribers`."
        )
