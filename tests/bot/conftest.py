"""Fixtures of the fast flow tests (tests/bot/flows.py): a Flow per test, no HTTP."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.clock import FakeClock
from bot.config import Settings
from bot.db import make_engine, make_session_factory
from bot.devtools.memory_notifier import InMemoryNotifier
from bot.dispatcher import ReminderDispatcher
from bot.lifecycle import LifecycleHooks
from bot.rendering import MemoryBytecodeCache, Renderer
from bot.runtime import Runtime
from bot.wiring import install_capabilities
from tests.bot.flows import Flow
from tests.db_reset import empty_postgres


@pytest.fixture(params=["sqlite"])
def flow_db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite unless a test asks for both databases (``flows.BOTH_DATABASES``)."""
    if request.param == "sqlite":
        target = tmp_path / "flow.db"
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("postgres_url")
    if url is None:
        pytest.skip("PostgreSQL is not reachable")
    empty_postgres(url)
    return url


@pytest.fixture
def flow_factory(
    flow_db_url: str, clock: FakeClock, template_cache: MemoryBytecodeCache
) -> Iterator[Callable[..., Flow]]:
    """Build a Flow with setting overrides (the same names as the environment variables)."""
    engines: list[Engine] = []

    def factory(**overrides: Any) -> Flow:
        values: dict[str, Any] = {
            "slack_bot_token": "xoxb-test",
            "slack_signing_secret": "test-signing-secret",
            "slack_app_token": "",
            "slack_api_url": "http://127.0.0.1:9/api/",  # never called: Slack is in memory
            "database_url": flow_db_url,
            "templates_dir": "",
        }
        settings = Settings(_env_file=None, **{**values, **overrides})
        engine = make_engine(flow_db_url)
        engines.append(engine)
        sessions = make_session_factory(engine)
        slack = InMemoryNotifier()
        for user_id, name in (("UAGENT", "Alex Agent"), ("UIC", "Casey Commander")):
            slack.add_user(user_id, name)
        rt = Runtime(
            settings=settings,
            clock=clock,
            sessions=sessions,
            notifier=slack,
            renderer=Renderer(None, template_cache),
            hooks=LifecycleHooks(),
            dispatcher=ReminderDispatcher(sessions, clock, threads=2),
        )
        install_capabilities(rt)
        return Flow(rt=rt, slack=slack, clock=clock, engine=engine)

    yield factory
    for engine in engines:
        engine.dispose()


@pytest.fixture
def flow(flow_factory: Callable[..., Flow]) -> Flow:
    return flow_factory()
