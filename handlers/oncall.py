"""``/liaison escalate``: page a PagerDuty service's on-call for this channel's incident."""

from __future__ import annotations

from slack_bolt import App

from bot.errors import InvalidInput
from bot.runtime import Runtime
from bot.services import incidents
from bot.services.oncall import escalate
from bot.services.oncall.messages import status_context
from handlers.commands import CommandCall, CommandRouter


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    commands.add(
        "escalate",
        handle_escalate,
        usage="escalate [service] [note]",
        summary="Page a service's on-call through PagerDuty with the customer impact.",
    )


def handle_escalate(call: CommandCall) -> None:
    if not call.rt.settings.pagerduty_routing_keys:
        raise InvalidInput(
            "Paging on-call is not set up: the operator sets PAGERDUTY_ROUTING_KEYS."
        )
    incident = incidents.for_channel(call.rt, call.channel_id)
    service, note = escalate.split_arguments(call.rt, call.args)
    result = escalate.escalate(
        call.rt, incident_id=incident.id, service=service, note=note, actor=call.user_id
    )
    renderer = call.rt.renderer
    if result.created:
        call.reply(
            renderer.render(
                "oncall/escalation_requested.j2", service=result.service, incident_id=incident.id
            )
        )
        return
    call.reply(
        renderer.render(
            "oncall/escalation_exists.j2",
            service=result.service,
            incident_id=incident.id,
            paged_by=result.paged_by,
            paged_at=result.paged_at,
            acknowledged_by=result.acknowledged_by,
        )
    )


def status_lines(rt: Runtime, incident_id: int) -> str:
    """The PagerDuty link and bridge lines ``/liaison status`` adds (empty: none)."""
    context = status_context(rt, incident_id)
    return rt.renderer.render("oncall/status.j2", **context) if context else ""
