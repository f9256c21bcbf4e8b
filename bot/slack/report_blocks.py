"""Block Kit for the messages about customer reports (the agent's confirmation DM)."""

from __future__ import annotations

from bot.slack.blocks import Block, context, section


def confirmation_blocks(text: str, footer: str) -> list[Block]:
    """The confirmation: what was attached where, then the ownership reminder."""
    return [section(text), context(footer)]
