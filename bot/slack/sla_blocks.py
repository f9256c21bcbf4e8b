"""Block Kit for ticket SLA messages: reminder DMs, the hand-over modal, the queue list.

Pure functions of already-rendered text and ticket data; the buttons carry the report id
so the handler can re-read the ticket instead of trusting what the message showed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.ids import SlaActions, SlaIds
from bot.inbound import RowId
from bot.services.sla.tickets import Ticket
from bot.slack.blocks import (
    Block,
    actions,
    bullet_list,
    button,
    context,
    fit_blocks,
    input_block,
    plain,
    section,
)


class HandoverMetadata(BaseModel):
    """The hand-over modal's private_metadata: which ticket, and where it was opened."""

    report_id: RowId
    from_home: bool = False
    channel: str | None = None
    message_ts: str | None = None


def message_section(text: str) -> Block:
    """The opening section of every SLA DM; its block_id marks the message as the SLA's."""
    return section(text, block_id=SlaIds.message_block)


def ticket_buttons(ticket: Ticket, *, respond: bool = True, hand_over: bool = True) -> Block:
    """ "Mark responded", "Open ticket" (only when its URL is known) and "Hand over"."""
    value = str(ticket.id)
    elements = []
    if respond:
        elements.append(button("Mark responded", SlaActions.mark_responded, value, style="primary"))
    if ticket.ticket_url:
        elements.append(button("Open ticket", SlaActions.open_ticket, value, url=ticket.ticket_url))
    if hand_over:
        elements.append(button("Hand over", SlaActions.hand_over, value))
    return actions(*elements, block_id=f"{SlaActions.actions_block}.{ticket.id}")


def ticket_message_blocks(
    text: str, ticket: Ticket, *, respond: bool = True, hand_over: bool = True
) -> list[Block]:
    """A DM about one ticket with the buttons that act on it."""
    blocks = [message_section(text)]
    if respond or hand_over or ticket.ticket_url:
        blocks.append(ticket_buttons(ticket, respond=respond, hand_over=hand_over))
    return blocks


def settled_blocks(blocks: list[Block], note: str) -> list[Block]:
    """What a DM turns into once acted on: the same content without buttons, plus the outcome."""
    kept = [block for block in blocks if block.get("type") != "actions"]
    return fit_blocks([*kept, context(note)])


def handover_modal(ticket_text: str, metadata: HandoverMetadata) -> dict[str, Any]:
    """Pick the colleague who takes the ticket over, with an optional note for them."""
    return {
        "type": "modal",
        "callback_id": SlaIds.handover_modal,
        "private_metadata": metadata.model_dump_json(),
        "title": plain("Hand over ticket", 24),
        "submit": plain("Hand over", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(ticket_text),
            input_block(
                SlaIds.handover_user_block,
                "New owner",
                {
                    "type": "users_select",
                    "action_id": SlaIds.handover_user_input,
                    "placeholder": plain("Pick a colleague"),
                },
            ),
            input_block(
                SlaIds.handover_note_block,
                "Note for them",
                {
                    "type": "plain_text_input",
                    "action_id": SlaIds.handover_note_input,
                    "multiline": True,
                    "max_length": 500,
                    "placeholder": plain("What they should know (optional)"),
                },
                optional=True,
            ),
        ],
    }


def digest_blocks(intro: str, customers: list[str], message: str, incident_id: int) -> list[Block]:
    """The resolution DM: who to tell, the message to copy, and "Mark customers told"."""
    return [
        message_section(intro),
        section(bullet_list(customers)),
        section(f"```{message}```"),
        actions(
            button(
                "Mark customers told", SlaActions.customers_told, str(incident_id), style="primary"
            ),
            block_id=f"{SlaActions.actions_block}.digest.{incident_id}",
        ),
    ]


def queue_blocks(header: str, lines: list[str], footer: str | None = None) -> list[Block]:
    """``/liaison sla``: one line per ticket, cut with "and N more" to fit one message."""
    blocks = [section(header)]
    if lines:
        blocks.append(section(bullet_list(lines)))
    if footer:
        blocks.append(context(footer))
    return fit_blocks(blocks)
