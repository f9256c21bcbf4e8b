"""The on-call and backlog buttons the full impact summary and the resolution message carry
when configured."""

from __future__ import annotations

from bot.config import Settings
from bot.ids import OnCallActions
from bot.slack.blocks import Block, actions, button, section

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


def resolution_blocks(settings: Settings, text: str, incident_id: int) -> list[Block] | None:
    """The resolution message with its *Create Jira issue* button: the moment the fix is
    known is when the customer impact should reach the backlog. None (the text alone)
    while Jira is not configured."""
    if not settings.jira_enabled:
        return None
    return [
        section(text),
        actions(
            button("Create Jira issue", OnCallActions.jira, str(incident_id)),
            block_id=OnCallActions.resolution_block,
        ),
    ]


def another_issue_blocks(text: str, incident_id: int) -> list[Block]:
    """The private answer to a Jira button when the incident already has an issue: it asks
    before a second one is made."""
    return [
        section(text),
        actions(
            button("Create a second issue", OnCallActions.jira_again, str(incident_id)),
            block_id=OnCallActions.again_block,
        ),
    ]


def parse_escalate_value(value: str) -> tuple[int, str] | None:
    number, _, service = value.partition(":")
    if not number.isdigit() or not service or int(number) > 2**31:
        return None
    return int(number), service
