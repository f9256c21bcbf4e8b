"""The port through which services and scheduled jobs talk to Slack.

``Notifier`` is the port: what Liaison asks of Slack, in its own words. ``SlackNotifier``
implements it with slack_sdk's WebClient; bot/devtools/memory_notifier.py implements it in
memory so flows can be tested without HTTP. Every failure surfaces as one of the typed
errors of bot/slack/errors.py, whatever the method. Nothing here knows about Bolt.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from slack_sdk import WebClient

from bot.slack.client import classify
from bot.slack.errors import AlreadyInChannel, AlreadyPinned, NotInChannel, SlackDeliveryError

log = logging.getLogger(__name__)

# Slack message metadata type of every message a durable job posts (see bot/jobs/outbox.py).
JOB_EVENT_TYPE = "liaison_job"
# How far back a reclaimed job reads a conversation for its message: pages of HISTORY_PAGE.
HISTORY_PAGE = 200
HISTORY_PAGES = 5


@dataclass(frozen=True)
class PostedMessage:
    channel: str
    ts: str


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    tz: str
    deleted: bool
    is_bot: bool


class Notifier(Protocol):
    """What services and reminder handlers may ask of Slack.

    Every method raises a ``SlackDeliveryError`` subclass when Slack refuses or cannot be
    reached; ``post`` and ``upload`` join a public channel the app is not in yet, ``invite``
    and ``pin`` treat "already so" as success.
    """

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> PostedMessage: ...

    def dm(
        self,
        user_id: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        metadata: dict[str, Any] | None = None,
    ) -> PostedMessage: ...

    def find_job_message(
        self, channel: str, job_key: str, since: datetime
    ) -> PostedMessage | None: ...

    def update(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None: ...

    def ephemeral(
        self, channel: str, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None: ...

    def permalink(self, channel: str, ts: str) -> str | None: ...

    def join(self, channel: str) -> None: ...

    def invite(self, channel: str, user_ids: list[str]) -> None: ...

    def set_topic(self, channel: str, topic: str) -> None: ...

    def create_channel(self, name: str) -> str: ...

    def add_bookmark(self, channel: str, title: str, link: str) -> None: ...

    def pin(self, channel: str, ts: str) -> None: ...

    def channel_info(self, channel: str) -> dict[str, Any]: ...

    def user(self, user_id: str) -> SlackUser: ...

    def user_id_by_email(self, email: str) -> str | None: ...

    def usergroup_members(self, usergroup_id: str) -> list[str]: ...

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> str: ...

    def update_view(self, view_id: str, view: dict[str, Any]) -> None: ...

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None: ...

    def upload(
        self,
        channel: str,
        *,
        filename: str,
        content: bytes,
        title: str,
        initial_comment: str | None = None,
        alt_text: str | None = None,
    ) -> str | None: ...


class SlackNotifier:
    """The Notifier over the Web API: a thin, typed wrapper of the methods Liaison uses."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        """Call a Web API method by its Slack name through slack_sdk's typed wrapper.

        The typed wrappers know which methods need form encoding or GET (read methods
        such as users.info do not accept JSON bodies).
        """
        function = getattr(self.client, method.replace(".", "_"))
        try:
            response = function(**_drop_none(kwargs))
        except Exception as exc:
            raise classify(method, exc) from exc
        return dict(response.data) if isinstance(response.data, dict) else {}

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> PostedMessage:
        """Post a message (``channel`` may be a user id: Slack delivers it as a DM).

        In a public channel the bot has not joined yet, it joins and tries once more.
        ``metadata`` is Slack message metadata (``event_type``, ``event_payload``).
        """
        arguments = {
            "channel": channel,
            "text": text,
            "blocks": blocks,
            "thread_ts": thread_ts,
            "metadata": metadata,
        }
        try:
            data = self._call("chat.postMessage", unfurl_links=False, **arguments)
        except NotInChannel:
            self.join(channel)
            data = self._call("chat.postMessage", unfurl_links=False, **arguments)
        return PostedMessage(channel=data.get("channel", channel), ts=data["ts"])

    def dm(
        self,
        user_id: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        metadata: dict[str, Any] | None = None,
    ) -> PostedMessage:
        return self.post(user_id, text, blocks, metadata=metadata)

    def find_job_message(self, channel: str, job_key: str, since: datetime) -> PostedMessage | None:
        """The message tagged with ``job_key`` posted in ``channel`` (or the DM with a user
        id) since ``since``, if any: read from conversations.history with its metadata.

        Reads at most HISTORY_PAGES pages, newest first; needs the ``*:history`` scope of
        the conversation's type (and ``im:write`` to find a DM's id from a user id).
        """
        conversation = channel
        if channel[:1] in ("U", "W"):
            opened = self._call("conversations.open", users=channel)
            conversation = opened.get("channel", {}).get("id", channel)
        cursor = None
        for _ in range(HISTORY_PAGES):
            data = self._call(
                "conversations.history",
                channel=conversation,
                oldest=f"{since.timestamp():.6f}",
                include_all_metadata=True,
                limit=HISTORY_PAGE,
                cursor=cursor,
            )
            for message in data.get("messages", []):
                tag = message.get("metadata") or {}
                if (
                    tag.get("event_type") == JOB_EVENT_TYPE
                    and (tag.get("event_payload") or {}).get("job") == job_key
                ):
                    return PostedMessage(channel=conversation, ts=message["ts"])
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not data.get("has_more") or not cursor:
                return None
        return None

    def update(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        self._call("chat.update", channel=channel, ts=ts, text=text, blocks=blocks)

    def ephemeral(
        self, channel: str, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        self._call("chat.postEphemeral", channel=channel, user=user_id, text=text, blocks=blocks)

    def permalink(self, channel: str, ts: str) -> str | None:
        return self._call("chat.getPermalink", channel=channel, message_ts=ts).get("permalink")

    def join(self, channel: str) -> None:
        self._call("conversations.join", channel=channel)

    def invite(self, channel: str, user_ids: list[str]) -> None:
        """Invite users; being in the channel already is success, not an error."""
        with contextlib.suppress(AlreadyInChannel):
            self._call("conversations.invite", channel=channel, users=",".join(user_ids))

    def create_channel(self, name: str) -> str:
        """Create a public channel (the bot is its first member); its id."""
        return str(self._call("conversations.create", name=name)["channel"]["id"])

    def add_bookmark(self, channel: str, title: str, link: str) -> None:
        self._call("bookmarks.add", channel_id=channel, title=title[:100], type="link", link=link)

    def set_topic(self, channel: str, topic: str) -> None:
        self._call("conversations.setTopic", channel=channel, topic=topic[:250])

    def pin(self, channel: str, ts: str) -> None:
        with contextlib.suppress(AlreadyPinned):
            self._call("pins.add", channel=channel, timestamp=ts)

    def channel_info(self, channel: str) -> dict[str, Any]:
        return self._call("conversations.info", channel=channel).get("channel", {})

    def user(self, user_id: str) -> SlackUser:
        data = self._call("users.info", user=user_id)["user"]
        return SlackUser(
            id=data["id"],
            name=data.get("real_name") or data.get("name") or data["id"],
            tz=data.get("tz") or "UTC",
            deleted=bool(data.get("deleted")),
            is_bot=bool(data.get("is_bot")),
        )

    def user_id_by_email(self, email: str) -> str | None:
        """The Slack user with this email (users.lookupByEmail), or None when nobody has it."""
        try:
            return str(self._call("users.lookupByEmail", email=email)["user"]["id"])
        except SlackDeliveryError as exc:
            if exc.error == "users_not_found":
                return None
            raise

    def usergroup_members(self, usergroup_id: str) -> list[str]:
        return list(self._call("usergroups.users.list", usergroup=usergroup_id).get("users", []))

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> str:
        return self._call("views.open", trigger_id=trigger_id, view=view)["view"]["id"]

    def update_view(self, view_id: str, view: dict[str, Any]) -> None:
        self._call("views.update", view_id=view_id, view=view)

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._call("views.publish", user_id=user_id, view=view)

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
        """Share a file in a channel (files.getUploadURLExternal + completeUploadExternal).

        Like ``post``, joins a public channel it is not in yet and tries once more. Returns
        the file id.
        """
        arguments = _drop_none(
            {
                "channel": channel,
                "filename": filename,
                "content": content,
                "title": title,
                "initial_comment": initial_comment,
                "alt_txt": alt_text,
            }
        )
        try:
            response = self._upload(arguments)
        except NotInChannel:
            self.join(channel)
            response = self._upload(arguments)
        file = response.get("file") or {}
        return file.get("id") if isinstance(file, dict) else None

    def _upload(self, arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.client.files_upload_v2(**arguments)
        except Exception as exc:
            raise classify("files.completeUploadExternal", exc) from exc
        return dict(response.data) if isinstance(response.data, dict) else {}


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
