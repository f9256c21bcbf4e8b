"""Engine, sessions and schema migrations.

SQLite (WAL) serves one process; PostgreSQL serves several replicas. The schema is only
ever changed by Alembic; the app migrates itself on start (``AUTO_MIGRATE``, guarded by an
advisory lock on PostgreSQL) or refuses to start, naming the command that fixes it.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # not on Windows: processes there take turns through SQLite alone
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
MIGRATE_COMMAND = "python app.py migrate"
_PG_MIGRATION_LOCK = 7_345_112


class DatabaseNotMigrated(RuntimeError):
    """The database schema is behind the code; the message says how to fix it."""


def normalise_url(url: str) -> str:
    """Let users write ``postgresql://`` and still get the psycopg 3 driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout for concurrency."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        # Keep a connection per busy thread (listeners, reminder workers): a connection
        # closed on return costs a reconnect and its pragmas on the next checkout.
        options = {"pool_size": 16, "max_overflow": 48}
        options.update(kwargs)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **options
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        database = engine.url.database
        shared = bool(database) and database != ":memory:" and "mode=memory" not in url
        SqliteWriteGate(lock_path=Path(f"{database}.write-lock") if shared else None).install(
            engine
        )
        return engine
    options = {"pool_size": 10, "max_overflow": 20, "pool_recycle": 1800}
    options.update(kwargs)
    engine = create_engine(url, **options)
    if not options.get("pool_pre_ping"):
        ping_when_idle(engine, IDLE_BEFORE_PING)
    return engine


# A connection back in the pool for longer than this is checked before it is used again.
IDLE_BEFORE_PING = 10.0


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only if it sat idle, not on every checkout.

    A round trip per session (``pool_pre_ping``) cost as much as a small query. A database
    restart is noticed instead by the first statement that fails on a connection used
    moments before: SQLAlchemy then renews the whole pool, and callers that can repeat
    their work (attaching a report) do so once. Connections idle longer than
    ``idle_seconds`` (when a restart or a firewall's timeout most likely happened) are
    pinged, and replaced if dead, as before.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["liaison_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("liaison_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except Exception as exc:  # the driver's own error for a dead connection
            raise DisconnectionError() from exc  # the pool connects anew and tries again


# Set in a SQLite connection's ``info`` while its transaction holds the write gate.
WRITE_GATE_KEY = "liaison_write_gate"


class SqliteWriteGate:
    """Lets one transaction write to SQLite at a time, queued rather than polling.

    SQLite has one writer; the others retry with sleeps of up to 100 ms, so under load an
    unlucky writer can lose for seconds while others keep winning, and Slack gives up on
    its request after 3 s. Taking this gate when a transaction first writes and releasing
    it when the transaction ends makes waiting writers queue and wake promptly instead:
    threads of a process on a lock, processes sharing the file (gunicorn workers) on an
    advisory lock of a file beside it (``flock``, which the kernel drops if its process
    dies, so a killed worker never leaves it held).
    """

    _KEY = WRITE_GATE_KEY
    _DML = ("INSERT", "UPDATE", "DELETE", "REPLACE")

    def __init__(self, timeout: float = 30.0, lock_path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        # The DBAPI connection whose transaction holds the gate, and its pool record's info.
        self._holder: tuple[Any, dict[Any, Any]] | None = None
        self._timeout = timeout
        self._lock_path = lock_path if fcntl is not None else None
        self._file: Any = None
        self._file_pid = 0
        self._file_locked = False

    def install(self, engine: Engine) -> None:
        """Listen for first writes; release when the transaction has ended in SQLite.

        SQLAlchemy's ``commit`` and ``rollback`` events fire before the driver commits,
        so releasing there let the next writer in while the file was still locked: its
        first write met SQLITE_BUSY and slept in SQLite's busy handler (1 ms, then 2, 5
        ...) holding the gate, with every other writer queued behind it. The dialect's own
        commit and rollback (this engine's instance only) are wrapped instead.
        """
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine.pool, "checkin", self._checkin)
        dialect = engine.dialect
        for name in ("do_commit", "do_rollback"):
            setattr(dialect, name, self._releasing_after(getattr(dialect, name)))

    def _before_execute(self, conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
        if conn.info.get(self._KEY) or not statement.lstrip()[:8].upper().startswith(self._DML):
            return
        if self._owner == threading.get_ident():
            return  # this thread already writes on another connection: SQLite decides
        if self._lock.acquire(timeout=self._timeout):
            self._owner = threading.get_ident()
            conn.info[self._KEY] = True
            self._holder = (cursor.connection, conn.info)
            self._lock_file()
        # else: proceed and let SQLite's busy timeout decide, as without the gate

    def _lock_file(self) -> None:
        if self._lock_path is None:
            return
        if self._file is None or self._file_pid != os.getpid():
            # Opened in this process: a lock on a descriptor inherited across fork would
            # be shared with the parent instead of excluding it.
            self._file = self._lock_path.open("a+b")
            self._file_pid = os.getpid()
        self._file_locked = _flock_within(self._file.fileno(), self._timeout)

    def _releasing_after(self, end: Callable[[Any], None]) -> Callable[[Any], None]:
        def ended(connection: Any) -> None:
            try:
                end(connection)
            finally:
                holder = self._holder
                raw = getattr(connection, "dbapi_connection", connection)
                if holder is not None and holder[0] is raw:
                    self._release_record(holder[1])

        return ended

    def _checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            self._release_record(record.info)

    def _release_record(self, info: dict[Any, Any]) -> None:
        if info.pop(self._KEY, False):
            if self._file is not None and self._file_locked:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
                self._file_locked = False
            self._holder = None
            self._owner = None
            self._lock.release()


def _flock_within(fd: int, timeout: float) -> bool:
    """Take the exclusive file lock, waiting at most ``timeout`` seconds; False if not had.

    A blocking flock could wait forever on a writer that hangs; past the timeout the
    transaction goes ahead and SQLite's own busy timeout decides, as without the gate.
    The wait polls with short growing pauses: only other processes' writers hold it, and
    each holds it for one transaction.
    """
    deadline = time.monotonic() + timeout
    pause = 0.0005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.01)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (services return them)."""
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@functools.cache
def _heads() -> frozenset[str]:
    """The migration files do not change while the process runs: read them once."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def head_revisions() -> set[str]:
    return set(_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def upgrade(engine: Engine) -> None:
    """Bring the schema to head; on PostgreSQL, replicas starting together take turns."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        command.upgrade(_alembic_config(connection), "heads")


def ensure_migrated(engine: Engine, *, auto_migrate: bool) -> None:
    """Migrate (when allowed) or refuse to run on a schema older than the code."""
    expected = head_revisions()
    if current_revisions(engine) == expected:
        return
    if auto_migrate:
        log.info("Migrating database schema to %s", ", ".join(sorted(expected)))
        upgrade(engine)
        return
    current = ", ".join(sorted(current_revisions(engine))) or "empty"
    raise DatabaseNotMigrated(
        f"The database schema is at {current} but this version of Liaison needs "
        f"{', '.join(sorted(expected))}. Run `{MIGRATE_COMMAND}` (or set AUTO_MIGRATE=true)."
    )
