"""The on-call and backlog buttons the full impact summary carries when configured."""

from __future__ import annotations

from bot.config import Settings
from bot.ids import OnCallActions
from bot.slack.blocks import Block, actions, button

_MAX_SERVICES = 4  # more would crowd the summary; /liaison escalate reaches every one


def summary_actions(settings: Settings, incident_id: int) -> list[Block]:
    """Page buttons (one per service in PAGERDUTY_ROUTING_KEYS) and the Jira button."""
    elements: list[Block] = [
        button(f"Page {service} on-call", OnCallActions.escalate, f"{incident_id}:{service}")
        for service in sorted(settings.pagerduty_routing_keys)[:_MAX_SERVICES]
    ]
    if settings.jira_enabled:
        elements.append(button("Create Jira issue", OnCallActions.jira, str(incident_id)))
    return [actions(*elements, block_id=OnCallActions.block)] if elements else []


def parse_escalate_value(value: str) -> tuple[int, str] | None:
    number, _, service = value.partition(":")
    if not number.isdigit() or not service or int(number) > 2**31:
        return None
    return int(number), service
