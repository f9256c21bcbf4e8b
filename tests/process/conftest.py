"""Fixtures of the process-level tests: a fake Slack fit for several processes, and app
processes on the test's database that are all killed at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.fake_slack_http import FakeSlackServer
from tests.conftest import SCHEMA_PATH, SIGNING_SECRET
from tests.process.support import AppProcess


@pytest.fixture
def fake_slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    """The fake Slack with a listen backlog fit for several processes' dispatcher threads
    (socketserver's default of 5 would make connections wait out a SYN retransmission)."""
    monkeypatch.setattr(FakeSlackServer, "request_queue_size", 128)
    with FakeSlack(schema_path=SCHEMA_PATH) as fake:
        fake.add_user("UIC", "commander", real_name="Casey Commander")
        yield fake
        assert fake.violations == [], f"Slack would have rejected: {fake.violations}"


@pytest.fixture
def apps(tmp_path: Path, db_url: str, fake_slack: FakeSlack) -> Iterator[Any]:
    """Start app processes on the test's database; all are stopped at the end."""
    started: list[AppProcess] = []

    def start(*names: str, **env: str) -> list[AppProcess]:
        """Launch one app per name (together, they boot in parallel) and wait for all."""
        values = {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_APP_TOKEN": "",
            "SLACK_API_URL": fake_slack.url,
            "DATABASE_URL": db_url,
            "WEB_CONCURRENCY": "1",
            "SCHEDULER_INTERVAL": "1s",
            "TEMPLATES_DIR": "",
            "LIAISON_ESCALATION": "UESC",
            **env,
        }
        launched = [AppProcess(tmp_path / f"{name}.log", values).launch() for name in names]
        started.extend(launched)
        for app in launched:
            app.wait_healthy()
        return launched

    yield start
    for app in started:
        app.kill9()  # the test is over: nothing left to finish gracefully
