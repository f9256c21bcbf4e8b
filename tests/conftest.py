"""Fixtures: databases (SQLite always, PostgreSQL where reachable), fake Slack, the app.

Database tests are parametrised over both backends. PostgreSQL is the local server named
by TEST_POSTGRES_URL (default 127.0.0.1:5432, database ``test``); each test run creates
its own database there, so parallel runs never share state. When it is unreachable, the
PostgreSQL variants are skipped with the reason, and the run's summary says so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, create_engine, text

from app import build
from bot.clock import FakeClock
from bot.config import Settings
from bot.db import make_engine, upgrade
from bot.devtools.inline_waker import InlineWaker
from bot.devtools.scratch_postgres import scratch_postgres
from bot.devtools.slack_requests import SlackRequests
from bot.devtools.tracking_executor import TrackingExecutor
from bot.devtools.wsgi_server import LocalServer
from bot.rendering import MemoryBytecodeCache
from tests.db_reset import empty_postgres
from tests.harness import Harness

if TYPE_CHECKING:
    from bot.devtools.fake_slack import FakeSlack

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SIGNING_SECRET = "test-signing-secret"
SCHEMA_PATH = Path(__file__).resolve().parents[1].parent / "shared/slack/block-kit.schema.json"
_postgres_status: dict[str, str] = {}


def _postgres_admin_engine() -> Engine:
    return create_engine(
        POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )


def pytest_configure(config: pytest.Config) -> None:
    """Probe PostgreSQL once per process (also in the xdist controller, for the summary)."""
    try:
        admin = _postgres_admin_engine()
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
        admin.dispose()
        _postgres_status["used"] = POSTGRES_URL
    except Exception as exc:
        _postgres_status["skipped"] = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc!s:.200}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A fresh, migrated PostgreSQL database for this test process, or None."""
    if "used" not in _postgres_status:
        yield None
        return
    with scratch_postgres(POSTGRES_URL, prefix="liaison_test") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "liaison.db"
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("postgres_url")
    if url is None:
        pytest.skip(_postgres_status["skipped"])
    empty_postgres(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """Monday 23 November 2026, 10:00 UTC."""
    return FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    from bot.devtools.fake_slack import FakeSlack

    with FakeSlack(schema_path=SCHEMA_PATH) as fake:
        assert fake.schema_loaded, f"Block Kit schema not found at {SCHEMA_PATH}"
        fake.add_user("UAGENT", "agent", real_name="Alex Agent", tz="Europe/Berlin")
        fake.add_user("UIC", "commander", real_name="Casey Commander", tz="America/New_York")
        fake.add_channel("CGENERAL", "general")
        fake.add_channel("CSUPPORT", "support")
        yield fake
        assert fake.violations == [], f"Slack would have rejected: {fake.violations}"


@pytest.fixture
def make_settings(db_url: str, fake_slack: FakeSlack) -> Callable[..., Settings]:
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "slack_bot_token": "xoxb-test",
            "slack_signing_secret": SIGNING_SECRET,
            "slack_app_token": "",
            "slack_api_url": fake_slack.url,
            "database_url": db_url,
            "templates_dir": "",
            "listener_threads": 32,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return factory


@pytest.fixture(scope="session")
def template_cache() -> MemoryBytecodeCache:
    """Templates compiled once per test process: compiling them is most of a build."""
    return MemoryBytecodeCache()


@pytest.fixture
def app_factory(
    make_settings: Callable[..., Settings],
    engine: Engine,
    clock: FakeClock,
    fake_slack: FakeSlack,
    template_cache: MemoryBytecodeCache,
) -> Iterator[Callable[..., Harness]]:
    """Build and serve the real app; call it with setting overrides (once per test)."""
    started: list[tuple[LocalServer, TrackingExecutor]] = []

    def factory(**overrides: Any) -> Harness:
        settings = make_settings(**overrides)
        executor = TrackingExecutor(max_workers=settings.listener_threads)
        liaison = build(
            settings,
            clock=clock,
            engine=engine,
            listener_executor=executor,
            template_cache=template_cache,
        )
        waker = InlineWaker(liaison.rt.dispatcher)
        liaison.rt.wake = waker
        server = LocalServer(liaison.wsgi()).__enter__()
        started.append((server, executor))
        requests = SlackRequests(
            server.url, SIGNING_SECRET, response_url=fake_slack.response_url("command")
        )
        return Harness(liaison, requests, fake_slack, clock, executor, waker)

    yield factory
    for server, executor in started:
        executor.wait_idle()
        server.__exit__(None, None, None)
        executor.shutdown(wait=True)


@pytest.fixture
def harness(app_factory: Callable[..., Harness]) -> Harness:
    return app_factory()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if "used" in _postgres_status:
        terminalreporter.write_line(f"PostgreSQL tests ran against {_postgres_status['used']}")
    elif "skipped" in _postgres_status:
        terminalreporter.write_line(
            f"PostgreSQL tests were SKIPPED: {_postgres_status['skipped']}", yellow=True
        )


# The slowest tests (whole processes, the demo) start first, so the test processes do
# not wait for one of them at the end of a run.
_SLOW_FIRST = ("tests/process/", "tests/test_demo.py", "tests/test_app.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(_SLOW_FIRST))
