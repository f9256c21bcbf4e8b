"""Slack listeners only: parse the payload, call bot/, ack, reply.

Each module covers one capability's surfaces and exposes ``register(app, rt, commands)``.
"""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers import cadence, events, home, impact, incidents, liaison, oncall, reports, sla
from handlers.commands import CommandRouter

REGISTRARS = (
    incidents.register,
    events.register,
    reports.register,
    liaison.register,
    cadence.register,
    impact.register,
    sla.register,
    oncall.register,
    home.register,
)


def register_all(app: App, rt: Runtime) -> CommandRouter:
    """Wire every listener and the ``/liaison`` router onto the Bolt app."""
    commands = CommandRouter(rt)
    for register in REGISTRARS:
        register(app, rt, commands)
    app.command("/liaison")(commands.handle)
    return commands
