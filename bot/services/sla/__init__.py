"""Ticket SLAs: deadlines per customer tier, DM reminders before breach, escalation at
breach, the personal queue (``/liaison sla`` and App Home) and the resolution follow-up.

``install`` wires the capability into a runtime: the lifecycle subscribers that start a
ticket's clock when it is attached and schedule the follow-up DMs when an incident is
resolved, and the handlers of the ``sla.*`` job kinds (declared in schedule.py).
"""

from __future__ import annotations

from functools import partial

from bot.lifecycle import Lifecycle
from bot.runtime import Runtime
from bot.services.sla.clock import schedule_resolution_digests, stamp_deadline, start_clock
from bot.services.sla.home import refresh_home_handler, refresh_liaison_homes
from bot.services.sla.notices import SlaNotices
from bot.services.sla.schedule import KINDS, Kind


def install(rt: Runtime) -> None:
    settings = rt.settings
    policies = settings.sla_policy_map()
    rt.hooks.subscribe(
        Lifecycle.report_filing,
        partial(stamp_deadline, policies=policies, default_tier=settings.sla_default_tier),
    )
    rt.hooks.subscribe(
        Lifecycle.report_attached,
        partial(
            start_clock,
            leads=settings.sla_reminder_leads,
            home_delay=settings.sla_home_refresh_delay,
        ),
    )
    rt.hooks.subscribe(Lifecycle.resolved, schedule_resolution_digests)
    liaison_homes = partial(refresh_liaison_homes, delay=settings.sla_home_refresh_delay)
    for change in (Lifecycle.liaison_changed, Lifecycle.resolved):
        rt.hooks.subscribe(change, liaison_homes)
    SlaNotices(rt, policies).register(rt.dispatcher)
    rt.dispatcher.declare(KINDS[Kind.home_refresh], refresh_home_handler(rt))
