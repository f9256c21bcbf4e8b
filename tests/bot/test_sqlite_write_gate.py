"""SQLite writers queue on a process-wide gate instead of SQLite's sleep-and-retry loop."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.exc import IntegrityError

from bot.db import SqliteWriteGate, make_session_factory
from bot.models import ProcessedEvent

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def gated(tmp_path: Path, sqlite_template: Path):
    target = tmp_path / "gate.db"
    shutil.copy(sqlite_template, target)
    engine = create_engine(f"sqlite:///{target}", connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    gate = SqliteWriteGate(timeout=5)
    gate.install(engine)
    yield gate, make_session_factory(engine)
    engine.dispose()


def _add(sessions, event_id: str) -> None:
    with sessions.begin() as session:
        session.add(ProcessedEvent(event_id=event_id, received_at=NOW))


def _in_thread(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args)
    thread.start()
    thread.join(timeout=4)
    return thread


def test_the_gate_is_held_from_the_first_write_until_commit(gated) -> None:
    gate, sessions = gated
    with sessions.begin() as session:
        session.scalar(select(func.count()).select_from(ProcessedEvent))
        assert not gate._lock.locked()  # reading does not take it
        session.add(ProcessedEvent(event_id="a", received_at=NOW))
        session.flush()
        assert gate._lock.locked()
    assert not gate._lock.locked()


def test_a_failed_transaction_releases_the_gate(gated) -> None:
    gate, sessions = gated
    _add(sessions, "dup")
    with pytest.raises(IntegrityError):
        _add(sessions, "dup")
    assert not gate._lock.locked()
    assert not _in_thread(_add, sessions, "other").is_alive()


def test_a_session_closed_without_commit_releases_the_gate(gated) -> None:
    gate, sessions = gated
    session = sessions()
    session.add(ProcessedEvent(event_id="abandoned", received_at=NOW))
    session.flush()
    assert gate._lock.locked()
    session.close()
    assert not gate._lock.locked()
    assert not _in_thread(_add, sessions, "next").is_alive()


def test_many_threads_writing_at_once_all_succeed(gated) -> None:
    _gate, sessions = gated
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for index in range(20):
                _add(sessions, f"w{worker}-{index}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 240
