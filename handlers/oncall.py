"""``/liaison escalate``: page a PagerDuty service's on-call for this channel's incident;
``/liaison jira``: put the incident's customer impact in the engineers' backlog."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.errors import InvalidInput, LiaisonError
from bot.ids import OnCallActions
from bot.runtime import Runtime
from bot.services import incidents
from bot.services.backlog import issues
from bot.services.oncall import escalate
from bot.services.oncall.messages import status_context
from bot.slack.oncall_blocks import another_issue_blocks, parse_escalate_value
from handlers.boundary import read_press, tell
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
        usage="jira [new|pir]",
        summary="Create a Jira issue with this incident's customer impact (also a button on "
        "the full impact summary and the resolution message; `new`: a second one; `pir`: the "
        "post-incident report's ticket with its facts).",
    )

    def handle_escalate_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        escalate_from_summary(rt, body, respond)

    def handle_jira_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        jira_from_button(rt, body, respond, again=False)

    def handle_jira_again_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        jira_from_button(rt, body, respond, again=True)

    app.action(OnCallActions.escalate)(handle_escalate_button)
    app.action(OnCallActions.jira)(handle_jira_button)
    app.action(OnCallActions.jira_again)(handle_jira_again_button)


def escalate_from_summary(rt: Runtime, body: dict[str, Any], respond: Respond) -> None:
    """The summary's page button: the same path as ``/liaison escalate <service>``."""
    press = read_press(rt, body, respond)
    if press is None:
        return
    parsed = parse_escalate_value(press.action.value)
    if parsed is None:
        tell(respond, ":warning: This button is from an old message; use `/liaison escalate`.")
        return
    incident_id, service = parsed
    try:
        result = escalate.escalate(
            rt, incident_id=incident_id, service=service, note=None, actor=press.user.id
        )
    except LiaisonError as exc:
        tell(respond, f":warning: {exc.message}")
        return
    tell(respond, _escalation_text(rt, result))


def jira_from_button(rt: Runtime, body: dict[str, Any], respond: Respond, *, again: bool) -> None:
    """*Create Jira issue* on the full impact summary or the resolution message: the same
    path as ``/liaison jira``. When the incident has an issue already, the presser is asked
    first: *Create a second issue* (``again``) is ``/liaison jira new``."""
    press = read_press(rt, body, respond)
    if press is None:
        return
    try:
        incident_id = press.row_id()
        request = issues.request_issue(
            rt, incident_id=incident_id, actor=press.user.id, again=again
        )
    except LiaisonError as exc:
        tell(respond, f":warning: {exc.message}")
        return
    text = _jira_text(rt, request, button=True)
    if again and respond.response_url:
        # The question is answered: its button goes, so it cannot make a third issue.
        respond(text=text, response_type="ephemeral", replace_original=True)
        return
    if request.created or not request.existing_key or not respond.response_url:
        tell(respond, text)
        return
    respond(
        text=text,
        blocks=another_issue_blocks(text, incident_id),
        response_type="ephemeral",
        replace_original=False,
    )


def handle_jira(call: CommandCall) -> None:
    incident = incidents.for_channel(call.rt, call.channel_id)
    word = call.args.strip().lower()
    if word not in ("", "new", "pir"):
        raise InvalidInput("Use `/liaison jira`, `/liaison jira new` or `/liaison jira pir`.")
    request = issues.request_issue(
        call.rt,
        incident_id=incident.id,
        actor=call.user_id,
        again=word == "new",
        purpose="pir" if word == "pir" else "impact",
    )
    call.reply(_jira_text(call.rt, request))


def _jira_text(rt: Runtime, request: issues.IssueRequest, *, button: bool = False) -> str:
    if request.created:
        return rt.renderer.render(
            "backlog/issue_requested.j2",
            incident_id=request.incident_id,
            pir=request.purpose == "pir",
        )
    return rt.renderer.render(
        "backlog/issue_exists.j2",
        incident_id=request.incident_id,
        key=request.existing_key,
        url=request.existing_url,
        pir=request.purpose == "pir",
        button=button,
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
    call.reply(_escalation_text(call.rt, result))


def _escalation_text(rt: Runtime, result: escalate.Escalation) -> str:
    if result.created:
        return rt.renderer.render(
            "oncall/escalation_requested.j2",
            service=result.service,
            incident_id=result.incident_id,
        )
    return rt.renderer.render(
        "oncall/escalation_exists.j2",
        service=result.service,
        incident_id=result.incident_id,
        paged_by=result.paged_by,
        paged_at=result.paged_at,
        acknowledged_by=result.acknowledged_by,
    )


def status_lines(rt: Runtime, incident_id: int) -> str:
    """The PagerDuty link and bridge lines ``/liaison status`` adds (empty: none)."""
    context = status_context(rt, incident_id)
    return rt.renderer.render("oncall/status.j2", **context) if context else ""
