"""``/liaison update|assessed|prelim|pir``, the *Post update* button on cadence reminders,
and the status update modal's submission.

The submission is validated and stored before it is acked, so problems (a message left
empty, an incident resolved while the modal was open) come back inline on the form. The
update reaches the channel through a durable reminder written with it
(bot/services/status_updates.py), so Slack trouble delays it but never loses it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond

from bot.errors import FieldErrors, InvalidInput
from bot.ids import CadenceIds
from bot.runtime import Runtime
from bot.services import cadence, incidents, status_updates
from bot.services.cadence_plan import Milestone
from bot.services.statuspage import publishing
from bot.slack.cadence_blocks import (
    UpdateModalMetadata,
    block_errors,
    build_update_modal,
    read_update_state,
)
from bot.slack.client import SlackDeliveryError
from bot.slack.oncall_blocks import resolution_blocks
from bot.slack.payloads import MalformedPayload, parse_view_submission
from bot.slack.statuspage_blocks import read_status_page_state
from handlers.boundary import read_press, tell
from handlers.commands import CommandCall, CommandRouter
from handlers.followup import handle_prelim_draft
from handlers.incidents import announce

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    commands.add(
        "update",
        handle_update_command,
        usage="update",
        summary="Post a status update (opens a form with a drafted customer message).",
    )
    commands.add(
        "assessed",
        handle_assessed_command,
        usage="assessed",
        summary="Record that the incident's impact has been assessed.",
    )
    commands.add(
        "prelim",
        handle_report_command(Milestone.prelim),
        usage="prelim <link>",
        summary="Record the preliminary incident report as delivered "
        "(`prelim draft` drafts it from what Liaison recorded).",
    )
    commands.add(
        "pir",
        handle_report_command(Milestone.pir),
        usage="pir <link>",
        summary="Record the post-incident report as delivered.",
    )

    def handle_post_update_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        open_update_from_button(rt, body, action, respond)

    def handle_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack_update_submission(rt, ack, body, view)

    app.action(CadenceIds.post_update)(handle_post_update_button)
    app.view(CadenceIds.update_modal)(handle_submission)


def handle_update_command(call: CommandCall) -> None:
    incident = incidents.for_channel(call.rt, call.channel_id)
    view = update_modal(call.rt, incident.id)
    try:
        call.rt.notifier.open_view(call.trigger_id, view)
    except SlackDeliveryError as exc:
        log.warning("views.open for /liaison update failed: %s", exc.error)
        call.reply(call.rt.renderer.render("cadence/modal_failed.j2", error=exc.error))


def handle_assessed_command(call: CommandCall) -> None:
    recorded = cadence.record_assessment(call.rt, channel_id=call.channel_id, actor=call.user_id)
    announce(call, call.rt.renderer.render("cadence/assessed.j2", recorded=recorded))


def handle_report_command(milestone: Milestone) -> Any:
    def handle(call: CommandCall) -> None:
        if milestone is Milestone.prelim and call.args.lower() == "draft":
            handle_prelim_draft(call)
            return
        if not call.args:
            raise InvalidInput("Give the report's link.")
        recorded = cadence.record_report(
            call.rt,
            channel_id=call.channel_id,
            milestone=milestone,
            url=link_from_command(call.args),
            actor=call.user_id,
        )
        announce(call, call.rt.renderer.render("cadence/report_delivered.j2", recorded=recorded))

    return handle


def update_modal(rt: Runtime, incident_id: int) -> dict[str, Any]:
    """The update form, with the status page's part when a status page is configured."""
    content = status_updates.draft_update(rt, incident_id)
    content = replace(content, status_page=publishing.form_defaults(rt, incident_id))
    return build_update_modal(content)


_SLACK_LINK = re.compile(r"^<([^<>|]+)(?:\|[^<>]*)?>")


def link_from_command(text: str) -> str:
    """The address of the link that starts ``text``: Slack sends a pasted link as
    ``<https://…|label>`` (the label may have spaces) with ``&`` as ``&amp;``."""
    text = text.strip()
    match = _SLACK_LINK.match(text)
    address = match.group(1) if match else (text.split() or [""])[0]
    return address.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def open_update_from_button(
    rt: Runtime, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """The *Post update* button of a nudge or channel reminder: the same modal."""
    press = read_press(rt, body, respond)
    if press is None:
        return
    try:
        incident_id = press.row_id()
    except MalformedPayload as exc:
        tell(respond, f":warning: {exc.message}")
        return
    view = update_modal(rt, incident_id)
    try:
        rt.notifier.open_view(body.get("trigger_id", ""), view)
    except SlackDeliveryError as exc:
        text = rt.renderer.render("cadence/modal_failed.j2", error=exc.error)
        respond(text=text, response_type="ephemeral", replace_original=False)


def ack_update_submission(
    rt: Runtime, ack: Ack, body: dict[str, Any], view: dict[str, Any]
) -> None:
    """Validate and store, then ack: errors inline on their fields, success closes the modal.

    The form delivered again (Slack's retry, a double click reaching two replicas) is keyed
    on its view id, so it posts one update.
    """
    try:
        payload = parse_view_submission(body)
        metadata = UpdateModalMetadata.model_validate_json(payload.view.private_metadata)
    except MalformedPayload as exc:
        ack(response_action="errors", errors={CadenceIds.message_block: exc.message})
        return
    except ValidationError:
        ack(response_action="errors", errors={CadenceIds.message_block: "This form is stale."})
        return
    actor = payload.user.id
    try:
        submission = status_updates.parse_update(read_update_state(payload.values, metadata))
        choice = publishing.parse_choice(rt, read_status_page_state(payload.values))
        posted = status_updates.post_update(
            rt, submission, actor=actor, submission_key=payload.submission_key
        )
        # Keyed on the stored update: the form delivered again publishes once.
        publishing.publish(rt, status_update_id=posted.id, choice=choice, actor=actor)
    except FieldErrors as exc:
        ack(response_action="errors", errors=block_errors(exc.errors))
        return
    ack()
    if posted.resolved is not None and posted.resolved.channel_id:
        resolved = posted.resolved
        text = rt.renderer.render(
            "incidents/resolved.j2",
            incident=resolved,
            actor=actor,
            age=resolved.age(rt.clock.now()),
        )
        blocks = resolution_blocks(rt.settings, text, resolved.id)
        try:
            rt.notifier.post(resolved.channel_id, text, blocks)
        except SlackDeliveryError as exc:
            log.warning("Incident #%s resolved but not announced: %s", resolved.id, exc.error)
