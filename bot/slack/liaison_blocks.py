"""Block Kit for the Customer Liaison: the announcement, the checklist DM, the hand-off modal.

Pure functions from already-rendered mrkdwn to blocks; the buttons carry the assignment
id so a click is always about one specific request, however old the message is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.ids import LiaisonIds
from bot.slack.blocks import (
    Block,
    actions,
    button,
    context,
    fit_blocks,
    input_block,
    plain,
    section,
)

NOTE_LIMIT = 1000


def assignment_buttons(assignment_id: int) -> Block:
    value = str(assignment_id)
    return actions(
        button("Accept", LiaisonIds.accept, value, style="primary"),
        button("Hand off", LiaisonIds.hand_off, value),
        block_id=LiaisonIds.buttons_block,
    )


def announcement_blocks(
    text: str, notes: Sequence[str], *, assignment_id: int, with_buttons: bool
) -> list[Block]:
    """The channel announcement: who, why, what they own; notes as context lines."""
    blocks: list[Block] = [section(text)]
    blocks.extend(context(note) for note in notes if note)
    if with_buttons:
        blocks.append(assignment_buttons(assignment_id))
    return fit_blocks(blocks)


def checklist_blocks(
    parts: Sequence[str], *, assignment_id: int, with_buttons: bool
) -> list[Block]:
    """The liaison's DM: one section per part (intro, commitments, commands, counts)."""
    blocks: list[Block] = [section(part) for part in parts if part]
    if with_buttons:
        blocks.append(assignment_buttons(assignment_id))
    return fit_blocks(blocks)


def hand_off_modal(intro: str, private_metadata: str) -> dict[str, Any]:
    """Pick a colleague (required) and leave them a note (optional)."""
    return {
        "type": "modal",
        "callback_id": LiaisonIds.hand_off_modal,
        "title": plain("Hand off liaison", 24),
        "submit": plain("Hand off", 24),
        "close": plain("Cancel", 24),
        "private_metadata": private_metadata[:3000],
        "blocks": [
            section(intro),
            input_block(
                LiaisonIds.hand_off_user_block,
                "New Customer Liaison",
                {
                    "type": "users_select",
                    "action_id": LiaisonIds.hand_off_user_input,
                    "placeholder": plain("Pick a colleague"),
                },
            ),
            input_block(
                LiaisonIds.hand_off_note_block,
                "Note for them",
                {
                    "type": "plain_text_input",
                    "action_id": LiaisonIds.hand_off_note_input,
                    "multiline": True,
                    "max_length": NOTE_LIMIT,
                    "placeholder": plain("What they should know: customers waiting, promises made"),
                },
                optional=True,
            ),
        ],
    }
