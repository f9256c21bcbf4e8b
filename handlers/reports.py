"""Customer reports from Slack: ``/liaison report``, the *Attach to incident* shortcut,
the account search behind the modal, and the modal's submission.

A submission is validated and stored before it is acked, so every problem (including an
incident resolved while the modal was open, or a database outage) comes back inline on
the form with the agent's input intact. The rules are the reports service's (the same
for every source); this module only reads Slack's payload and maps fields to blocks.
The confirmation DM is a durable reminder written with the report
(bot/services/report_confirmation.py), not a call made here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import FieldErrors
from bot.ids import ReportIds
from bot.runtime import Runtime
from bot.services import incidents, reports
from bot.services.accounts import search_accounts
from bot.services.incidents import IncidentSnapshot
from bot.slack.client import SlackDeliveryError
from bot.slack.payloads import MalformedPayload, parse_view_submission
from bot.slack.report_form import block_errors, read_report_state, submission_from_form
from bot.slack.report_modal import (
    IncidentChoice,
    ReportChoices,
    ReportModalMetadata,
    ReportPrefill,
    account_options,
    build_report_modal,
    summary_from_message,
)
from handlers.commands import CommandCall, CommandRouter

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    commands.add(
        "report",
        handle_report_command,
        usage="report [summary]",
        summary="Attach a customer report to an incident (opens a form).",
    )

    def handle_attach_shortcut(ack: Ack, shortcut: dict[str, Any], respond: Respond) -> None:
        ack()
        open_report_from_message(rt, shortcut, respond)

    def handle_account_search(ack: Ack, payload: dict[str, Any]) -> None:
        typed = str(payload.get("value") or "")
        try:
            matches = search_accounts(rt, typed)
        except SQLAlchemyError:
            # The typed name still works as a customer even when the directory is unreachable.
            log.exception("Account search failed; offering the typed name only")
            matches = []
        ack(options=account_options(matches, typed))

    def handle_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack_report_submission(rt, ack, body, view)

    app.shortcut(ReportIds.shortcut)(handle_attach_shortcut)
    app.options(ReportIds.account_input)(handle_account_search)
    app.view(ReportIds.modal)(handle_submission)


def handle_report_command(call: CommandCall) -> None:
    """``/liaison report [summary]``: the modal, with this channel's incident preselected."""
    rt = call.rt
    open_incidents = incidents.list_open(rt)
    if not open_incidents:
        call.reply(rt.renderer.render("reports/no_open_incidents.j2"))
        return
    summary, _ = summary_from_message(call.args)
    view = build_report_modal(
        _choices(rt, open_incidents),
        ReportPrefill(incident_id=_incident_in(open_incidents, call.channel_id), summary=summary),
        ReportModalMetadata(origin_channel_id=call.channel_id or None),
    )
    try:
        rt.notifier.open_view(call.trigger_id, view)
    except SlackDeliveryError as exc:
        log.warning("views.open for /liaison report failed: %s", exc.error)
        call.reply(rt.renderer.render("reports/modal_failed.j2", error=exc.error, shortcut=False))


def open_report_from_message(rt: Runtime, shortcut: dict[str, Any], respond: Respond) -> None:
    """The *Attach to incident* shortcut: the message becomes the summary, its link the source."""

    def reply(text: str) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)

    open_incidents = incidents.list_open(rt)
    if not open_incidents:
        reply(rt.renderer.render("reports/no_open_incidents.j2"))
        return
    channel_id = (shortcut.get("channel") or {}).get("id") or None
    message = shortcut.get("message") or {}
    ts = message.get("ts") or shortcut.get("message_ts")
    permalink = None
    if channel_id and ts:
        try:
            permalink = rt.notifier.permalink(channel_id, ts)
        except SlackDeliveryError as exc:
            log.warning("No permalink for %s/%s: %s", channel_id, ts, exc.error)
    summary, original_length = summary_from_message(message.get("text") or "")
    notes = [rt.renderer.render("reports/source.j2", permalink=permalink, channel_id=channel_id)]
    if original_length is not None:
        notes.append(
            rt.renderer.render(
                "reports/summary_clipped.j2",
                length=f"{original_length:,}",
                limit=f"{reports.SUMMARY_LIMIT:,}",
            )
        )
    view = build_report_modal(
        _choices(rt, open_incidents),
        ReportPrefill(
            incident_id=_incident_in(open_incidents, channel_id),
            summary=summary,
            notes=notes,
        ),
        ReportModalMetadata(origin_channel_id=channel_id, source_permalink=permalink),
    )
    try:
        rt.notifier.open_view(shortcut.get("trigger_id", ""), view)
    except SlackDeliveryError as exc:
        log.warning("views.open for the report shortcut failed: %s", exc.error)
        reply(rt.renderer.render("reports/modal_failed.j2", error=exc.error, shortcut=True))


def ack_report_submission(
    rt: Runtime, ack: Ack, body: dict[str, Any], view: dict[str, Any]
) -> None:
    """Validate and store, then ack: errors inline on their fields, success closes the modal.

    The same modal submitted again (Slack's retry, a double click reaching another
    replica) is keyed on its view id: the report stored the first time is the answer.
    """
    try:
        payload = parse_view_submission(body)
    except MalformedPayload as exc:
        ack(response_action="errors", errors={ReportIds.summary_block: exc.message})
        return
    blocks = payload.view.block_ids()
    metadata = ReportModalMetadata.load(payload.view.private_metadata)
    try:
        form = read_report_state(payload.values)
        submission = submission_from_form(
            form,
            metadata,
            reports.IntakeRules.from_settings(rt.settings),
            now=rt.clock.now(),
            owner_id=payload.user.id,
        )
        reports.attach(rt, submission, submission_key=payload.submission_key)
    except FieldErrors as exc:
        ack(response_action="errors", errors=block_errors(exc, blocks))
        return
    ack()


def _choices(rt: Runtime, open_incidents: Sequence[IncidentSnapshot]) -> ReportChoices:
    settings = rt.settings
    return ReportChoices(
        incidents=[
            IncidentChoice(i.id, i.title, i.severity, i.channel_name) for i in open_incidents
        ],
        regions=settings.report_regions,
        tiers=settings.customer_tiers,
        features=settings.report_features,
    )


def _incident_in(open_incidents: Sequence[IncidentSnapshot], channel_id: str | None) -> int | None:
    if not channel_id:
        return None
    return next((i.id for i in open_incidents if i.channel_id == channel_id), None)
