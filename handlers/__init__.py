"""Slack listeners only: parse the payload, call bot/, ack, reply.

Each module covers one capability's surfaces and exposes ``register(app, rt, commands)``.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.runtime import Runtime
from handlers import (
    cadence,
    errors,
    events,
    followup,
    helpdesk,
    home,
    impact,
    incidents,
    liaison,
    metrics,
    oncall,
    reports,
    sla,
    statuspage,
)
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
    helpdesk.register,
    home.register,
    statuspage.register,
    followup.register,
    metrics.register,
)


def register_all(app: App, rt: Runtime) -> CommandRouter:
    """Wire every listener, the ``/liaison`` router and the one error handler onto the app.

    Listeners are registered through ``errors.GuardedApp`` so that whatever they raise is
    answered by handlers/errors.py, before their ack or after it.
    """
    errors.register(app, rt)
    guarded: Any = errors.GuardedApp(app, rt)
    commands = CommandRouter(rt)
    for register in REGISTRARS:
        register(guarded, rt, commands)
    guarded.command("/liaison")(commands.handle)
    return commands
