"""``/liaison maintenance``: schedule (or cancel) a maintenance window on the status page.

The window's start and end are durable jobs (bot/services/statuspage/maintenance.py), so
it moves to in progress and completed on its own.
"""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from bot.services.statuspage import maintenance, publishing
from bot.services.statuspage.delivery import page_link
from handlers.commands import CommandCall, CommandRouter


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    commands.add(
        "maintenance",
        handle_maintenance_command,
        usage="maintenance <components|all> <start> <end> <title> [| message]",
        summary="Schedule a maintenance window on the status page (`cancel <id>` withdraws it).",
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
