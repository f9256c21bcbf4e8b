"""Durable cadence reminders across real processes: `python app.py` (gunicorn, HTTP mode)
killed with SIGKILL and restarted, and two processes sharing one PostgreSQL database.

Time passing while the app is down is simulated by moving the stored times back, so the
tests wait only for the subprocesses to deliver (fake.wait_for, polling the database).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot import reminders
from bot.config import Settings
from bot.db import make_session_factory
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.fake_slack_http import FakeSlackServer
from bot.devtools.slack_requests import SlackRequests
from bot.models import Incident, Reminder
from bot.services.cadence_plan import Milestone, Stage, reminder_kind, update_deadline
from tests.conftest import SCHEMA_PATH, SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppProcess:
    """`python app.py` as its own process group, so SIGKILL takes gunicorn's workers too."""

    def __init__(self, log_path: Path, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log_path = log_path
        self._env = {**os.environ, **env, "PORT": str(self.port)}
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> AppProcess:
        with self._log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "app.py"], cwd=ROOT, env=self._env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        return self

    def wait_healthy(self, timeout: float = 30) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"app exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)  # polling a starting process, not waiting for time to pass
        raise AssertionError(f"app did not become healthy:\n{self.log()}")

    def kill9(self) -> None:
        """SIGKILL the whole process group (gunicorn's master and its workers) at once."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self._log_path.read_text(errors="replace")[-4000:]


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


def _wait_until_settled(engine: Engine, timeout: float = 20) -> None:
    """Poll until nothing due is left pending or claimed (the subprocesses are working)."""
    sessions = make_session_factory(engine)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            busy = session.scalars(
                select(Reminder.id).where(
                    Reminder.status.in_(("pending", "claimed")),
                    Reminder.due_at <= datetime.now(UTC),
                )
            ).all()
        if not busy:
            return
        time.sleep(0.1)  # polling other processes' progress
    raise AssertionError(f"reminders still due after {timeout}s: {busy}")


def _travel_back(engine: Engine, delta: timedelta) -> None:
    """Make it look as if ``delta`` passed: every stored time moves back by it."""
    shift = int(delta.total_seconds())
    with make_session_factory(engine).begin() as session:
        for incident in session.scalars(select(Incident)):
            incident.opened_at -= delta
            if incident.became_major_at:
                incident.became_major_at -= delta
        for row in session.scalars(select(Reminder)):
            row.due_at -= delta
            row.created_at -= delta
            if row.lease_until:
                row.lease_until -= delta
            if "due" in row.payload:
                row.payload = {
                    **row.payload,
                    "due": row.payload["due"] - shift,
                    "since": row.payload["since"] - shift,
                }


def _seed_overdue_incidents(
    engine: Engine, channels: list[str], *, overdue: timedelta
) -> list[int]:
    """Open sev1 incidents whose update is ``overdue``, each guarded by its channel reminder
    (one transaction, so every row becomes visible to the running apps at once)."""
    settings = Settings(_env_file=None)
    now = datetime.now(UTC)
    ids = []
    with make_session_factory(engine).begin() as session:
        for channel in channels:
            incident = Incident(
                channel_id=channel, channel_name=channel.lower(), title=f"Outage {channel}",
                severity="sev1", status="open", opened_by="UIC",
                opened_at=now - overdue - timedelta(minutes=15),
            )  # fmt: skip
            session.add(incident)
            session.flush()
            deadline = update_deadline(session, settings, incident)
            assert deadline is not None
            reminders.schedule(
                session, kind=reminder_kind(Milestone.update, Stage.due),
                dedupe_key=deadline.key(incident.id, Stage.due), due_at=deadline.due_at,
                now=now, incident_id=incident.id, payload=deadline.payload(),
            )  # fmt: skip
            ids.append(incident.id)
    return ids


def _texts(fake: FakeSlack, channel: str, containing: str) -> list[str]:
    return [m["text"] for m in fake.messages(channel) if containing in m["text"]]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_kill_9_then_restart_loses_no_nudge_and_sends_the_overdue_ones_once(
    apps: Any, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake = fake_slack
    fake.add_user("UESC", "oncall-lead")
    fake.add_channel("CINC", "inc-checkout", members=["UBOT"])
    fake.add_channel("CSLOW", "inc-slow", members=["UBOT"])
    [first] = apps("first", REMINDER_LEASE="1s")
    slack = SlackRequests(first.url, SIGNING_SECRET, response_url=fake.response_url())
    assert slack.command("declare sev1 Checkout down", channel="CINC", user="UIC").status == 200
    fake.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == "CINC")
    _wait_until_settled(engine)  # what the declaration set off (liaison DMs) is done

    # Crash in the middle of a send: Slack got the message, the app never saw the answer.
    fake.delay("chat.postMessage", 5)
    [slow] = _seed_overdue_incidents(engine, ["CSLOW"], overdue=timedelta(minutes=1))
    fake.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == "CSLOW", timeout=15
    )
    first.kill9()
    fake.delay("chat.postMessage", 0)

    # An hour passes while nothing runs; the update repeats due meanwhile piled up too.
    _travel_back(engine, timedelta(hours=1))
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        [due] = session.scalars(
            select(Reminder).where(Reminder.incident_id == 1, Reminder.kind == "cadence.update.due")
        ).all()
        for repeat in (1, 2, 3):
            reminders.schedule(
                session, kind=due.kind, dedupe_key=f"{due.dedupe_key}:{repeat}",
                due_at=due.due_at + repeat * timedelta(minutes=15), now=due.created_at,
                incident_id=1, payload=due.payload,
            )  # fmt: skip

    [second] = apps("second")
    _wait_until_settled(engine)
    second.kill9()

    assert len(_texts(fake, "CINC", "A status update for *incident #1* is overdue by")) == 1
    assert len(_texts(fake, "CINC", "The impact assessment for *incident #1* is overdue")) == 1
    assert len(_texts(fake, "UESC", "A status update is overdue by")) == 1
    assert len(_texts(fake, "UESC", "The impact assessment is overdue by")) == 1
    assert _texts(fake, "UIC", "is due in") == []  # stale nudges are not sent late
    assert 1 <= len(_texts(fake, "CSLOW", "A status update")) <= 2  # at least once
    with sessions() as session:
        statuses = Counter(
            (row.incident_id, row.kind, row.status)
            for row in session.scalars(select(Reminder).where(Reminder.due_at <= datetime.now(UTC)))
        )
        assert statuses[(1, "cadence.update.due", "sent")] == 1
        assert statuses[(1, "cadence.update.due", "cancelled")] == 3  # coalesced
        assert statuses[(slow, "cadence.update.due", "sent")] == 1
        assert not [key for key in statuses if key[2] in ("pending", "claimed", "failed")]
        repeat = session.scalars(
            select(Reminder).where(Reminder.status == "pending", Reminder.incident_id == 1)
        ).all()
        assert [r.kind for r in repeat] == ["cadence.update.due"]  # the rhythm goes on


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_processes_on_one_postgresql_database_send_each_reminder_exactly_once(
    apps: Any, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake = fake_slack
    count = 200
    channels = [f"C{index:04d}" for index in range(count)]
    for channel in channels:
        fake.add_channel(channel, channel.lower(), members=["UBOT"])
    apps("one", "two", REMINDER_BATCH_SIZE="25")
    fake.delay("chat.postMessage", 0.1)  # Slack takes its time: both processes get a share
    _seed_overdue_incidents(engine, channels, overdue=timedelta(minutes=2))
    _wait_until_settled(engine, timeout=30)

    per_channel = Counter(call.params.get("channel") for call in fake.calls_to("chat.postMessage"))
    assert per_channel == dict.fromkeys(channels, 1)
    with make_session_factory(engine)() as session:
        sent = session.execute(
            select(Reminder.claimed_by, Reminder.status).where(
                Reminder.kind == "cadence.update.due", Reminder.due_at <= datetime.now(UTC)
            )
        ).all()
    assert Counter(status for _, status in sent) == {"sent": count}
    assert len({worker for worker, _ in sent}) == 2, "both processes should have sent some"
