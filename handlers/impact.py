"""``/liaison impact [number] [post]`` and the severity hint's button.

Both run after the ack (the router acks commands first; the button acks at once), so
aggregating 100,000 reports never delays Slack's 3-second deadline.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.errors import InvalidInput, InvalidTransition, NotFound
from bot.ids import IncidentActions
from bot.runtime import Runtime
from bot.services import incidents
from bot.services.impact import periodic, summary
from bot.slack.blocks import fit_blocks, section
from bot.slack.client import SlackDeliveryError
from bot.slack.errors import ChannelNotFound
from bot.slack.impact_blocks import SlackMessage, full_summary_message, parse_hint_value
from bot.slack.oncall_blocks import summary_actions
from handlers.boundary import read_press
from handlers.commands import CommandCall, CommandRouter

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    commands.add(
        "impact",
        handle_impact,
        usage="impact [incident number] [post]",
        summary="Who is hit: reports, customers, where they concentrate, trend "
        "(privately; `post` shares it in the incident channel).",
    )

    def handle_raise_severity(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        raise_severity_from_hint(rt, body, respond)

    app.action(IncidentActions.raise_severity)(handle_raise_severity)


def handle_impact(call: CommandCall) -> None:
    words = call.args.lower().split()
    post = "post" in words
    numbers = [word.lstrip("#") for word in words if word != "post"]
    if len(numbers) > 1 or (numbers and not numbers[0].isdigit()):
        raise InvalidInput(f"`{call.args}` is neither an incident number nor `post`.")
    incident = _incident(call, int(numbers[0]) if numbers else None)
    rt = call.rt
    if post:
        if incident.channel_id != call.channel_id:
            # Plain text: the router shows this message escaped, so no channel mention.
            where = f" #{incident.channel_name}" if incident.channel_name else ""
            raise InvalidInput(
                f"Run `/liaison impact post` in incident #{incident.id}'s channel{where} "
                "to share it there."
            )
        try:
            periodic.post_full_summary(rt, incident.id)
        except SlackDeliveryError as exc:
            log.warning("Could not post the impact summary in %s: %s", call.channel_id, exc.error)
            message = _full(rt, incident.id)
            note = rt.renderer.render("impact/post_failed.j2", error=exc.error)
            call.reply(f"{note}\n\n{message.text}", fit_blocks([section(note), *message.blocks]))
        return
    message = _full(rt, incident.id)
    call.reply(message.text, message.blocks)


def raise_severity_from_hint(rt: Runtime, body: dict[str, Any], respond: Respond) -> None:
    """Same path as ``/liaison severity``: change, then announce in the incident channel.

    A second press (or the same one delivered again) finds the severity already raised
    and is told so privately: one change, one announcement."""
    press = read_press(rt, body, respond)
    if press is None:
        return
    user = press.user.id
    try:
        value = parse_hint_value(press.action.value)
        changed = summary.raise_from_hint(
            rt, incident_id=value.incident_id, severity=value.severity, actor=user
        )
    except InvalidTransition as exc:
        text = rt.renderer.render("impact/already_raised.j2", problem=exc.message)
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    text = rt.renderer.render(
        "incidents/severity_changed.j2",
        incident=changed.incident,
        previous=changed.previous,
        actor=user,
    )
    channel = changed.incident.channel_id
    try:
        if not channel:
            raise ChannelNotFound("chat.postMessage", "channel_not_found")
        rt.notifier.post(channel, text)
    except SlackDeliveryError as exc:
        log.warning("Could not announce the severity change in %s: %s", channel, exc.error)
        respond(
            text=f"{text}\n\n_Done, but I could not post this in the incident channel "
            f"({exc.error})._",
            response_type="ephemeral",
            replace_original=False,
        )


def _incident(call: CommandCall, number: int | None) -> incidents.IncidentSnapshot:
    if number is not None:
        return incidents.get(call.rt, number)
    try:
        return incidents.for_channel(call.rt, call.channel_id)
    except NotFound as exc:
        raise InvalidInput(
            "This channel is not an incident channel: run this in the incident's channel, "
            "or give the incident number, e.g. `/liaison impact 7`."
        ) from exc


def _full(rt: Runtime, incident_id: int) -> SlackMessage:
    shown = rt.settings.impact_segments_shown
    return full_summary_message(
        summary.summarize(rt, incident_id), rt.renderer, segments_shown=shown,
        extra_actions=summary_actions(rt.settings, incident_id),
    )  # fmt: skip
