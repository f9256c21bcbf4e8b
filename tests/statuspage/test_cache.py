"""The page's cache: re-read when the page changed, last state kept when the database is
unreachable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from bot.services.statuspage.page import PageSnapshot
from bot.statuspage_web.cache import PageCache, PageUnavailable

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def snapshot(version: int) -> PageSnapshot:
    return PageSnapshot(NOW, (version,), [], "none", f"v{version}", [], [], [])


class Database:
    def __init__(self) -> None:
        self.version = 1
        self.down = False
        self.loads = 0

    def load(self) -> PageSnapshot:
        self._check()
        self.loads += 1
        return snapshot(self.version)

    def current(self) -> tuple[object, ...]:
        self._check()
        return (self.version,)

    def _check(self) -> None:
        if self.down:
            raise OperationalError("SELECT 1", {}, Exception("unable to open database file"))


def make(db: Database, ticks: list[float]) -> PageCache:
    return PageCache(
        load=db.load, version=db.current, ttl=timedelta(seconds=2), ticker=lambda: ticks[0]
    )


def test_a_change_is_read_once_the_ttl_has_passed_and_not_before() -> None:
    db, ticks = Database(), [0.0]
    cache = make(db, ticks)
    assert cache.snapshot().description == "v1"
    db.version = 2
    ticks[0] = 1.0
    assert cache.snapshot().description == "v1"
    ticks[0] = 2.5
    assert cache.snapshot().description == "v2"
    ticks[0] = 5.0
    assert cache.snapshot().description == "v2"
    assert db.loads == 2  # unchanged: one small version query, no re-read


def test_rendered_bodies_are_kept_per_snapshot() -> None:
    db, ticks = Database(), [0.0]
    cache = make(db, ticks)
    renders: list[str] = []

    def render(s: PageSnapshot) -> bytes:
        renders.append(s.description)
        return s.description.encode()

    assert cache.rendered("page", render) == b"v1"
    assert cache.rendered("page", render) == b"v1"
    db.version = 2
    cache.invalidate()
    assert cache.rendered("page", render) == b"v2"
    assert renders == ["v1", "v2"]


def test_the_last_state_is_served_while_the_database_is_unreachable() -> None:
    db, ticks = Database(), [0.0]
    cache = make(db, ticks)
    assert cache.snapshot().description == "v1"
    db.down = True
    ticks[0] = 10.0
    assert cache.snapshot().description == "v1"
    assert cache.stale_served == 1
    db.down, db.version = False, 3
    ticks[0] = 20.0
    assert cache.snapshot().description == "v3"


def test_without_any_state_an_unreachable_database_is_unavailable() -> None:
    db = Database()
    db.down = True
    with pytest.raises(PageUnavailable):
        make(db, [0.0]).snapshot()
