"""The status page's snapshot, shared by every request a process serves.

Readers get the last snapshot while it is younger than ``STATUS_PAGE_CACHE_TTL``; after
that one request asks the database whether anything changed (one small query) and
re-reads only if it did, so a published update shows within the TTL on every process.
When the database cannot be reached the last snapshot keeps being served: customers
come to the page exactly when things are broken. Rendered bodies are kept per snapshot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.services.statuspage.page import PageSnapshot

log = logging.getLogger(__name__)
# Even when nothing changed, the snapshot is rebuilt this often (the history window moves).
MAX_AGE = 60.0


class PageUnavailable(Exception):
    """No snapshot yet and the database cannot be read."""


@dataclass
class _Entry:
    snapshot: PageSnapshot
    checked: float
    built: float
    rendered: dict[str, bytes] = field(default_factory=dict)


class PageCache:
    def __init__(
        self,
        *,
        load: Callable[[], PageSnapshot],
        version: Callable[[], tuple[object, ...]],
        ttl: timedelta,
        ticker: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._version = version
        self._ttl = ttl.total_seconds()
        self._ticker = ticker
        self._lock = threading.Lock()
        self._entry: _Entry | None = None
        self.stale_served = 0

    def snapshot(self) -> PageSnapshot:
        return self._current().snapshot

    def rendered(self, key: str, render: Callable[[PageSnapshot], bytes]) -> bytes:
        """``render(snapshot)``, computed once per snapshot."""
        entry = self._current()
        body = entry.rendered.get(key)
        if body is None:
            body = render(entry.snapshot)
            entry.rendered[key] = body
        return body

    def invalidate(self) -> None:
        with self._lock:
            if self._entry is not None:
                self._entry.checked = float("-inf")

    def _current(self) -> _Entry:
        now = self._ticker()
        entry = self._entry
        if entry is not None and now - entry.checked < self._ttl:
            return entry
        with self._lock:
            entry = self._entry
            if entry is not None and now - entry.checked < self._ttl:
                return entry
            try:
                unchanged = (
                    entry is not None
                    and now - entry.built < MAX_AGE
                    and self._version() == entry.snapshot.version
                )
                if entry is not None and unchanged:
                    entry.checked = now
                    return entry
                fresh = _Entry(self._load(), checked=now, built=now)
            except SQLAlchemyError as exc:
                if entry is None:
                    raise PageUnavailable(str(exc)) from exc
                log.warning("Status page served from its last state: database unreachable")
                self.stale_served += 1
                entry.checked = now  # ask again after the TTL, not on every request
                return entry
            self._entry = fresh
            return fresh
