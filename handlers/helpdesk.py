"""``/liaison tickets`` (the incident's linked help-desk tickets) and ``/liaison health``."""

from __future__ import annotations

from slack_bolt import App

from bot.errors import InvalidInput, NotFound
from bot.integrations.health import CheckResult, Health
from bot.runtime import Runtime
from bot.services import health, incidents
from bot.services.helpdesk.listing import counts_by_source, linked_tickets
from bot.slack.blocks import bullet_list, section
from handlers.commands import CommandCall, CommandRouter


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    commands.add(
        "tickets",
        handle_tickets,
        usage="tickets [incident number]",
        summary="The incident's linked help-desk tickets and their status.",
    )
    commands.add(
        "health",
        handle_health,
        usage="health",
        summary="Check Slack, the database, the scheduler and every connected help desk.",
    )


def handle_tickets(call: CommandCall) -> None:
    rt = call.rt
    words = call.args.split()
    if len(words) > 1 or (words and not words[0].lstrip("#").isdigit()):
        raise InvalidInput(f"`{call.args}` is not an incident number.")
    try:
        if words:
            incident = incidents.get(rt, int(words[0].lstrip("#")))
        else:
            incident = incidents.for_channel(rt, call.channel_id)
    except NotFound as exc:
        if words:
            raise
        raise InvalidInput(
            "This channel is not an incident channel: run this in the incident's channel, "
            "or give the incident number, e.g. `/liaison tickets 7`."
        ) from exc
    tickets = linked_tickets(rt, incident.id)
    intro = rt.renderer.render(
        "helpdesk/tickets_intro.j2",
        incident={"id": incident.id},
        count=len(tickets),
        counts=counts_by_source(rt, incident.id),
        tag=rt.settings.helpdesk_incident_tag.replace("{number}", str(incident.id)),
    )
    lines = [rt.renderer.render("helpdesk/ticket_line.j2", ticket=t) for t in tickets]
    shown = bullet_list(lines)  # cut with "and N more" to fit one message
    text = f"{intro}\n{shown}" if lines else intro
    blocks = [section(intro)] + ([section(shown)] if lines else [])
    call.reply(text, blocks)


def handle_health(call: CommandCall) -> None:
    def slack() -> CheckResult:
        answer = call.client.auth_test()
        return CheckResult("Slack", Health.ok, f"token accepted (team {answer.get('team')})")

    report = health.check_everything(call.rt, slack)
    text = call.rt.renderer.render(
        "helpdesk/health.j2", healthy=report.healthy, results=report.results
    )
    call.reply(text, [section(text)])
