"""Small pure Block Kit builders and the one place that enforces Slack's size limits.

Every surface is built from these so that no text over 3,000 characters and no list past
the block limits ever reaches Slack: long content ends with "and N more" instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TEXT_LIMIT = 3000
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
OPTION_LIMIT = 100
OPTION_TEXT_LIMIT = 75
TITLE_LIMIT = 24
PLAIN_LIMIT = 150
LABEL_LIMIT = 2000

Block = dict[str, Any]


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    """Cut text to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = PLAIN_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text) or " "}


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def fields_section(pairs: Sequence[tuple[str, str]]) -> Block:
    """A section of up to 10 two-column fields (``*label*\\nvalue``)."""
    return {
        "type": "section",
        "fields": [mrkdwn(clip(f"*{label}*\n{value}", 2000)) for label, value in pairs[:10]],
    }


def input_block(
    block_id: str,
    label: str,
    element: Block,
    *,
    optional: bool = False,
    hint: str | None = None,
) -> Block:
    """A modal field; its label and hint are clipped to what Slack accepts."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LABEL_LIMIT),
        "element": element,
    }
    if optional:
        block["optional"] = True
    if hint:
        block["hint"] = plain(hint, LABEL_LIMIT)
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text)}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str = "",
    *,
    style: str | None = None,
    url: str | None = None,
) -> Block:
    element: Block = {"type": "button", "text": plain(text, 75), "action_id": action_id}
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    if url:
        element["url"] = url[:3000]
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT_LIMIT), "value": value[:150]}


def bullet_list(items: Sequence[str], *, limit: int = TEXT_LIMIT) -> str:
    """Bullet lines that fit in one text object; the rest are counted as "and N more"."""
    lines: list[str] = []
    used = 0
    for index, item in enumerate(items):
        line = f"• {item}"
        remaining = len(items) - index
        reserve = len(f"\n… and {remaining} more")
        if used + len(line) + 1 + reserve > limit:
            lines.append(f"… and {remaining} more")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


def fit_blocks(blocks: list[Block], limit: int = MESSAGE_BLOCK_LIMIT) -> list[Block]:
    """Keep a surface within its block limit, replacing the overflow with a count."""
    if len(blocks) <= limit:
        return blocks
    hidden = len(blocks) - (limit - 1)
    return [*blocks[: limit - 1], context(f"… and {hidden} more not shown")]
