"""Block Kit of the follow-up board: one section per customer with a menu to act on it,
and under a customer still to tell (or not needed) the button to change that.

The board is one message (50 blocks): customers past what fits are counted in an "and N
more" line, still to tell first so the work left is never the part cut off.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.ids import FollowupIds
from bot.inbound import RowId
from bot.services.followup.board import (
    NOT_NEEDED,
    REACTIONS,
    REASON_LIMIT,
    TO_TELL,
    TOLD,
    BoardLine,
)
from bot.slack.blocks import (
    MESSAGE_BLOCK_LIMIT,
    Block,
    actions,
    button,
    context,
    divider,
    fit_blocks,
    input_block,
    option,
    plain,
    section,
)

LINES_SHOWN = 40
# Blocks around the lines: a notice (or the reminder's text and a divider), the intro,
# "and N more", a divider and the credits.
_AROUND_LINES = 6


class BoardMenu(StrEnum):
    """Values of the per-customer menu (``<choice>:<followup id>``)."""

    told = "told"
    satisfied = "satisfied"
    neutral = "neutral"
    dissatisfied = "dissatisfied"
    again = "again"


def board_menu(line: BoardLine) -> Block | None:
    options = []
    if line.state == TO_TELL:
        options.append(option("Mark told", f"{BoardMenu.told}:{line.id}"))
    if line.state == TOLD:
        options.extend(
            option(f"Customer {reaction}", f"{reaction}:{line.id}") for reaction in REACTIONS
        )
        options.append(option("Needed a further reply", f"{BoardMenu.again}:{line.id}"))
    if not options:
        return None
    return {"type": "overflow", "action_id": FollowupIds.board_menu, "options": options}


def line_buttons(line: BoardLine) -> Block | None:
    """The button under a line: *Not needed…* while the customer is still to tell, *Back to
    to tell* once they are not needed."""
    value = str(line.id)
    if line.state == TO_TELL:
        element = button("Not needed…", FollowupIds.not_needed, value)
    elif line.state == NOT_NEEDED:
        element = button("Back to to tell", FollowupIds.undo_not_needed, value)
    else:
        return None
    return actions(element, block_id=f"{FollowupIds.line_actions}.{line.id}")


def lines_that_fit(lines: list[BoardLine], limit: int = MESSAGE_BLOCK_LIMIT) -> int:
    """How many lines (a section each, plus their buttons) one message can show."""
    room, shown = limit - _AROUND_LINES, 0
    for line in lines[:LINES_SHOWN]:
        size = 2 if line.state in (TO_TELL, NOT_NEEDED) else 1
        if size > room:
            break
        room -= size
        shown += 1
    return shown


def line_blocks(text: str, line: BoardLine) -> list[Block]:
    menu = board_menu(line)
    blocks = [section(text, accessory=menu) if menu else section(text)]
    buttons = line_buttons(line)
    return [*blocks, buttons] if buttons else blocks


class NotNeededMetadata(BaseModel):
    """The "Not needed" modal's private_metadata: which customer, and where to show the
    outcome (the board message it was opened from, through its response URL, or the Home)."""

    followup_id: RowId
    surface: Literal["board", "home"] = "board"
    response_url: str | None = Field(default=None, max_length=1000)


def not_needed_modal(customer: str, metadata: NotNeededMetadata) -> dict[str, Any]:
    """Ask why a customer needs no follow-up (required, at most ``REASON_LIMIT``)."""
    return {
        "type": "modal",
        "callback_id": FollowupIds.not_needed_modal,
        "private_metadata": metadata.model_dump_json(),
        "title": plain("No follow-up needed", 24),
        "submit": plain("Mark not needed", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(customer),
            input_block(
                FollowupIds.reason_block,
                "Why does this customer need no follow-up?",
                {
                    "type": "plain_text_input",
                    "action_id": FollowupIds.reason_input,
                    "multiline": True,
                    "max_length": REASON_LIMIT,
                    "placeholder": plain("Told by their account manager on a call"),
                },
                hint="Shown on the follow-up board with your name.",
            ),
        ],
    }


def parse_board_value(value: str) -> tuple[BoardMenu, int] | None:
    choice, _, followup_id = value.partition(":")
    if choice not in BoardMenu.__members__.values() or not followup_id.isdigit():
        return None
    return BoardMenu(choice), int(followup_id)


def board_blocks(
    intro: str,
    lines: list[tuple[str, BoardLine]],
    *,
    more: str | None,
    credits: str | None,
    notice: str | None = None,
) -> list[Block]:
    blocks: list[Block] = []
    if notice:
        blocks.append(context(notice))
    blocks.append(section(intro, block_id=FollowupIds.board_block))
    for text, line in lines[: lines_that_fit([line for _, line in lines])]:
        blocks.extend(line_blocks(text, line))
    if more:
        blocks.append(context(more))
    if credits:
        blocks.extend([divider(), section(credits)])
    return fit_blocks(blocks)
