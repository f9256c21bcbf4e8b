"""Block Kit for the App Home tab: the user's ticket queue, their liaison roles, open incidents.

A Home view holds at most 100 blocks; the queue gets one section per ticket (with a menu
to act on it) up to ``TICKETS_SHOWN``, and every list ends with "and N more" when cut.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.ids import FollowupIds, HomeIds
from bot.services.sla.tickets import Ticket
from bot.slack.blocks import (
    VIEW_BLOCK_LIMIT,
    Block,
    actions,
    bullet_list,
    button,
    context,
    divider,
    fit_blocks,
    header,
    option,
    section,
)

TICKETS_SHOWN = 60


class TicketMenu(StrEnum):
    """Values of the per-ticket overflow menu (``<choice>:<report id>``)."""

    respond = "respond"
    hand_over = "handover"
    open = "open"


@dataclass(frozen=True)
class HomeSections:
    """Everything the Home shows, already rendered to mrkdwn by the service."""

    updated: str
    notice: str | None
    tickets_intro: str
    tickets: list[tuple[str, Ticket]]
    tickets_more: str | None
    liaison_intro: str
    liaison_lines: list[str]
    incidents_intro: str
    incident_lines: list[str]
    # Support managers' Metrics section (bot/services/metrics/home.py); None for others.
    metrics: list[str] | None = None
    # Customers of resolved incidents this person still has to tell: (line, follow-up id).
    to_tell: list[tuple[str, int]] | None = None
    # A customer just marked not needed from the Home: the notice offers to undo it.
    notice_undo: int | None = None


def ticket_menu(ticket: Ticket) -> Block:
    options = [
        option("Mark responded", f"{TicketMenu.respond}:{ticket.id}"),
        option("Hand over…", f"{TicketMenu.hand_over}:{ticket.id}"),
    ]
    if ticket.ticket_url:
        opener = option("Open ticket", f"{TicketMenu.open}:{ticket.id}")
        opener["url"] = ticket.ticket_url[:3000]
        options.append(opener)
    return {"type": "overflow", "action_id": HomeIds.ticket_menu, "options": options}


def parse_menu_value(value: str) -> tuple[TicketMenu, int] | None:
    choice, _, report_id = value.partition(":")
    if choice not in TicketMenu.__members__.values() or not report_id.isdigit():
        return None
    return TicketMenu(choice), int(report_id)


def to_tell_buttons(followup_id: int) -> Block:
    """The *Not needed…* button under a customer to tell, as on the follow-up board."""
    return actions(
        button("Not needed…", FollowupIds.not_needed, str(followup_id)),
        block_id=f"{FollowupIds.line_actions}.{followup_id}",
    )


def to_tell_menu(followup_id: int) -> Block:
    """The menu on a customer to tell (values as on the follow-up board's menu)."""
    told = option("Mark told", f"told:{followup_id}")
    return {"type": "overflow", "action_id": FollowupIds.home_menu, "options": [told]}


def home_view(parts: HomeSections) -> dict[str, Any]:
    blocks: list[Block] = [header("Your tickets")]
    if parts.notice:
        blocks.append(section(parts.notice))
        if parts.notice_undo:
            undo = button("Back to to tell", FollowupIds.undo_not_needed, str(parts.notice_undo))
            blocks.append(actions(undo, block_id=f"{FollowupIds.line_actions}.undo"))
    blocks.append(context(parts.updated))
    blocks.append(section(parts.tickets_intro))
    for text, ticket in parts.tickets[:TICKETS_SHOWN]:
        blocks.append(section(text, accessory=ticket_menu(ticket)))
    if parts.tickets_more:
        blocks.append(context(parts.tickets_more))
    if parts.to_tell:
        blocks += [divider(), header("Customers to tell")]
        for text, id_ in parts.to_tell:
            blocks += [section(text, accessory=to_tell_menu(id_)), to_tell_buttons(id_)]
    blocks += [divider(), header("Incidents where you are liaison"), section(parts.liaison_intro)]
    if parts.liaison_lines:
        blocks.append(section(bullet_list(parts.liaison_lines)))
    blocks += [divider(), header("Open incidents"), section(parts.incidents_intro)]
    if parts.incident_lines:
        blocks.append(section(bullet_list(parts.incident_lines)))
    if parts.metrics:
        blocks += [divider(), header("Metrics"), *(section(text) for text in parts.metrics)]
    return {"type": "home", "blocks": fit_blocks(blocks, VIEW_BLOCK_LIMIT)}


def home_digest(view: dict[str, Any], parts: HomeSections) -> str:
    """What the Home shows, as a digest, leaving out its "updated" line (which changes at
    every build): equal digests mean republishing would show the person nothing new."""
    stamp = context(parts.updated)
    shown = [block for block in view["blocks"] if block != stamp]
    text = json.dumps(shown, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
