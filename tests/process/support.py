"""Real app processes for the process-level tests: `python app.py` (gunicorn, HTTP mode) in
its own process group, so SIGKILL takes gunicorn's workers too, and helpers that seed and
watch the shared database while those processes work."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from bot import jobs
from bot.config import Settings
from bot.db import make_session_factory
from bot.models import Incident, Reminder
from bot.services.cadence_plan import KINDS, Milestone, Stage, update_deadline

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppProcess:
    """`python app.py` as its own process group, so SIGKILL takes gunicorn's workers too."""

    def __init__(self, log_path: Path, env: dict[str, str]) -> None:
        self.port = free_port()
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


def wait_until_settled(engine: Engine, timeout: float = 20) -> None:
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


def seed_overdue_incidents(engine: Engine, channels: list[str], *, overdue: timedelta) -> list[int]:
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
            jobs.schedule(
                session, KINDS[Milestone.update, Stage.due], deadline.payload(),
                key=deadline.key(incident.id, Stage.due), due_at=deadline.due_at,
                now=now, incident_id=incident.id,
            )  # fmt: skip
            ids.append(incident.id)
    return ids
