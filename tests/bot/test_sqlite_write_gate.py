"""SQLite writers queue on a gate (threads on a lock, processes on a file lock) instead of
SQLite's sleep-and-retry loop."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.exc import IntegrityError

from bot.db import WRITE_GATE_KEY, SqliteWriteGate, make_engine, make_session_factory
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


def test_the_gate_opens_only_once_sqlite_has_committed(gated, tmp_path: Path) -> None:
    """The next writer must find the file free, not sleep in SQLite's busy handler."""
    gate, sessions = gated
    probe = sqlite3.connect(tmp_path / "gate.db", timeout=0, isolation_level=None)
    seen: list[str] = []
    release = gate._release_record

    def releasing(info) -> None:
        if info.get(WRITE_GATE_KEY):
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                seen.append("free")
            except sqlite3.OperationalError as exc:
                seen.append(str(exc))
        release(info)

    gate._release_record = releasing
    try:
        _add(sessions, "committed")
        with pytest.raises(IntegrityError), sessions.begin() as session:
            session.add(ProcessedEvent(event_id="committed", received_at=NOW))
    finally:
        probe.close()
    assert seen == ["free", "free"]  # after a commit, and after a rollback
    assert not gate._lock.locked()


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


def _try_lock(path: str) -> int:
    """Exit status of another process taking the lock without waiting (0: it could)."""
    script = (
        "import fcntl, sys\n"
        f"f = open({path!r}, 'a+b')\n"
        "try:\n    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except BlockingIOError:\n    sys.exit(1)\n"
    )
    return subprocess.run([sys.executable, "-c", script], timeout=30).returncode


@pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")
def test_other_processes_wait_on_a_file_lock_while_a_transaction_writes(
    tmp_path: Path, sqlite_template: Path
) -> None:
    target = tmp_path / "shared.db"
    shutil.copy(sqlite_template, target)
    engine = make_engine(f"sqlite:///{target}")
    sessions = make_session_factory(engine)
    lock = f"{target}.write-lock"
    with sessions.begin() as session:
        session.add(ProcessedEvent(event_id="held", received_at=NOW))
        session.flush()
        assert _try_lock(lock) == 1  # another worker would queue here, not poll SQLite
    assert _try_lock(lock) == 0
    engine.dispose()
