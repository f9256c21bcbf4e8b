"""Block Kit and Slack mrkdwn rendered as readable plain text (the demo's transcript).

It copes with any message or view: blocks it does not know are shown as ``[<type>]``
rather than dropped, so a capability added later still appears in the transcript.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

Names = Callable[[str], str]

_TOKEN = re.compile(r"<([^<>]+)>")


def mrkdwn_to_text(text: str, *, user: Names = str, channel: Names = str) -> str:
    """``<@U1>`` -> ``@Alex``, ``<#C1>`` -> ``#inc-1``, ``<url|label>`` -> ``label (url)``,
    dates to their fallback, Slack's ``&lt; &gt; &amp;`` back to characters."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return f"@{label or user(target[1:])}"
        if target.startswith("#"):
            return f"#{label or channel(target[1:])}"
        if target.startswith("!subteam^"):
            return label if label.startswith("@") else f"@{label or target.split('^', 1)[1]}"
        if target.startswith("!date^"):
            return label or _date_token(target)
        if target.startswith("!"):
            return f"@{label or target[1:]}"
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_TOKEN.sub(replace, text))


def _date_token(token: str) -> str:
    parts = token.split("^")
    try:
        moment = datetime.fromtimestamp(int(parts[1]), UTC)
    except (IndexError, ValueError):
        return token
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class BlockText:
    """Renders blocks and views with the workspace's user and channel names."""

    def __init__(self, *, user: Names = str, channel: Names = str) -> None:
        self._user = user
        self._channel = channel

    def text(self, obj: Any) -> str:
        """A text object (plain_text or mrkdwn) or a bare string as plain text."""
        if obj is None:
            return ""
        if isinstance(obj, str):
            return mrkdwn_to_text(obj, user=self._user, channel=self._channel)
        if isinstance(obj, Mapping):
            raw = str(obj.get("text", ""))
            if obj.get("type") == "plain_text":
                return raw
            return mrkdwn_to_text(raw, user=self._user, channel=self._channel)
        return str(obj)

    def message(self, text: str | None, blocks: Iterable[Mapping[str, Any]] | None) -> list[str]:
        """Lines for a message: its blocks when it has them, else its text."""
        rendered = self.blocks(blocks or [])
        if rendered:
            return rendered
        return self.text(text or "").splitlines() or [""]

    def view(self, view: Mapping[str, Any]) -> list[str]:
        lines: list[str] = []
        if view.get("type") == "modal":
            lines.append(f"┌ {self.text(view.get('title'))} ┐")
        lines.extend(self.blocks(view.get("blocks") or []))
        buttons = [f"[{self.text(view[key])}]" for key in ("close", "submit") if view.get(key)]
        if buttons:
            lines.append(" ".join(buttons))
        return lines

    def blocks(self, blocks: Iterable[Mapping[str, Any]]) -> list[str]:
        lines: list[str] = []
        for block in blocks:
            lines.extend(self.block(block))
        return lines

    def block(self, block: Mapping[str, Any]) -> list[str]:
        kind = block.get("type")
        if kind in ("section", "markdown", "header"):
            return self._section(block)
        if kind == "context":
            parts = [self._element(e) for e in block.get("elements", [])]
            return ["  " + line for line in " ".join(parts).splitlines()]
        if kind == "divider":
            return ["────────"]
        if kind == "actions":
            return [" ".join(self._element(e) for e in block.get("elements", []))]
        if kind == "input":
            return self._input(block)
        if kind == "image":
            return [f"[Image: {block.get('alt_text', '')}]"]
        if kind == "rich_text":
            return _rich_text(block).splitlines()
        return [f"[{kind} block]"]

    def _section(self, block: Mapping[str, Any]) -> list[str]:
        lines: list[str] = []
        if block.get("type") == "markdown":
            lines.extend(self.text(str(block.get("text", ""))).splitlines())
        elif block.get("type") == "header":
            lines.append(self.text(block.get("text")).upper())
        elif block.get("text"):
            lines.extend(self.text(block.get("text")).splitlines())
        for field in block.get("fields", []) or []:
            lines.append("  " + " ".join(self.text(field).splitlines()))
        accessory = block.get("accessory")
        if accessory:
            lines.append("  " + self._element(accessory))
        return lines

    def _element(self, element: Mapping[str, Any]) -> str:
        kind = element.get("type")
        if kind in ("mrkdwn", "plain_text"):
            return self.text(element)
        if kind == "button":
            return f"[{self.text(element.get('text'))}]"
        if kind == "image":
            return f"[Image: {element.get('alt_text', '')}]"
        if kind == "overflow":
            return "[⋯]"
        return f"[{self._value(element) or kind}]"

    def _input(self, block: Mapping[str, Any]) -> list[str]:
        element = block.get("element") or {}
        label = self.text(block.get("label"))
        marker = "" if block.get("optional") else " *"
        text = str(element.get("initial_value") or "")
        if element.get("multiline") and (len(text) > 80 or "\n" in text):
            # A long prefilled text area (a drafted message) is read in full, line by line.
            lines = [f"{label}{marker}:", *(f"  │ {line}".rstrip() for line in text.splitlines())]
        else:
            lines = [f"{label}{marker}: [{self._value(element) or '…'}]"]
        if block.get("hint"):
            lines.append(f"    ({self.text(block['hint'])})")
        return lines

    def _value(self, element: Mapping[str, Any]) -> str:
        """What an input shows: its initial value, else its placeholder, else its kind."""
        kind = str(element.get("type", ""))
        if element.get("initial_option"):
            return self.text(element["initial_option"].get("text")) + " ▾"
        if element.get("initial_options"):
            chosen = ", ".join(self.text(o.get("text")) for o in element["initial_options"])
            return chosen + " ▾"
        if element.get("initial_value"):
            value = str(element["initial_value"])
            return value if len(value) <= 200 else f"{value[:197]}…"
        if element.get("initial_user"):
            return "@" + self._user(str(element["initial_user"]))
        if element.get("initial_date_time"):
            return _date_token(f"!date^{element['initial_date_time']}")
        placeholder = self.text(element.get("placeholder"))
        if kind.endswith("select"):
            count = len(element.get("options") or [])
            choices = f", {count} choice{'s' if count != 1 else ''}" if count else ""
            return f"{placeholder or 'choose'}{choices} ▾"
        if kind == "datetimepicker":
            return "date and time"
        return placeholder or kind.replace("_", " ")


def _rich_text(block: Mapping[str, Any]) -> str:
    def walk(node: Any) -> str:
        if isinstance(node, Mapping):
            if "text" in node and isinstance(node["text"], str):
                return node["text"]
            return "".join(walk(child) for child in node.get("elements", []))
        if isinstance(node, list):
            return "".join(walk(child) for child in node)
        return ""

    return walk(block.get("elements", []))
