"""Wires the on-call capability onto the runtime when PagerDuty is configured: its job
kinds, its lifecycle subscribers and its health check. One place to read what runs."""

from __future__ import annotations

from functools import partial

from bot.integrations.pagerduty.client import PagerDutyClient
from bot.lifecycle import Lifecycle
from bot.runtime import Runtime
from bot.services.oncall import escalate, messages, reassign, sync, updates_out
from bot.services.oncall.kinds import (
    ANNOUNCE,
    BRIDGE,
    NOTICE,
    PAGE,
    REASSIGN,
    RESOLVE,
    SYNC,
    UPDATE,
)


def enabled(rt: Runtime) -> bool:
    settings = rt.settings
    return bool(
        settings.pagerduty_inbound_enabled
        or settings.pagerduty_api_enabled
        or settings.pagerduty_routing_keys
    )


def install(rt: Runtime) -> None:
    settings = rt.settings
    if settings.conference_bridge_url:
        rt.hooks.subscribe(Lifecycle.opened, partial(messages.schedule_bridge, rt))
        rt.dispatcher.declare(BRIDGE, partial(messages.post_bridge, rt))
    if not enabled(rt):
        return
    client = PagerDutyClient.from_settings(settings)
    api = settings.pagerduty_api_enabled
    directory = messages.ResponderDirectory(rt, client.user_email if api else None)
    rt.dispatcher.declare(SYNC, partial(sync.sync, rt))
    rt.dispatcher.declare(ANNOUNCE, partial(messages.announce, rt, directory))
    rt.dispatcher.declare(REASSIGN, partial(reassign.reassign, rt, directory))
    rt.dispatcher.declare(NOTICE, partial(messages.post_notice, rt))
    rt.dispatcher.declare(PAGE, partial(escalate.page, rt, client))
    rt.dispatcher.declare(UPDATE, partial(updates_out.send_update, rt, client))
    rt.dispatcher.declare(RESOLVE, partial(updates_out.resolve, rt, client))
    if api:
        rt.hooks.subscribe(Lifecycle.update_posted, partial(updates_out.on_update_posted, rt))
        rt.hooks.subscribe(Lifecycle.resolved, partial(updates_out.on_resolved, rt))
        rt.health.add(client.check)
