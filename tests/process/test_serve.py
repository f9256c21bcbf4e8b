"""The production path: `python app.py` under gunicorn, migrating itself, serving Slack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.slack_requests import SlackRequests
from tests.conftest import SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"app exited early: {process.stdout.read() if process.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)  # polling a starting process, not waiting for time to pass
    raise AssertionError("app did not become healthy")


@pytest.fixture
def served_app(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "SCHEDULER_INTERVAL": "1s",
    }
    process = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_app_serves_signed_slack_requests_from_several_workers(
    served_app: str, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("CSERVE", "serve-test")
    slack = SlackRequests(served_app, SIGNING_SECRET, response_url=fake_slack.response_url())
    assert slack.command("declare sev3 Served by gunicorn", channel="CSERVE").status == 200
    fake_slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == "CSERVE")
    fake_slack.wait_for("chat.postMessage", count=2)  # not_in_channel, join, post again
    assert "Served by gunicorn" in fake_slack.messages("CSERVE")[-1]["text"]
    bad = slack.post(
        "command=%2Fliaison&text=status", "application/x-www-form-urlencoded", signature="v0=0"
    )
    assert bad.status == 401


def test_without_tokens_the_app_explains_what_is_missing(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    completed = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 2
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set" in completed.stdout
    assert "python app.py demo" in completed.stdout
