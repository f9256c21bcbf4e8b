"""Atlassian Document Format, the JSON Jira Cloud's REST v3 takes for rich text.

Only the few nodes an impact description needs: headings, paragraphs, bullet lists, text
with an optional link. Empty text nodes are invalid ADF, so they are dropped here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Node = dict[str, Any]


def text(value: str, *, href: str | None = None, strong: bool = False) -> Node:
    node: Node = {"type": "text", "text": value}
    marks: list[Node] = []
    if href:
        marks.append({"type": "link", "attrs": {"href": href}})
    if strong:
        marks.append({"type": "strong"})
    if marks:
        node["marks"] = marks
    return node


def paragraph(*parts: Node | str) -> Node:
    content = [text(p) if isinstance(p, str) else p for p in parts]
    return {"type": "paragraph", "content": [n for n in content if n.get("text")]}


def heading(value: str, level: int = 3) -> Node:
    return {"type": "heading", "attrs": {"level": level}, "content": [text(value)]}


def bullets(items: Iterable[Node | str]) -> Node:
    return {
        "type": "bulletList",
        "content": [{"type": "listItem", "content": [paragraph(item)]} for item in items],
    }


def document(*blocks: Node | None) -> Node:
    content = [
        block
        for block in blocks
        if block is not None and (block.get("content") or block["type"] == "rule")
    ]
    return {"type": "doc", "version": 1, "content": content}
