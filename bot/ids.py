"""Every callback_id, action_id and block_id, in one place, with dotted names.

Handlers and Block Kit builders both import these, so a listener and the element it
listens to can never drift apart.
"""

from __future__ import annotations

from enum import StrEnum

# --- Incidents ---------------------------------------------------------------------------


class IncidentActions(StrEnum):
    raise_severity = "incident.raise_severity"


# --- Customer reports --------------------------------------------------------------------


class ReportIds(StrEnum):
    modal = "report.submit"
    shortcut = "report.attach_shortcut"
    incident_block = "report.incident"
    incident_input = "report.incident_select"
    account_block = "report.account"
    account_input = "report.account_search"
    ticket_block = "report.ticket"
    ticket_input = "report.ticket_input"
    region_block = "report.region"
    region_input = "report.region_select"
    tier_block = "report.tier"
    tier_input = "report.tier_select"
    version_block = "report.version"
    version_input = "report.version_input"
    platform_block = "report.platform"
    platform_input = "report.platform_select"
    features_block = "report.features"
    features_input = "report.features_select"
    contact_block = "report.contact_channel"
    contact_input = "report.contact_channel_select"
    summary_block = "report.summary"
    summary_input = "report.summary_input"
    sentiment_block = "report.sentiment"
    sentiment_input = "report.sentiment_select"
    first_contact_block = "report.first_contact"
    first_contact_input = "report.first_contact_picker"
    source_block = "report.source"


# --- Customer Liaison --------------------------------------------------------------------


class LiaisonIds(StrEnum):
    accept = "liaison.accept"
    hand_off = "liaison.hand_off"
    buttons_block = "liaison.assignment"
    hand_off_modal = "liaison.hand_off_submit"
    hand_off_user_block = "liaison.hand_off_user"
    hand_off_user_input = "liaison.hand_off_user_select"
    hand_off_note_block = "liaison.hand_off_note"
    hand_off_note_input = "liaison.hand_off_note_input"


# --- Update cadence ----------------------------------------------------------------------


class CadenceIds(StrEnum):
    post_update = "cadence.post_update"
    reminder_actions = "cadence.reminder_actions"
    update_modal = "cadence.update_submit"
    status_block = "cadence.update.status"
    status_input = "cadence.update.status_select"
    affected_block = "cadence.update.affected"
    affected_input = "cadence.update.affected_input"
    message_block = "cadence.update.message"
    message_input = "cadence.update.message_input"
    note_block = "cadence.update.note"
    note_input = "cadence.update.note_input"
    next_block = "cadence.update.next"
    next_input = "cadence.update.next_select"
    reporters_block = "cadence.update.reporters"
    reporters_input = "cadence.update.reporters_check"


# --- Impact summary ----------------------------------------------------------------------


class ImpactIds(StrEnum):
    """Blocks of the impact summaries (the hint button is IncidentActions.raise_severity)."""

    live = "impact.live"
    full = "impact.full"
    hint = "impact.hint"


# --- Ticket SLAs and App Home ------------------------------------------------------------


class SlaActions(StrEnum):
    """Buttons on SLA DMs (reminders, breach notices, hand-over notices, resolution list)."""

    mark_responded = "sla.mark_responded"
    open_ticket = "sla.open_ticket"
    hand_over = "sla.hand_over"
    customers_told = "sla.customers_told"
    actions_block = "sla.ticket_actions"


class SlaIds(StrEnum):
    message_block = "sla.message"  # the first block of every SLA DM
    handover_modal = "sla.handover"
    handover_user_block = "sla.handover_user"
    handover_user_input = "sla.handover_user_select"
    handover_note_block = "sla.handover_note"
    handover_note_input = "sla.handover_note_input"


class HomeIds(StrEnum):
    ticket_menu = "home.ticket_menu"


# --- After the incident ------------------------------------------------------------------


class FollowupIds(StrEnum):
    board_menu = "followup.board_menu"
    home_menu = "followup.home_menu"
    board_block = "followup.board"
    # "Not needed" on a customer to tell opens the reason modal; "Back to to tell" undoes it.
    not_needed = "followup.not_needed"
    undo_not_needed = "followup.undo_not_needed"
    line_actions = "followup.line"  # block_id prefix: ``followup.line.<followup id>``
    not_needed_modal = "followup.not_needed_modal"
    reason_block = "followup.reason"
    reason_input = "followup.reason_input"


# --- On-call and backlog -----------------------------------------------------------------


class OnCallActions(StrEnum):
    """Buttons on the full impact summary and the resolution message: page a service's
    on-call, file a Jira issue (and, asked first, a second one)."""

    escalate = "oncall.escalate"
    jira = "backlog.create_issue"
    jira_again = "backlog.create_another_issue"
    block = "oncall.actions"
    resolution_block = "backlog.resolution_actions"
    again_block = "backlog.again_actions"
