"""The production path: `python app.py` under gunicorn, migrating itself, serving Slack."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
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
            raise AssertionError(f"app exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)  # polling a starting process, not waiting for time to pass
    raise AssertionError("app did not become healthy")


def _env(tmp_path: Path, fake_slack: FakeSlack, port: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "SCHEDULER_INTERVAL": "1s",
        **extra,
    }


@pytest.fixture
def serve(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[Callable[..., tuple[str, Path]]]:
    """Start `python app.py` with extra settings; returns its URL and its log file."""
    started: list[subprocess.Popen[str]] = []

    def start(**extra: str) -> tuple[str, Path]:
        port = _free_port()
        log_path = tmp_path / f"served-{port}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "app.py"], cwd=ROOT, env=_env(tmp_path, fake_slack, port, **extra),
                stdout=log, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, process)
        return url, log_path

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def served_app(serve: Callable[..., tuple[str, Path]]) -> str:
    return serve()[0]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_ready(url: str, timeout: float = 30) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = _get(url + "/readyz")
        if status == 200:
            return json.loads(body)
        time.sleep(0.1)  # polling a starting process, not waiting for time to pass
    raise AssertionError(f"never ready: {body}")


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


def test_readyz_and_metrics_cover_every_worker(served_app: str) -> None:
    ready = _wait_ready(served_app)
    assert ready["slack"] == "token checked at start-up (team T0001)"
    assert ready["scheduler"].startswith("last successful wake-up")
    assert ready["database"] == "reachable"

    # Each worker counts its own requests; a scrape must add them all up.
    for _ in range(20):
        assert _get(served_app + "/no-such-page")[0] == 404
    status, text = _get(served_app + "/metrics")
    assert status == 200
    line = re.search(
        r'liaison_http_requests_total\{method="GET",route="unmatched",status="404"\} (\S+)', text
    )
    assert line is not None, text
    assert float(line[1]) == 20
    # The master's start-up token check is an outgoing call, counted with the workers'.
    checked = re.search(
        r'liaison_outgoing_calls_total\{method="auth.test",status="200",system="slack"\} (\S+)',
        text,
    )
    assert checked is not None, text
    assert float(checked[1]) >= 1


def test_json_logs_cover_the_app_and_the_server(
    serve: Callable[..., tuple[str, Path]], fake_slack: FakeSlack
) -> None:
    url, log_path = serve(LOG_FORMAT="json")
    slack = SlackRequests(url, SIGNING_SECRET, response_url=fake_slack.response_url())
    assert slack.post("payload=null", "application/x-www-form-urlencoded").status == 400
    _get(url + "/healthz")
    deadline = time.monotonic() + 10
    while '"path": "/healthz"' not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)  # the access line is written after the answer
    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    loggers = {record["logger"] for record in records}
    assert {"gunicorn.error", "gunicorn.access", "liaison.edge"} <= loggers
    refused = next(record for record in records if record["logger"] == "liaison.edge")
    assert refused["status"] == 400
    assert refused["error_id"]
    assert not any("Running job" in record["message"] for record in records)


def test_a_wrong_token_stops_start_up_with_exit_2_naming_the_setting(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("auth.test", "invalid_auth", times=10)
    completed = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=_env(tmp_path, fake_slack, _free_port()),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert completed.returncode == 2
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout


def test_slack_unreachable_at_start_up_is_retried_then_reported(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    env = _env(
        tmp_path, fake_slack, _free_port(),
        SLACK_API_URL="http://127.0.0.1:9/api/", SLACK_STARTUP_TIMEOUT="2s",
    )  # fmt: skip
    completed = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 1
    assert "checking the token again" in completed.stderr
    assert "did not answer auth.test within SLACK_STARTUP_TIMEOUT" in completed.stderr
    assert "Traceback" not in completed.stderr
