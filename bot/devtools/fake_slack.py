"""A fake Slack Web API on localhost, for the end-to-end tests and the demo mode.

Point ``WebClient(base_url=fake.url)`` (or ``SLACK_API_URL``) at it. It answers in
Slack's shapes, keeps a small workspace (users, channels, messages, views, files)
to read back, records every call, and refuses what real Slack would refuse (missing
arguments, Block Kit failing Slack's schema or surface limits), listing each refusal
in ``violations`` so a test fails on it even when the app swallowed the error::

    with FakeSlack() as fake:
        fake.add_channel("C1", "incident-42", members=["UBOT"])
        ...  # drive the app
        fake.wait_for("chat.postMessage")
        assert fake.messages("C1")[0]["text"] == "..."
        assert fake.violations == []
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.devtools import fake_slack_chat, fake_slack_conversations, fake_slack_views_files
from bot.devtools.fake_slack_calls import CallLog, RecordedCall
from bot.devtools.fake_slack_http import FakeSlackServer, Reply
from bot.devtools.fake_slack_state import (
    ApiError,
    Channel,
    StoredFile,
    User,
    Workspace,
    tz_offset_now,
)
from bot.devtools.fake_slack_validation import SurfaceChecker, default_schema_path

logger = logging.getLogger(__name__)

__all__ = ["FakeSlack", "RecordedCall"]

HANDLERS = {
    **fake_slack_chat.HANDLERS,
    **fake_slack_conversations.HANDLERS,
    **fake_slack_views_files.HANDLERS,
}


class FakeSlack:
    """A local Slack Web API server with a seedable workspace and failure injection.

    Not started by the constructor (no side effects until ``start()`` or ``with``).
    The bot user (``bot_user_id``, a bot named "liaison") exists from the start.
    """

    def __init__(
        self,
        *,
        schema_path: Path | None = None,
        bot_user_id: str = "UBOT",
        team_id: str = "T0001",
    ) -> None:
        if schema_path is not None and not Path(schema_path).is_file():
            raise FileNotFoundError(f"Block Kit schema not found: {schema_path}")
        path = Path(schema_path) if schema_path is not None else default_schema_path()
        self._checker = SurfaceChecker(path)
        self.bot_user_id = bot_user_id
        self.team_id = team_id
        self._log = CallLog()
        self.calls = self._log.calls
        self.violations = self._log.violations
        self._changed = self._log.changed
        self._injected: dict[str, deque[Reply]] = defaultdict(deque)
        self._delays: dict[str, float] = {}
        self._server: FakeSlackServer | None = None
        self._thread: threading.Thread | None = None
        self._ws = Workspace(
            team_id=team_id,
            bot_user_id=bot_user_id,
            checker=self._checker,
            public_url=self._public_url,
        )
        self.add_user(bot_user_id, "liaison", real_name="Liaison", is_bot=True)

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind 127.0.0.1 on a free port and serve from a daemon thread."""
        if self._server is None:
            self._server = FakeSlackServer(self)
            # A short poll interval: shutdown() waits for the loop to notice, per fixture.
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.02,), name="fake-slack", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)``; ends with ``/api/``."""
        return self._public_url("api/")

    def response_url(self, name: str = "r") -> str:
        """A response URL whose POSTs are recorded as method ``response_url``, with
        ``params["response_url_name"] == name`` next to the decoded body."""
        return self._public_url(f"response/{quote(name, safe='')}")

    @property
    def schema_loaded(self) -> bool:
        """Whether Block Kit schema validation is on (surface limits always are)."""
        return self._checker.schema_loaded

    def _public_url(self, path: str) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started; call start() or use `with`")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{path}"

    # --- recording -------------------------------------------------------------------

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Recorded calls to one method, in order."""
        return self._log.calls_to(method)

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[RecordedCall], bool] | None = None,
    ) -> list[RecordedCall]:
        """Block until ``count`` matching calls were recorded; see ``CallLog.wait_for``."""
        return self._log.wait_for(method, count, timeout, where)

    def clear(self) -> None:
        """Forget recorded calls (not violations, not state, not injected failures)."""
        self._log.clear()

    # --- seeding ---------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        tz: str = "UTC",
        tz_offset: int | None = None,
        deleted: bool = False,
        is_bot: bool = False,
        email: str | None = None,
    ) -> None:
        """Add or replace a user; ``tz_offset`` defaults to ``tz``'s offset right now."""
        user = User(
            id=user_id,
            name=name,
            real_name=real_name or name,
            tz=tz,
            tz_offset=tz_offset_now(tz) if tz_offset is None else tz_offset,
            deleted=deleted,
            is_bot=is_bot,
            email=email,
        )
        with self._changed:
            self._ws.users[user_id] = user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        archived: bool = False,
        members: Iterable[str] = (),
    ) -> None:
        """Add or replace a channel. The bot is a member only if listed in ``members``;
        otherwise chat.postMessage answers ``not_in_channel`` (private: ``channel_not_found``)
        until conversations.join, as Slack does for a bot without chat:write.public."""
        channel = Channel(
            id=channel_id,
            name=name,
            is_private=is_private,
            archived=archived,
            members=list(dict.fromkeys(members)),
        )
        with self._changed:
            self._ws.channels[channel_id] = channel

    def add_usergroup(self, group_id: str, handle: str, users: Iterable[str]) -> None:
        with self._changed:
            self._ws.usergroups[group_id] = {"id": group_id, "handle": handle, "users": list(users)}

    def add_message(
        self, channel: str, text: str, *, user: str, thread_ts: str | None = None
    ) -> str:
        """Seed a message someone else wrote (e.g. a customer's, for a message shortcut);
        returns its ts, usable with chat.getPermalink, reactions.add and pins.add."""
        with self._changed:
            try:
                channel_id = self._ws.resolve_channel(channel).id
            except ApiError:
                raise KeyError(f"add_message: unknown channel {channel!r}") from None
            message = self._ws.add_message(channel_id, text=text, user=user, thread_ts=thread_ts)
            return message["ts"]

    # --- failure injection (each consumed by one call, in the order injected) --------

    def fail(self, method: str, error: str = "internal_error", times: int = 1) -> None:
        """The next ``times`` calls answer ``{"ok": false, "error": error}`` with HTTP 200."""
        self._inject(method, Reply.json(200, {"ok": False, "error": error}), times)

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next ``times`` calls answer HTTP 429 with ``Retry-After`` as Slack does."""
        body = {"ok": False, "error": "ratelimited"}
        self._inject(method, Reply.json(429, body, **{"Retry-After": str(retry_after)}), times)

    def server_error(self, method: str, status: int = 500, times: int = 1) -> None:
        """The next ``times`` calls answer HTTP ``status`` with a non-JSON body."""
        reply = Reply(status, b"fake Slack server error", {"Content-Type": "text/plain"})
        self._inject(method, reply, times)

    def delay(self, method: str, seconds: float) -> None:
        """Every call to ``method`` is handled and recorded at once, then its answer waits
        ``seconds`` (Slack slow to answer); ``delay(method, 0)`` removes it."""
        with self._changed:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def _inject(self, method: str, reply: Reply, times: int) -> None:
        with self._changed:
            self._injected[method].extend([reply] * times)

    # --- read-back -------------------------------------------------------------------

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Current messages of a channel or DM (a user id means their DM), oldest first:
        ``{"ts", "text", "blocks", "user", "edited"}`` plus ``"thread_ts"`` in threads and
        ``"metadata"`` (``event_type``, ``event_payload``) when it was posted with some."""
        with self._changed:
            channel_id = self.dm_channel(channel) if channel in self._ws.users else channel
            stored = copy.deepcopy(self._ws.messages.get(channel_id, []))
        for message in stored:
            message.pop("received_at", None)  # the fake's own bookkeeping
        return stored

    def dm_channel(self, user_id: str) -> str:
        """The DM id conversations.open answers for a user (always ``"D" + user_id``)."""
        return self._ws.dm_channel_id(user_id)

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[dict]:
        """chat.postEphemeral messages: ``{"channel", "user", "ts", "text", "blocks"}``."""
        with self._changed:
            return copy.deepcopy(
                [
                    e
                    for e in self._ws.ephemerals
                    if channel in (None, e["channel"]) and user in (None, e["user"])
                ]
            )

    def reactions(self, channel: str, ts: str) -> list[str]:
        """Reaction names the app added to a message, in order."""
        with self._changed:
            return list(self._ws.reactions.get((channel, ts), []))

    @property
    def channels(self) -> dict[str, Channel]:
        """Snapshot of conversations by id (DMs included once used)."""
        return self._snapshot(self._ws.channels)

    @property
    def users(self) -> dict[str, User]:
        return self._snapshot(self._ws.users)

    @property
    def usergroups(self) -> dict[str, dict[str, Any]]:
        """``{id: {"id", "handle", "users"}}``."""
        return self._snapshot(self._ws.usergroups)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Every modal and home view by view id, as the Web API answered it."""
        return self._snapshot(self._ws.views)

    @property
    def homes(self) -> dict[str, dict[str, Any]]:
        """The App Home view last published for each user id."""
        return self._snapshot(self._ws.homes)

    @property
    def pins(self) -> dict[str, list[str]]:
        """Pinned message timestamps by channel id."""
        return self._snapshot(self._ws.pins)

    @property
    def bookmarks(self) -> dict[str, list[dict[str, Any]]]:
        """Bookmark objects by channel id."""
        return self._snapshot(self._ws.bookmarks)

    @property
    def files(self) -> dict[str, StoredFile]:
        """Files by id: name, title, content bytes, length, channel, completed."""
        return self._snapshot(self._ws.files)

    def _snapshot(self, data: dict[Any, Any]) -> dict[Any, Any]:
        with self._changed:
            return copy.deepcopy(data)

    # --- dispatch (called from the server's threads) ---------------------------------

    def handle_call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        token: str | None,
        needs_token: bool,
        decode_error: ApiError | None,
    ) -> Reply:
        """Answer one call, record it, then apply any configured delay."""
        at = time.monotonic()
        with self._changed:
            reply = self._answer(method, params, token, needs_token, decode_error)
            self._log.record(method, params, at)
            delay = self._delays.get(method, 0)
        if delay:
            time.sleep(delay)
        return reply

    def _answer(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        needs_token: bool,
        decode_error: ApiError | None,
    ) -> Reply:
        if needs_token and not token:
            return self._refuse(method, ApiError("not_authed", violation="no token sent"))
        if self._injected.get(method):
            return self._injected[method].popleft()
        handler = HANDLERS.get(method)
        if handler is None:
            return self._refuse(method, ApiError("unknown_method", violation="unknown method"))
        try:
            if decode_error is not None:
                raise decode_error
            return Reply.json(200, {"ok": True, **handler(self._ws, params)})
        except ApiError as error:
            return self._refuse(method, error)
        except Exception as error:  # a bug in the fake: surface it, never hide it
            logger.exception("FakeSlack could not handle %s", method)
            return self._refuse(
                method, ApiError("internal_error", violation=f"fake bug: {error!r}")
            )

    def _refuse(self, method: str, error: ApiError) -> Reply:
        if error.violation:
            self.violations.append(f"{method}: {error.violation}")
        return Reply.json(error.status, {"ok": False, "error": error.error, **error.extra})
