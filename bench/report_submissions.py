"""Benchmark: concurrent report modal submissions against the production HTTP server.

Starts ``python app.py`` (gunicorn, WEB_CONCURRENCY workers) exactly as in production,
pointed at an in-process fake Slack Web API and a fresh SQLite file (or ``--database-url``,
e.g. PostgreSQL). It opens an incident through a signed ``channel_created`` event, gets
the real report modal through ``/liaison report``, then fires ``--count`` signed
``report.submit`` view submissions at once (``--concurrency`` in flight) and prints the
time to HTTP response (p50/p95/p99/max), reports stored per second, and checks that every
report was stored exactly once and confirmed to its agent.

    python bench/report_submissions.py [--count 500] [--concurrency 500] [--workers 2]
                                       [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.db import make_engine, make_session_factory  # noqa: E402
from bot.devtools.fake_slack import FakeSlack  # noqa: E402
from bot.devtools.slack_requests import SlackRequests, fill_view  # noqa: E402
from bot.ids import ReportIds  # noqa: E402
from bot.models import Incident, Report  # noqa: E402
from bot.services.accounts import import_accounts_csv  # noqa: E402

SECRET = "bench-signing-secret"
SCHEMA_PATH = ROOT.parent / "shared/slack/block-kit.schema.json"
PLATFORMS = ["web", "ios", "android", "desktop", "api", "other"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="view submissions to send")
    parser.add_argument(
        "--concurrency", type=int, default=0, help="requests in flight (default: all at once)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument(
        "--validate-blocks",
        action="store_true",
        help="let the fake Slack check every payload against the Block Kit schema (the tests "
        "do; here it costs ~10 ms of this machine's CPU per message, beside the app)",
    )
    args = parser.parse_args()
    concurrency = args.concurrency or args.count
    with tempfile.TemporaryDirectory(prefix="liaison-bench-") as tmp:
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if args.validate_blocks and SCHEMA_PATH.is_file():
            schema = SCHEMA_PATH
        else:  # surface limits and required arguments are still checked
            schema = Path(tmp) / "permissive.schema.json"
            schema.write_text(json.dumps({"$defs": {"modal_view": {}, "home_view": {}}}))
        with FakeSlack(schema_path=schema) as fake:
            server = _start_server(fake, database_url, args.workers, Path(tmp))
            try:
                return _bench(fake, server, database_url, args.count, concurrency, args.workers)
            finally:
                server.stop()


class _Server:
    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _start_server(fake: FakeSlack, database_url: str, workers: int, tmp: Path) -> _Server:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "LOG_LEVEL": "WARNING",
        "AUTO_MIGRATE": "true",
    }
    log = tmp / "server.log"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the app exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return _Server(process, url, log)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the app did not answer /healthz within 60 s:\n{log.read_text()}")


def _bench(
    fake: FakeSlack, server: _Server, database_url: str, count: int, concurrency: int, workers: int
) -> int:
    run = uuid.uuid4().hex[:8]
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    accounts = "account_id,name,tier,region,vip\n" + "".join(
        f"BENCH-{i:03d},Bench Customer {i},enterprise,eu-west,{'yes' if i % 10 == 0 else 'no'}\n"
        for i in range(100)
    )
    import_accounts_csv(sessions, accounts, now=_now())

    slack = SlackRequests(server.url, SECRET, response_url=fake.response_url("bench"))
    channel = f"CB{run.upper()}"
    fake.add_channel(channel, f"inc-sev2-bench-{run}")
    event = {"type": "channel_created", "channel": {"id": channel, "name": f"inc-sev2-bench-{run}"}}
    _expect_ok(slack.event(event, event_id=f"Ev{run}"))  # unique in a reused database
    incident_id = _wait_for_incident(sessions, channel)
    fake.add_user("UBENCH", "bench", real_name="Bench Agent")
    _expect_ok(slack.command("report", user="UBENCH", channel=channel, channel_name="inc-bench"))
    view = fake.wait_for("views.open", timeout=10)[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view

    for index in range(count):
        fake.add_user(_agent(index), f"agent{index}", real_name=f"Agent {index}")
    bodies = [_submission(slack, view, run, index, incident_id) for index in range(count)]
    cpu_before = _tree_cpu_seconds(server.process.pid)
    load_before = os.getloadavg()[0]
    timings, failures = _fire(server.url, bodies, concurrency)
    wall = max(end for _, end in timings) - min(start for start, _ in timings)
    latencies = sorted((end - start) * 1000 for start, end in timings)
    confirmed = _wait_for_confirmations(fake, count)
    server_cpu = _tree_cpu_seconds(server.process.pid) - cpu_before

    stored = _stored(sessions, run)
    duplicates = [index for index, n in stored.items() if n > 1]
    missing = [index for index in range(count) if index not in stored]
    engine.dispose()

    print(f"Report submissions: {count} signed view submissions, {concurrency} in flight")
    print(f"  server: python app.py (gunicorn, {workers} workers)")
    print(f"  database: {engine.url.render_as_string(hide_password=True)}")
    print(
        f"  machine: {os.cpu_count()} cores, load average {load_before:.1f} before the run "
        "(the client and the fake Slack run here too)"
    )
    print(
        "  time to HTTP response: "
        f"p50 {_pct(latencies, 50):.0f} ms · p95 {_pct(latencies, 95):.0f} ms · "
        f"p99 {_pct(latencies, 99):.0f} ms · max {latencies[-1]:.0f} ms "
        f"(mean {statistics.fmean(latencies):.0f} ms)"
    )
    print(f"  reports stored per second: {len(stored) / wall:.0f} ({len(stored)} in {wall:.2f} s)")
    if server_cpu > 0:
        print(
            f"  server CPU per report: {server_cpu / count * 1000:.1f} ms "
            "(submission, storage and confirmation DM, all workers)"
        )
    print(
        f"  failed HTTP responses: {len(failures)}"
        + (f"; first: {failures[0]}" if failures else "")
    )
    exactly_once = not duplicates and not missing
    print(
        "  every report stored exactly once: "
        + ("yes" if exactly_once else f"NO ({len(duplicates)} twice, {len(missing)} missing)")
    )
    print(f"  confirmation DMs delivered: {confirmed} of {count}")
    if fake.violations:
        print(f"  Slack would have refused: {fake.violations[:3]}")
    ok = exactly_once and not failures and confirmed == count and not fake.violations
    return 0 if ok else 1


def _tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children, from /proc (Linux);
    0 where /proc is not available."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if entry.name == str(pid) or fields[1] == str(pid):
                total += (int(fields[11]) + int(fields[12])) / ticks
    except OSError:
        return 0.0
    return total


def _submission(
    slack: SlackRequests, view: dict[str, Any], run: str, index: int, incident_id: int
) -> tuple[str, dict[str, str]]:
    """A signed body as Slack sends it: varied customers (repeats included) and details."""
    if index % 4 == 0:
        account = (f"name:Walk-in customer {index % 50}", f"Walk-in customer {index % 50}")
    else:
        account = (f"account:BENCH-{index % 100:03d}", f"Bench Customer {index % 100}")
    answers = {
        ReportIds.incident_block: str(incident_id),
        ReportIds.account_block: account,
        ReportIds.ticket_block: f"ZD-{100000 + index}",
        ReportIds.platform_block: PLATFORMS[index % len(PLATFORMS)],
        ReportIds.features_block: ["checkout", "payments"][: 1 + index % 2],
        ReportIds.contact_block: "email",
        ReportIds.summary_block: f"bench {run} #{index}: payments fail at checkout",
        ReportIds.sentiment_block: "concerned",
    }
    user = _agent(index)
    submitted = {**view, "id": f"V{run.upper()}{index:05d}", "hash": "h"}
    submitted["state"] = {"values": fill_view(view, answers)}
    payload = {
        "type": "view_submission",
        "team": {"id": slack.team_id},
        "api_app_id": slack.app_id,
        "user": {"id": user, "username": user.lower()},
        "trigger_id": f"trigger.{index}",
        "view": submitted,
    }
    body = urlencode({"payload": json.dumps(payload)})
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(
            timestamp=stamp, body=body
        ),
    }
    return body, headers


def _agent(index: int) -> str:
    return f"UB{index:05d}"


SLACK_WAIT = 3.0  # seconds Slack waits for an interaction's answer


def _fire(
    base_url: str, bodies: list[tuple[str, dict[str, str]]], concurrency: int
) -> tuple[list[tuple[float, float]], list[str]]:
    """Send every body (``concurrency`` at a time), released together by a barrier."""
    host = urlsplit(base_url)
    gate = threading.Barrier(min(concurrency, len(bodies)))
    timings: list[tuple[float, float]] = []
    failures: list[str] = []
    lock = threading.Lock()

    def send(item: tuple[int, tuple[str, dict[str, str]]]) -> None:
        index, (body, headers) = item
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        if index < gate.parties:
            gate.wait()
        start = time.perf_counter()
        try:
            connection.request("POST", "/slack/events", body=body.encode(), headers=headers)
            response = connection.getresponse()
            answer = response.read().decode()
            status = response.status
        except OSError as exc:
            answer, status = str(exc), 0
        finally:
            connection.close()
        end = time.perf_counter()
        with lock:
            timings.append((start, end))
            if status != 200 or answer:
                failures.append(f"#{index}: HTTP {status} {answer[:200]}")
            elif end - start > SLACK_WAIT:
                # Slack shows the person an error for an answer later than this.
                failures.append(f"#{index}: answered after {end - start:.1f} s")

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(send, enumerate(bodies)))
    return timings, failures


def _stored(sessions: Any, run: str) -> Counter[int]:
    prefix = f"bench {run} #"
    with sessions() as session:
        summaries = session.scalars(select(Report.summary).where(Report.summary.startswith(prefix)))
        return Counter(int(s[len(prefix) :].split(":", 1)[0]) for s in summaries)


def _wait_for_incident(sessions: Any, channel: str) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with sessions() as session:
            found = session.scalar(select(Incident.id).where(Incident.channel_id == channel))
        if found:
            return int(found)
        time.sleep(0.05)
    raise SystemExit("the incident channel did not open an incident")


def _wait_for_confirmations(fake: FakeSlack, count: int, timeout: float = 60) -> int:
    def confirmations() -> int:
        """Agents whose DM shows a confirmation (messages Slack accepted, not just calls)."""
        return sum(
            1
            for index in range(count)
            if any("Report attached" in m["text"] for m in fake.messages(_agent(index)))
        )

    deadline = time.monotonic() + timeout
    while confirmations() < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return confirmations()


def _expect_ok(result: Any) -> None:
    if result.status != 200:
        raise SystemExit(f"setup request failed: HTTP {result.status} {result.body}")


def _pct(values: list[float], percentile: int) -> float:
    index = max(0, min(len(values) - 1, round(percentile / 100 * len(values)) - 1))
    return values[index]


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


if __name__ == "__main__":
    sys.exit(main())
