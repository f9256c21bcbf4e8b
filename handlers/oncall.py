"""``/liaison escalate``: page a PagerDuty service's on-call for this channel's incident;
``/liaison jira``: put the incident's customer impact in the engineers' backlog."""

from __future__ import annotations

from slack_bolt import App

from bot.errors import InvalidInput
from bot.runtime import Runtime
from bot.services import incidents
from bot.services.backlog import issues
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
    commands.add(
        "jira",
        handle_jira,
        usage="jira [new]",
        summary="Create a Jira issue with this incident's customer impact.",
    )


def handle_jira(call: CommandCall) -> None:
    incident = incidents.for_channel(call.rt, call.channel_id)
    again = call.args.strip().lower() == "new"
    request = issues.request_issue(
        call.rt, incident_id=incident.id, actor=call.user_id, again=again
    )
    renderer = call.rt.renderer
    if request.created:
        call.reply(renderer.render("backlog/issue_requested.j2", incident_id=incident.id))
        return
    call.reply(
        renderer.render(
            "backlog/issue_exists.j2",
            incident_id=incident.id,
            key=request.existing_key,
            url=request.existing_url,
        )
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
