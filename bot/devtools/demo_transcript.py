"""The demo's printer: every surface the app produced, in order, as a person would read it.

It reads the fake Slack's call log, so anything any capability sends (messages, DMs,
private replies, modals, Home views, topic changes, pins...) appears without the printer
knowing about that capability. Web API reads (users.info, permalinks) are not output and
are left out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TextIO

from bot.devtools.block_text import BlockText
from bot.devtools.demo_fakes import DemoFakes

INDENT = " " * 9
_SILENT = {
    "auth.test",
    "chat.getPermalink",
    "conversations.info",
    "conversations.join",
    "conversations.members",
    "conversations.open",
    "conversations.history",
    "conversations.replies",
    "conversations.list",
    "users.info",
    "users.list",
    "users.lookupByEmail",
    "usergroups.list",
    "usergroups.users.list",
    "files.getUploadURLExternal",
    "file_upload",
}


class Transcript:
    def __init__(self, fake: Any, out: TextIO, *, others: DemoFakes | None = None) -> None:
        self._fake = fake
        self._out = out
        self._printed = 0
        # The other systems' fakes: each call they receive is one line, under a fixed
        # address (their ports change from run to run).
        self._others = others
        self._aliases = sorted((others.aliases() if others else {}).items())
        self.problems: list[str] = []
        self._text = BlockText(user=self.user_name, channel=self.channel_name)

    # --- names ----------------------------------------------------------------------

    def user_name(self, user_id: str) -> str:
        user = self._fake.users.get(user_id)
        return user.real_name if user else user_id

    def channel_name(self, channel_id: str) -> str:
        channel = self._fake.channels.get(channel_id)
        return channel.name if channel and channel.name else channel_id

    def destination(self, channel: str) -> str:
        """``#name`` for channels, ``DM to <name>`` for a user id or a DM channel."""
        if channel in self._fake.users:
            return f"DM to {self.user_name(channel)}"
        found = self._fake.channels.get(channel)
        if found is not None and getattr(found, "is_im", False):
            return f"DM to {self.user_name(found.im_user or '')}"
        return f"#{self.channel_name(channel)}"

    # --- output ---------------------------------------------------------------------

    def banner(self, start: datetime) -> None:
        self._line("Liaison demo: a scripted incident through the real app and a fake Slack.")
        self._line(f"Simulated time starts {start:%A %d %B %Y, %H:%M} UTC.")

    def narrate(self, now: datetime, text: str) -> None:
        self._line("")
        self._line(f"{_stamp(now)}  ▶ {text}")

    def flush(self, now: datetime, *, actor: str | None = None) -> None:
        """Print every call recorded since the last flush, stamped ``now``."""
        calls = list(self._fake.calls[self._printed :])
        self._printed += len(calls)
        for index, call in enumerate(calls):
            if not _refused_then_retried(calls, index):
                self._call(now, call.method, call.params, actor)
        for line in self._others.new_calls() if self._others else []:
            self._entry(now, line, [])

    def private_reply(self, now: datetime, user: str, body: Mapping[str, Any]) -> None:
        self._entry(now, f"private reply to {self.user_name(user)}", self._message(body))

    def options(self, now: datetime, user: str, typed: str, body: Mapping[str, Any]) -> None:
        options = list(body.get("options") or [])
        for group in body.get("option_groups") or []:
            options.extend(group.get("options") or [])
        labels = [f"• {self._text.text(o.get('text'))}" for o in options] or ["(nothing)"]
        header = f"{self.user_name(user)} types “{typed}”: the menu offers"
        self._entry(now, header, labels)

    def form_errors(
        self, now: datetime, user: str, view: Mapping[str, Any], errors: Mapping[str, str]
    ) -> None:
        labels = {
            b.get("block_id"): self._text.text(b.get("label"))
            for b in view.get("blocks", [])
            if b.get("type") == "input"
        }
        lines = [f"⚠ {labels.get(block, block)}: {message}" for block, message in errors.items()]
        self._entry(now, f"form for {self.user_name(user)} not accepted", lines)

    def problem(self, now: datetime, text: str) -> None:
        self.problems.append(text)
        self._entry(now, "PROBLEM", [text])

    def footer(self, violations: list[str]) -> None:
        self._line("")
        if violations:
            self._line("Slack would have refused:")
            for violation in violations:
                self._line(f"  {violation}")
        self._line("End of the demo.")

    # --- one recorded call ------------------------------------------------------------

    def _call(
        self, now: datetime, method: str, params: Mapping[str, Any], actor: str | None
    ) -> None:
        if method in _SILENT:
            return
        channel = str(params.get("channel", ""))
        if method == "chat.postMessage":
            where = self.destination(channel)
            thread = " (in thread)" if params.get("thread_ts") else ""
            self._entry(now, f"{where}{thread}", self._message(params))
        elif method == "chat.postEphemeral":
            user = self.user_name(str(params.get("user", "")))
            header = f"#{self.channel_name(channel)}, only visible to {user}"
            self._entry(now, header, self._message(params))
        elif method == "chat.update":
            self._entry(now, f"{self.destination(channel)} (message edited)", self._message(params))
        elif method == "chat.delete":
            self._entry(now, f"{self.destination(channel)} (message deleted)", [])
        elif method == "response_url":
            self._response(now, params)
        elif method in ("views.open", "views.push", "views.update"):
            who = f" for {self.user_name(actor)}" if actor else ""
            verb = {"views.open": "modal", "views.push": "modal (stacked)"}.get(method, "modal")
            updated = " updated" if method == "views.update" else ""
            self._entry(now, f"{verb}{updated}{who}", self._text.view(_json(params.get("view"))))
        elif method == "views.publish":
            who = self.user_name(str(params.get("user_id", "")))
            self._entry(now, f"Home tab of {who}", self._text.view(_json(params.get("view"))))
        elif method == "conversations.setTopic":
            self._entry(now, f"{self.destination(channel)} topic", [str(params.get("topic", ""))])
        elif method == "conversations.invite":
            users = [self.user_name(u) for u in str(params.get("users", "")).split(",") if u]
            self._entry(now, f"{self.destination(channel)}", [f"invited {', '.join(users)}"])
        elif method == "pins.add":
            self._entry(now, f"{self.destination(channel)}", ["📌 pinned a message"])
        elif method == "files.completeUploadExternal":
            where = str(params.get("channel_id", ""))
            self._entry(now, self.destination(where), self._uploads(where, params))
        elif method == "conversations.create":
            self._entry(now, f"#{params.get('name')}", ["channel created"])
        elif method == "bookmarks.add":
            bookmark = f"🔖 bookmarked {params.get('title')}: {params.get('link')}"
            self._entry(now, self.destination(str(params.get("channel_id"))), [bookmark])
        elif method == "reactions.add":
            self._entry(now, f"{self.destination(channel)}", [f"reacted :{params.get('name')}:"])
        else:
            summary = ", ".join(f"{k}={v}" for k, v in params.items() if k != "token")
            self._entry(now, method, [summary[:300]])

    def _response(self, now: datetime, params: Mapping[str, Any]) -> None:
        user = str(params.get("response_url_name", ""))
        if params.get("delete_original"):
            self._entry(now, f"deleted the message {self.user_name(user)} acted on", [])
            return
        visible = "reply in the channel" if params.get("response_type") == "in_channel" else None
        header = visible or f"private reply to {self.user_name(user)}"
        if params.get("replace_original"):
            header += " (replacing the original)"
        self._entry(now, header, self._message(params))

    def _uploads(self, channel: str, params: Mapping[str, Any]) -> list[str]:
        """``📈 chart uploaded to #inc-1: <comment> (impact.png)``, one line per file."""
        lines = []
        for entry in _json(params.get("files")) or []:
            stored = self._fake.files.get(str(entry.get("id")))
            name = stored.name if stored else str(entry.get("id"))
            what = "📈 chart" if name.lower().endswith((".png", ".svg", ".jpg")) else "📎 file"
            about = self._text.text(str(params.get("initial_comment") or entry.get("title") or ""))
            lines.append(f"{what} uploaded to #{self.channel_name(channel)}: {about} ({name})")
        return lines

    def _message(self, params: Mapping[str, Any]) -> list[str]:
        blocks = _json(params.get("blocks")) or None
        return self._text.message(str(params.get("text") or ""), blocks)

    def _entry(self, now: datetime, header: str, lines: list[str]) -> None:
        self._line(f"{_stamp(now)}  {header}")
        for line in lines:
            self._line(f"{INDENT}{line}".rstrip())

    def _line(self, text: str) -> None:
        for local, shown in self._aliases:
            text = text.replace(local, shown)
        print(text, file=self._out, flush=True)


def _refused_then_retried(calls: list[Any], index: int) -> bool:
    """A post Slack refused because the bot was not in the channel, which the app then
    joined and posted again (bot/slack/notifier.py): only the second one was delivered."""
    call = calls[index]
    if call.method != "chat.postMessage" or index + 2 >= len(calls):
        return False
    joined, retried = calls[index + 1], calls[index + 2]
    channel = call.params.get("channel")
    return (
        joined.method == "conversations.join"
        and joined.params.get("channel") == channel
        and retried.method == call.method
        and retried.params == call.params
    )


def _stamp(now: datetime) -> str:
    return f"[{now:%H:%M}]"


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return {}
    return value or {}
