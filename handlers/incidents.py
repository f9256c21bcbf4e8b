"""``/liaison declare|status|severity|resolve|reopen``: the incident's lifecycle from Slack."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.durations import format_for_people
from bot.errors import InvalidInput
from bot.runtime import Runtime
from bot.services import incident_titles, incidents
from bot.services.helpdesk.listing import counts_by_source
from bot.slack.blocks import Block
from bot.slack.client import SlackDeliveryError
from bot.slack.mentions import to_plain_text
from bot.slack.oncall_blocks import resolution_blocks
from handlers import oncall
from handlers.commands import CommandCall, CommandRouter

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    commands.add(
        "declare",
        handle_declare,
        usage="declare [sev1|sev2|sev3|sev4] <title>",
        summary="Make this channel an incident (or show the one it already is).",
    )
    commands.add("status", handle_status, usage="status", summary="Show this channel's incident.")
    commands.add(
        "severity",
        handle_severity,
        usage="severity sev1|sev2|sev3|sev4",
        summary="Change the incident's severity.",
        aliases=("sev",),
    )
    commands.add(
        "title",
        handle_title,
        usage="title [public] <title>",
        summary="Rename the incident; with `public`, set the title customers read "
        "(update drafts, the resolution message).",
    )
    commands.add("resolve", handle_resolve, usage="resolve [note]", summary="Resolve the incident.")
    commands.add("reopen", handle_reopen, usage="reopen", summary="Reopen a resolved incident.")


def handle_declare(call: CommandCall) -> None:
    first, _, rest = to_plain_text(call.args).partition(" ")
    if not first:
        raise InvalidInput("Tell me the severity and a title.")
    if first.lower().startswith("sev") or first.isdigit():
        severity, title = first, rest
    else:
        severity, title = call.rt.settings.default_severity, f"{first} {rest}".strip()
    declared = incidents.declare(
        call.rt,
        channel_id=call.channel_id,
        channel_name=call.channel_name,
        user_id=call.user_id,
        severity=severity,
        title=title,
    )
    renderer = call.rt.renderer
    incident = declared.incident
    if not declared.created:
        call.reply(
            renderer.render(
                "incidents/already_declared.j2",
                incident=incident,
                age=_age(call, incident),
                public_title=incident_titles.customer_title(renderer, incident),
            )
        )
        return
    announce(call, renderer.render("incidents/declared.j2", incident=incident, actor=call.user_id))


def handle_status(call: CommandCall) -> None:
    incident = incidents.for_channel(call.rt, call.channel_id)
    text = call.rt.renderer.render(
        "incidents/status.j2",
        incident=incident,
        age=_age(call, incident),
        public_title=incident_titles.customer_title(call.rt.renderer, incident),
        tickets=counts_by_source(call.rt, incident.id),
    )
    extra = oncall.status_lines(call.rt, incident.id)
    call.reply(f"{text}\n{extra}" if extra else text)


def handle_title(call: CommandCall) -> None:
    """``title <title>`` renames the incident; ``title public <title>`` sets what customers
    read, so an internal name made from the channel never reaches them."""
    incident = incidents.for_channel(call.rt, call.channel_id)
    text = to_plain_text(call.args).strip()
    first, _, rest = text.partition(" ")
    public = first.lower() == "public"
    if not text:
        shown = incident_titles.customer_title(call.rt.renderer, incident)
        raise InvalidInput(
            f"Give the new title: `/liaison title <title>` renames the incident (now "
            f"“{incident.title}”); `/liaison title public <title>` sets the title customers "
            f"read (now “{shown}”)."
        )
    changed = incident_titles.set_title(
        call.rt, incident_id=incident.id, title=rest if public else text, public=public
    )
    announce(
        call,
        call.rt.renderer.render(
            "incidents/title_changed.j2",
            incident=changed.incident,
            previous=changed.previous,
            public=changed.public,
            public_title=incident_titles.customer_title(call.rt.renderer, changed.incident),
            actor=call.user_id,
        ),
    )


def handle_severity(call: CommandCall) -> None:
    if not call.args:
        raise InvalidInput("Tell me the new severity.")
    incident = incidents.for_channel(call.rt, call.channel_id)
    changed = incidents.change_severity(
        call.rt, incident_id=incident.id, severity=call.args.split()[0], actor=call.user_id
    )
    announce(
        call,
        call.rt.renderer.render(
            "incidents/severity_changed.j2",
            incident=changed.incident,
            previous=changed.previous,
            actor=call.user_id,
        ),
    )


def handle_resolve(call: CommandCall) -> None:
    incident = incidents.for_channel(call.rt, call.channel_id)
    resolved = incidents.resolve(
        call.rt, incident_id=incident.id, actor=call.user_id, note=to_plain_text(call.args)
    )
    text = call.rt.renderer.render(
        "incidents/resolved.j2", incident=resolved, actor=call.user_id, age=_age(call, resolved)
    )
    announce(call, text, resolution_blocks(call.rt.settings, text, resolved.id))


def handle_reopen(call: CommandCall) -> None:
    incident = incidents.for_channel(call.rt, call.channel_id)
    reopened = incidents.reopen(call.rt, incident_id=incident.id, actor=call.user_id)
    announce(
        call,
        call.rt.renderer.render("incidents/reopened.j2", incident=reopened, actor=call.user_id),
    )


def announce(call: CommandCall, text: str, blocks: list[Block] | None = None) -> None:
    """Post in the channel for everyone; if Slack refuses, show the user what happened."""
    try:
        call.rt.notifier.post(call.channel_id, text, blocks)
    except SlackDeliveryError as exc:
        log.warning("Could not post in %s: %s", call.channel_id, exc.error)
        call.reply(
            f"{text}\n\n_Done, but I could not post this in the channel ({exc.error}). "
            "Invite me to the channel so everyone sees incident updates._"
        )


def _age(call: CommandCall, incident: incidents.IncidentSnapshot) -> str:
    return format_for_people(incident.age(call.rt.clock.now()))
