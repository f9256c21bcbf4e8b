"""The Notifier port in memory: flows run and are checked without HTTP or a fake server.

It records every call, keeps what Slack would keep (messages by channel, the topic, pins,
members, Home views) so that edits and re-reads behave, answers ``users.info`` and user
groups from data it is given, and fails a method with a given Slack error when told to.
Ids and timestamps look like Slack's and only grow, so tests can order by them.

What it does not do: validate Block Kit (the fake Slack of the end-to-end tests does) or
model rate limits and retries (bot/slack/client.py's tests cover those).
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.slack.errors import UserGone, UsergroupNotFound, error_for
from bot.slack.notifier import JOB_EVENT_TYPE, PostedMessage, SlackUser

# The Web API method behind each port method, for the ``method`` of the errors raised.
SLACK_METHODS = {
    "post": "chat.postMessage",
    "dm": "chat.postMessage",
    "find_job_message": "conversations.history",
    "update": "chat.update",
    "ephemeral": "chat.postEphemeral",
    "permalink": "chat.getPermalink",
    "join": "conversations.join",
    "invite": "conversations.invite",
    "set_topic": "conversations.setTopic",
    "create_channel": "conversations.create",
    "user_id_by_email": "users.lookupByEmail",
    "add_bookmark": "bookmarks.add",
    "pin": "pins.add",
    "channel_info": "conversations.info",
    "user": "users.info",
    "usergroup_members": "usergroups.users.list",
    "open_view": "views.open",
    "update_view": "views.update",
    "publish_home": "views.publish",
    "upload": "files.completeUploadExternal",
}
FIRST_TS_SECONDS = 1_700_000_000


@dataclass(frozen=True)
class Call:
    """One call of the port: its method name (``post``, ``dm`` ...) and its arguments."""

    method: str
    args: dict[str, Any]


@dataclass
class Message:
    """A message as it stands now (``edits`` counts chat.update calls on it)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None = None
    edits: int = 0
    metadata: dict[str, Any] | None = None


@dataclass
class _Failure:
    error: str
    times: int | None
    permanent: bool | None


