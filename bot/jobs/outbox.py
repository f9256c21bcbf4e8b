"""Exactly-once messages: every post a job makes is tagged, and a re-run looks first.

While a job's handler runs, the dispatcher marks its thread with the job (``JobScope``).
``OutboxNotifier`` wraps the Slack port: each message a job posts carries Slack message
metadata naming the job (``event_type: liaison_job``, the job key and which of its
messages it is). When a job runs again after an earlier attempt (its lease ran out after
a crash, or it was retried after a failure), each post first looks for its tagged message
in the conversation's history since the job was first claimed, and reuses it instead of
posting a second copy. Calls outside a job, and jobs whose effects are harmless to
repeat, go straight through.

Limits: a message a person deleted in between is posted again; a conversation whose
history the app cannot read (no ``*:history`` scope, a channel it left) is posted to
again, as before; file uploads carry no metadata and may repeat once after a crash.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.slack.notifier import JOB_EVENT_TYPE, Notifier, PostedMessage

log = logging.getLogger(__name__)


@dataclass
class RunningJob:
    key: str
    # Where an earlier attempt's messages can be: None on a first attempt (nothing to find).
    look_since: datetime | None
    posts: int = field(default=0)

    def next_message_key(self) -> str:
        """The job key, then ``key#2``, ``key#3``: a handler posts in the same order on a
        re-run, so each message of a job keeps its key across attempts."""
        self.posts += 1
        return self.key if self.posts == 1 else f"{self.key}#{self.posts}"


class JobScope:
    """Which job the current thread is running (one per dispatcher, never global)."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextmanager
    def running(self, job: RunningJob) -> Iterator[RunningJob]:
        previous = getattr(self._local, "job", None)
        self._local.job = job
        try:
            yield job
        finally:
            self._local.job = previous

    def current(self) -> RunningJob | None:
        return getattr(self._local, "job", None)


class OutboxNotifier:
    """The Slack port as jobs see it: tagged posts, found again instead of repeated.

    Everything but posting is delegated unchanged to the wrapped notifier.
    """

    def __init__(self, inner: Notifier, scope: JobScope) -> None:
        self._inner = inner
        self._scope = scope

    @property
    def inner(self) -> Notifier:
        """The wrapped port (to measure or replace what reaches Slack)."""
        return self._inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> PostedMessage:
        def send(tag: dict[str, Any] | None) -> PostedMessage:
            return self._inner.post(channel, text, blocks, thread_ts=thread_ts, metadata=tag)

        return self._once(channel, metadata, send)

    def dm(
        self,
        user_id: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        metadata: dict[str, Any] | None = None,
    ) -> PostedMessage:
        def send(tag: dict[str, Any] | None) -> PostedMessage:
            return self._inner.dm(user_id, text, blocks, metadata=tag)

        return self._once(user_id, metadata, send)

    def _once(
        self,
        channel: str,
        metadata: dict[str, Any] | None,
        send: Callable[[dict[str, Any] | None], PostedMessage],
    ) -> PostedMessage:
        """Send tagged with the running job's next message key, unless a reclaimed job
        finds that message already in the conversation. Outside a job (or with metadata of
        the caller's own) it simply sends."""
        job = self._scope.current()
        if job is None or metadata is not None:
            return send(metadata)
        key = job.next_message_key()
        if job.look_since is not None:
            found = self._find(channel, key, job.look_since)
            if found is not None:
                log.info("Job message %s already reached %s; not posting it again", key, channel)
                return found
        return send({"event_type": JOB_EVENT_TYPE, "event_payload": {"job": key}})

    def _find(self, channel: str, key: str, since: datetime) -> PostedMessage | None:
        try:
            return self._inner.find_job_message(channel, key, since)
        except Exception as exc:
            if getattr(exc, "permanent", None) is not True:
                raise  # Slack briefly unreachable: retry the job later rather than guess
            # The history cannot be read at all (scope, channel left): post again.
            log.warning("Could not look for job message %s in %s: %s", key, channel, exc)
            return None
