"""Block Kit of the follow-up board: one section per customer with a menu to act on it.

The board is one message (50 blocks): customers past ``LINES_SHOWN`` are counted in an
"and N more" line, still to tell first so the work left is never the part cut off.
"""

from __future__ import annotations

from enum import StrEnum

from bot.ids import FollowupIds
from bot.services.followup.board import REACTIONS, TO_TELL, TOLD, BoardLine
from bot.slack.blocks import Block, context, divider, fit_blocks, option, section

LINES_SHOWN = 40


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
    for text, line in lines[:LINES_SHOWN]:
        menu = board_menu(line)
        blocks.append(section(text, accessory=menu) if menu else section(text))
    if more:
        blocks.append(context(more))
    if credits:
        blocks.extend([divider(), section(credits)])
    return fit_blocks(blocks)