@dataclass
class InMemoryNotifier:
    """A Notifier that answers from memory. Thread-safe: reminders are sent from a pool."""

    users: dict[str, SlackUser] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # lower-cased email -> user id
    # What was sent, as Slack would keep it.
    calls: list[Call] = field(default_factory=list, init=False, repr=False)
    messages: dict[str, list[Message]] = field(
        default_factory=lambda: defaultdict(list), init=False, repr=False
    )
    ephemerals: list[Call] = field(default_factory=list, init=False, repr=False)
    views: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict, init=False, repr=False)
    pins: dict[str, list[str]] = field(
        default_factory=lambda: defaultdict(list), init=False, repr=False
    )
    uploads: list[Call] = field(default_factory=list, init=False, repr=False)
    bookmarks: dict[str, list[dict[str, str]]] = field(
        default_factory=lambda: defaultdict(list), init=False, repr=False
    )
    _failures: dict[str, list[_Failure]] = field(
        default_factory=lambda: defaultdict(list), init=False, repr=False
    )
    _counter: itertools.count[int] = field(
        default_factory=lambda: itertools.count(1), init=False, repr=False
    )
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    # Setting the scene -------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        tz: str = "UTC",
        deleted: bool = False,
        is_bot: bool = False,
        email: str | None = None,
    ) -> None:
        self.users[user_id] = SlackUser(user_id, name or user_id, tz, deleted, is_bot)
        if email:
            self.emails[email.strip().lower()] = user_id

    def add_usergroup(self, usergroup_id: str, members: list[str]) -> None:
        self.usergroups[usergroup_id] = list(members)

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        member: bool = True,
        private: bool = False,
        archived: bool = False,
        topic: str = "",
    ) -> None:
        """A channel as conversations.info describes it (unknown channels: a public one the
        app is in, with no topic)."""
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name or channel_id,
            "is_member": member,
            "is_private": private,
            "is_archived": archived,
            "topic": {"value": topic},
            "members": [],
        }

    def fail(
        self, method: str, error: str, *, times: int | None = 1, permanent: bool | None = None
    ) -> None:
        """Make the next ``times`` calls of ``method`` (a port method name, e.g. ``dm``)
        fail with Slack's ``error``, typed as SlackNotifier would type it; ``times=None``
        fails every call. ``permanent`` overrides the family's verdict."""
        if method not in SLACK_METHODS:
            raise ValueError(f"the Notifier has no method {method!r}")
        with self._lock:
            self._failures[method].append(_Failure(error, times, permanent))

    # What happened -----------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def channel_messages(self, channel: str) -> list[Message]:
        with self._lock:
            return list(self.messages.get(channel, []))

    def dms(self, user_id: str) -> list[Message]:
        """Messages in the app's DM with ``user_id`` (sent with ``dm`` or ``post``)."""
        return self.channel_messages(dm_channel(user_id))

    def topic(self, channel: str) -> str:
        with self._lock:
            return str(self._channel(channel)["topic"]["value"])

    def members(self, channel: str) -> list[str]:
        with self._lock:
            return list(self._channel(channel)["members"])

    # The port ----------------------------------------------------------------------

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> PostedMessage:
        with self._lock:
            self._record(
                "post",
                channel=channel,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                metadata=metadata,
            )
            return self._store(channel, text, blocks, thread_ts, metadata)

    def dm(
        self,
        user_id: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        metadata: dict[str, Any] | None = None,
    ) -> PostedMessage:
        with self._lock:
            self._record("dm", user_id=user_id, text=text, blocks=blocks, metadata=metadata)
            return self._store(user_id, text, blocks, None, metadata)

    def find_job_message(self, channel: str, job_key: str, since: datetime) -> PostedMessage | None:
        """The message tagged for ``job_key`` in ``channel`` (a user id means the DM).

        Every message kept counts as recent: in-memory timestamps are not clock times.
        """
        with self._lock:
            self._record("find_job_message", channel=channel, job_key=job_key)
            conversation = dm_channel(channel) if channel[:1] in ("U", "W") else channel
            for message in reversed(self.messages.get(conversation, [])):
                tag = message.metadata or {}
                if (
                    tag.get("event_type") == JOB_EVENT_TYPE
                    and (tag.get("event_payload") or {}).get("job") == job_key
                ):
                    return PostedMessage(channel=conversation, ts=message.ts)
            return None

    def update(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        with self._lock:
            self._record("update", channel=channel, ts=ts, text=text, blocks=blocks)
            message = self._find(channel, ts)
            message.text, message.blocks = text, blocks
            message.edits += 1

    def ephemeral(
        self, channel: str, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        with self._lock:
            call = self._record(
                "ephemeral", channel=channel, user_id=user_id, text=text, blocks=blocks
            )
            self.ephemerals.append(call)

    def permalink(self, channel: str, ts: str) -> str | None:
        with self._lock:
            self._record("permalink", channel=channel, ts=ts)
            return f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"

    def join(self, channel: str) -> None:
        with self._lock:
            self._record("join", channel=channel)
            self._channel(channel)["is_member"] = True

    def invite(self, channel: str, user_ids: list[str]) -> None:
        with self._lock:
            self._record("invite", channel=channel, user_ids=list(user_ids))
            members = self._channel(channel)["members"]
            members.extend(user for user in user_ids if user not in members)

    def create_channel(self, name: str) -> str:
        with self._lock:
            self._record("create_channel", name=name)
            if any(info["name"] == name for info in self.channels.values()):
                raise error_for("conversations.create", "name_taken")
            channel_id = self._next_id("C")
            self.add_channel(channel_id, name)
            return channel_id

    def add_bookmark(self, channel: str, title: str, link: str) -> None:
        with self._lock:
            self._record("add_bookmark", channel=channel, title=title, link=link)
            self.bookmarks[channel].append({"title": title, "link": link})

    def set_topic(self, channel: str, topic: str) -> None:
        with self._lock:
            self._record("set_topic", channel=channel, topic=topic)
            self._channel(channel)["topic"] = {"value": topic[:250]}

    def pin(self, channel: str, ts: str) -> None:
        with self._lock:
            self._record("pin", channel=channel, ts=ts)
            if ts not in self.pins[channel]:
                self.pins[channel].append(ts)

    def channel_info(self, channel: str) -> dict[str, Any]:
        with self._lock:
            self._record("channel_info", channel=channel)
            return {k: v for k, v in self._channel(channel).items() if k != "members"}

    def user(self, user_id: str) -> SlackUser:
        with self._lock:
            self._record("user", user_id=user_id)
            if user_id not in self.users:
                raise UserGone("users.info", "user_not_found")
            return self.users[user_id]

    def user_id_by_email(self, email: str) -> str | None:
        with self._lock:
            self._record("user_id_by_email", email=email)
            return self.emails.get(email.strip().lower())

    def usergroup_members(self, usergroup_id: str) -> list[str]:
        with self._lock:
            self._record("usergroup_members", usergroup_id=usergroup_id)
            if usergroup_id not in self.usergroups:
                raise UsergroupNotFound("usergroups.users.list", "no_such_subteam")
            return list(self.usergroups[usergroup_id])

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> str:
        with self._lock:
            self._record("open_view", trigger_id=trigger_id, view=view)
            view_id = self._next_id("V")
            self.views[view_id] = view
            return view_id

    def update_view(self, view_id: str, view: dict[str, Any]) -> None:
        with self._lock:
            self._record("update_view", view_id=view_id, view=view)
            self.views[view_id] = view

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        with self._lock:
            self._record("publish_home", user_id=user_id, view=view)
            self.homes[user_id] = view

    def upload(
        self,
        channel: str,
        *,
        filename: str,
        content: bytes,
        title: str,
        initial_comment: str | None = None,
        alt_text: str | None = None,
    ) -> str | None:
        with self._lock:
            call = self._record(
                "upload",
                channel=channel,
                filename=filename,
                content=content,
                title=title,
                initial_comment=initial_comment,
                alt_text=alt_text,
            )
            self.uploads.append(call)
            return self._next_id("F")

    # Internals ---------------------------------------------------------------------

    def _record(self, method: str, **args: Any) -> Call:
        """Record the call, then raise the failure planned for it, if any."""
        call = Call(method, args)
        self.calls.append(call)
        planned = self._failures.get(method)
        if planned:
            failure = planned[0]
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    planned.pop(0)
            error = error_for(SLACK_METHODS[method], failure.error)
            if failure.permanent is not None:
                error.permanent = failure.permanent
            raise error
        return call

    def _store(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        thread_ts: str | None,
        metadata: dict[str, Any] | None = None,
    ) -> PostedMessage:
        if channel[:1] in ("U", "W"):
            channel = dm_channel(channel)
        info = self._channel(channel)
        if info["is_archived"]:
            raise error_for("chat.postMessage", "is_archived")
        if not info["is_member"]:
            if info["is_private"]:
                raise error_for("chat.postMessage", "not_in_channel")
            info["is_member"] = True  # SlackNotifier joins a public channel and posts again
        message = Message(channel, self._next_ts(), text, blocks, thread_ts, metadata=metadata)
        self.messages[channel].append(message)
        return PostedMessage(channel=channel, ts=message.ts)

    def _find(self, channel: str, ts: str) -> Message:
        for message in self.messages.get(channel, []):
            if message.ts == ts:
                return message
        raise error_for("chat.update", "message_not_found")

    def _channel(self, channel: str) -> dict[str, Any]:
        if channel not in self.channels:
            self.add_channel(channel)
        return self.channels[channel]

    def _next_ts(self) -> str:
        n = next(self._counter)
        return f"{FIRST_TS_SECONDS + n}.{n * 100 % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):08d}"


def dm_channel(user_id: str) -> str:
    """The id of the app's DM with a user (``D`` + their id, as the fake Slack has it)."""
    return f"D{user_id}"
