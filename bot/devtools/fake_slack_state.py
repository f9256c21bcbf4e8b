"""The fake Slack workspace: users, conversations, messages, views and files.

Plain data plus the few lookups every Web API method needs (resolve a channel
argument, find a message, mint ids and timestamps). Method handlers change it
while FakeSlack holds its lock, so nothing here locks on its own.
"""

from __future__ import annotations

import itertools
import mimetypes
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.devtools.fake_slack_validation import SurfaceChecker

FIRST_TS_SECONDS = 1_700_000_000
PERMALINK_BASE = "https://fake.slack.com/archives"


class ApiError(Exception):
    """A Slack error answer ``{"ok": false, "error": ...}``.

    ``violation`` is set when the error means the app sent something real Slack would
    refuse (a missing argument, invalid blocks), as opposed to an ordinary answer the
    app must handle (``channel_not_found`` for a channel that really does not exist).
    """

    def __init__(
        self,
        error: str,
        *,
        violation: str | None = None,
        extra: Mapping[str, Any] | None = None,
        status: int = 200,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.violation = violation
        self.extra = dict(extra or {})
        self.status = status


def parse_bool(value: Any) -> bool:
    """slack_sdk sends booleans as "1"/"0" in form bodies and as true/false in JSON."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def require(params: Mapping[str, Any], *names: str, error: str = "invalid_arguments") -> None:
    """Answer ``error`` and record a violation when a required argument is absent or empty."""
    missing = [name for name in names if params.get(name) in (None, "", [], {})]
    if missing:
        raise ApiError(error, violation=f"missing required argument {', '.join(missing)}")


def split_ids(value: Any) -> list[str]:
    """A comma-separated id list (``users=U1,U2``), or a JSON list when sent as JSON."""
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if str(item).strip()]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


@dataclass
class User:
    """A workspace member as users.info describes them."""

    id: str
    name: str
    real_name: str
    tz: str
    tz_offset: int
    deleted: bool = False
    is_bot: bool = False
    email: str | None = None

    def to_api(self, team_id: str) -> dict[str, Any]:
        label = datetime.now(ZoneInfo(self.tz)).tzname() or self.tz
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": self.tz,
            "tz_label": label,
            "tz_offset": self.tz_offset,
            "profile": profile,
        }


def tz_offset_now(tz: str) -> int:
    """Seconds east of UTC for ``tz`` right now, as Slack reports ``tz_offset``."""
    offset = datetime.now(UTC).astimezone(ZoneInfo(tz)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


@dataclass
class Channel:
    """A public/private channel, a DM (``is_im``) or a group DM (``is_mpim``)."""

    id: str
    name: str
    is_private: bool = False
    archived: bool = False
    members: list[str] = field(default_factory=list)
    topic: str = ""
    created: int = FIRST_TS_SECONDS
    is_im: bool = False
    is_mpim: bool = False
    im_user: str | None = None

    def to_api(self, bot_user_id: str) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_mpim,
            "is_group": False,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private or self.is_mpim,
            "is_archived": self.archived,
            "is_general": False,
            "is_member": bot_user_id in self.members,
            "created": self.created,
            "creator": "",
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "num_members": len(self.members),
        }


@dataclass
class StoredFile:
    """A file from files.getUploadURLExternal, filled by the upload and completed later."""

    id: str
    name: str
    declared_length: int
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False

    @property
    def length(self) -> int:
        """Bytes actually uploaded (0 before the upload)."""
        return len(self.content or b"")

    def to_api(self, bot_user_id: str) -> dict[str, Any]:
        mimetype = mimetypes.guess_type(self.name)[0] or "application/octet-stream"
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": mimetype,
            "filetype": self.name.rsplit(".", 1)[-1] if "." in self.name else "binary",
            "size": self.length,
            "user": bot_user_id,
            "channels": [self.channel] if self.channel else [],
            "url_private": f"https://files.fake.slack.com/files-pri/{self.id}/{self.name}",
            "permalink": f"https://fake.slack.com/files/{bot_user_id}/{self.id}/{self.name}",
        }


@dataclass
class Workspace:
    """All state of one FakeSlack; mutated only under FakeSlack's lock."""

    team_id: str
    bot_user_id: str
    checker: SurfaceChecker
    public_url: Callable[[str], str]
    bot_id: str = "B0001"
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    usergroups: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    pins: dict[str, list[str]] = field(default_factory=dict)
    bookmarks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reactions: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_ts(self) -> str:
        """A unique, increasing message timestamp like ``1700000001.000100``."""
        n = next(self._counter)
        return f"{FIRST_TS_SECONDS + n}.{n * 100 % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        """A Slack-looking id (``V00000007``) unique within this workspace."""
        return f"{prefix}{next(self._counter):08d}"

    def dm_channel_id(self, user_id: str) -> str:
        """The stable DM id of a user: ``D`` + their id."""
        return f"D{user_id}"

    def ensure_dm(self, user_id: str) -> Channel:
        """The bot's DM with a user, created on first use as conversations.open would."""
        channel_id = self.dm_channel_id(user_id)
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(
                id=channel_id,
                name=channel_id,
                is_im=True,
                im_user=user_id,
                members=[self.bot_user_id, user_id],
            )
        return self.channels[channel_id]

    def resolve_channel(self, value: Any, *, allow_user: bool = True) -> Channel:
        """A ``channel`` argument as Slack reads it: a C/G id, a D id, or (for posting) a
        user id, which means the bot's DM with that user."""
        channel_id = str(value or "")
        if channel_id in self.channels:
            return self.channels[channel_id]
        if channel_id.startswith("D") and channel_id[1:] in self.users:
            return self.ensure_dm(channel_id[1:])
        if allow_user and channel_id in self.users:
            return self.ensure_dm(channel_id)
        raise ApiError("channel_not_found")

    def next_hash(self) -> str:
        """A view hash; changes on every update so stale ``hash`` arguments can be caught."""
        return f"{FIRST_TS_SECONDS}.{next(self._counter):08x}"

    def find_message(self, channel_id: str, ts: Any) -> dict[str, Any]:
        for message in self.messages.get(channel_id, []):
            if message["ts"] == ts:
                return message
        raise ApiError("message_not_found")

    def add_message(
        self,
        channel_id: str,
        *,
        text: str,
        user: str,
        blocks: list[Any] | None = None,
        thread_ts: str | None = None,
        ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "ts": ts or self.next_ts(),
            "text": text,
            "blocks": blocks,
            "user": user,
            "edited": False,
            # Message ts here are a synthetic sequence, so history's ``oldest`` is compared
            # with the (wall-clock) moment the message arrived instead.
            "received_at": time.time(),
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        if metadata:
            message["metadata"] = metadata
        self.messages.setdefault(channel_id, []).append(message)
        return message

    def message_to_api(
        self, message: dict[str, Any], *, with_metadata: bool = True
    ) -> dict[str, Any]:
        """A stored message as chat.postMessage / chat.update / history show it."""
        shown: dict[str, Any] = {
            "type": "message",
            "text": message["text"],
            "user": message["user"],
            "ts": message["ts"],
            "team": self.team_id,
        }
        if message["user"] == self.bot_user_id:
            shown["bot_id"] = self.bot_id
        if message.get("blocks") is not None:
            shown["blocks"] = message["blocks"]
        if "thread_ts" in message:
            shown["thread_ts"] = message["thread_ts"]
        if message["edited"]:
            shown["edited"] = {"user": message["user"], "ts": message["ts"]}
        if with_metadata and message.get("metadata"):
            shown["metadata"] = message["metadata"]
        return shown


def paginate(items: list[Any], params: Mapping[str, Any], default_limit: int) -> tuple[list, str]:
    """One page of a cursor-paginated list; the cursor is the next offset, kept opaque-looking."""
    cursor = str(params.get("cursor") or "")
    start = int(cursor.removeprefix("next_")) if cursor.startswith("next_") else 0
    limit = int(params.get("limit") or default_limit or 0)
    if limit <= 0:
        return items[start:], ""
    end = start + limit
    return items[start:end], (f"next_{end}" if end < len(items) else "")
