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


# --- Customer Liaison --------------------------------------------------------------------


# --- Update cadence ----------------------------------------------------------------------


# --- Impact summary ----------------------------------------------------------------------


# --- Ticket SLAs and App Home ------------------------------------------------------------


class SlaActions(StrEnum):
    """Buttons on SLA DMs (reminders, breach notices, hand-over notices, resolution list)."""

    mark_responded = "sla.mark_responded"
    open_ticket = "sla.open_ticket"
    hand_over = "sla.hand_over"
    customers_told = "sla.customers_told"
    actions_block = "sla.ticket_actions"


class SlaIds(StrEnum):
    handover_modal = "sla.handover"
    handover_user_block = "sla.handover_user"
    handover_user_input = "sla.handover_user_select"
    handover_note_block = "sla.handover_note"
    handover_note_input = "sla.handover_note_input"


class HomeIds(StrEnum):
    ticket_menu = "home.ticket_menu"
