"""Benchmark: acknowledging report submissions, Liaison beside a bare ack-only Bolt app.

Both servers run at once, served the same way (gunicorn, ``--workers`` gthread workers of
``--threads`` threads, the same signature check): Liaison as in production
(``python app.py``), the bare app from bench/bare_ack_app.py. The fake Slack runs in a
process of its own (bench/served_fake_slack.py). For each load (500
signed ``report.submit`` view submissions at 10 and at 50 in flight) the trials alternate
bare, Liaison, bare, Liaison ..., each Liaison trial on a fresh incident, and each is
measured until everything the reports set off that is due within a few seconds (the
agent's confirmation DM, App Home, the impact summary) has been done. It prints, per
server and load, the time to HTTP response (p50/p99 over all trials), throughput and
server CPU per report (all processes of the server), and Liaison's ratios to the bare app;
and it checks that every report was stored exactly once and confirmed.

    python bench/report_ack.py [--count 500] [--loads 10,50] [--trials 3] [--workers 2]
                               [--threads 8]
                               [--database-url postgresql://postgres@127.0.0.1/test]

With ``--database-url`` a scratch database is created on that server and dropped after.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report_submissions import (  # noqa: E402
    SECRET,
    _agent,
    _fire,
    _pct,
    _submission,
    _tree_cpu_seconds,
)
from served_fake_slack import FakeSlackProcess  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.db import make_engine, make_session_factory, normalise_url  # noqa: E402
from bot.devtools.scratch_postgres import scratch_postgres  # noqa: E402
from bot.devtools.slack_requests import SlackRequests  # noqa: E402
from bot.models import Incident, Reminder, Report  # noqa: E402
from bot.services.accounts import import_accounts_csv  # noqa: E402

# Follow-on work due this soon after the last answer counts as the report's own cost.
SETTLE_HORIZON = timedelta(seconds=10)


@dataclass
class Trial:
    latencies: list[float]
    throughput: float
    cpu_ms_per_report: float
    failures: list[str]


@dataclass
class Tally:
    trials: list[Trial] = field(default_factory=list)

    @property
    def latencies(self) -> list[float]:
        return sorted(v for t in self.trials for v in t.latencies)

    def p(self, percentile: int) -> float:
        return _pct(self.latencies, percentile)

    @property
    def throughput(self) -> float:
        return statistics.median(t.throughput for t in self.trials)

    @property
    def cpu(self) -> float:
        return statistics.median(t.cpu_ms_per_report for t in self.trials)


class Server:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], tmp: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.name = name
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"{name}.log"
        env = {**os.environ, **env, "PORT": str(self.port)}
        self.process = subprocess.Popen(
            [*argv, "--port", str(self.port)] if name == "bare" else argv,
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited early:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:  # not listening yet, or too busy starting to answer in time
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer /healthz:\n{self.log.read_text()}")

    def cpu(self) -> float:
        return _tree_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def database(url: str, tmp: Path) -> Iterator[str]:
    if not url:
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    with scratch_postgres(normalise_url(url), prefix="liaison_bench") as scratch:
        yield scratch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="submissions per trial")
    parser.add_argument("--loads", default="10,50", help="requests in flight, comma-separated")
    parser.add_argument("--trials", type=int, default=3, help="trials per server and load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker (both)")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()
    loads = [int(n) for n in args.loads.split(",") if n.strip()]
    with tempfile.TemporaryDirectory(prefix="liaison-bench-") as name:
        tmp = Path(name)
        schema = tmp / "permissive.schema.json"  # surface limits are still checked
        schema.write_text(json.dumps({"$defs": {"modal_view": {}, "home_view": {}}}))
        manager = FakeSlackProcess(ctx=multiprocessing.get_context("spawn"))
        manager.start()
        try:
            fake = manager.ServedFake(str(schema))  # type: ignore[attr-defined]
            fake.serve()
            with database(args.database_url, tmp) as url:
                return run(fake, url, args, loads, tmp)
        finally:
            manager.shutdown()


def run(fake: Any, database_url: str, args: argparse.Namespace, loads: list[int], tmp: Path) -> int:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": fake.base_url(),
        "DATABASE_URL": database_url,
        "WEB_CONCURRENCY": str(args.workers),
        "WEB_THREADS": str(args.threads),
        "LOG_LEVEL": "WARNING",
        "AUTO_MIGRATE": "true",
    }
    bare_argv = [sys.executable, str(ROOT / "bench/bare_ack_app.py")]
    sizes = ["--workers", str(args.workers), "--threads", str(args.threads)]
    bare = Server("bare", [*bare_argv, *sizes], env, tmp)
    liaison = Server("liaison", [sys.executable, str(ROOT / "app.py")], env, tmp)
    try:
        bare.wait_ready()
        liaison.wait_ready()
        return measure(fake, bare, liaison, database_url, args, loads)
    finally:
        liaison.stop()
        bare.stop()


def measure(
    fake: Any,
    bare: Server,
    liaison: Server,
    database_url: str,
    args: argparse.Namespace,
    loads: list[int],
) -> int:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    accounts = "account_id,name,tier,region,vip\n" + "".join(
        f"BENCH-{i:03d},Bench Customer {i},enterprise,eu-west,{'yes' if i % 10 == 0 else 'no'}\n"
        for i in range(100)
    )
    import_accounts_csv(sessions, accounts, now=datetime.now(UTC))
    # The bare app gets the same bodies (the real modal's state) as Liaison does.
    setup = SlackRequests(liaison.url, SECRET, response_url=fake.response_url_for("bench"))
    sample = open_incident(fake, setup, sessions, "setup")
    results: dict[tuple[str, int], Tally] = {}
    problems: list[str] = []
    trial_number = 0
    for load in loads:
        for _ in range(args.trials):
            trial_number += 1
            for server in (bare, liaison):
                run_id = f"t{trial_number:02d}{server.name[0]}"
                trial, problem = one_trial(fake, server, sessions, run_id, args.count, load, sample)
                results.setdefault((server.name, load), Tally()).trials.append(trial)
                if problem:
                    problems.append(f"{server.name} at {load} in flight: {problem}")
    engine.dispose()
    report(results, loads, args, database_url, problems, fake.refused())
    return 1 if problems else 0


def one_trial(
    fake: Any,
    server: Server,
    sessions: Any,
    run_id: str,
    count: int,
    load: int,
    sample: tuple[int, Any],
) -> tuple[Trial, str]:
    slack = SlackRequests(server.url, SECRET, response_url=fake.response_url_for("bench"))
    agents = [f"{_agent(index)}{run_id}" for index in range(count)]
    fake.add_users(agents)
    incident_id, view = sample
    if server.name == "liaison":
        incident_id, view = open_incident(fake, slack, sessions, run_id)
    bodies = []
    for index in range(count):
        body, headers = _submission(slack, view, run_id, index, incident_id)
        bodies.append((body.replace(_agent(index), agents[index]), headers))
    bodies = [(b, resign(b, h)) for b, h in bodies]
    cpu_before = server.cpu()
    timings, failures = _fire(server.url, bodies, load)
    wall = max(end for _, end in timings) - min(start for start, _ in timings)
    problem = ""
    if server.name == "liaison":
        problem = settle(fake, sessions, run_id, agents, incident_id, count)
    cpu = server.cpu() - cpu_before
    if failures:
        problem = f"{len(failures)} failed responses, first: {failures[0]}"
    return (
        Trial(
            latencies=[(end - start) * 1000 for start, end in timings],
            throughput=count / wall,
            cpu_ms_per_report=cpu / count * 1000,
            failures=failures,
        ),
        problem,
    )


def resign(body: str, headers: dict[str, str]) -> dict[str, str]:
    from slack_sdk.signature import SignatureVerifier

    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    return {**headers, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def open_incident(fake: Any, slack: SlackRequests, sessions: Any, run_id: str) -> tuple[int, Any]:
    channel = f"CB{run_id.upper()}"
    fake.add_incident_channel(channel, f"inc-sev2-bench-{run_id}")
    event = {"type": "channel_created", "channel": {"id": channel, "name": f"inc-sev2-{run_id}"}}
    slack.event(event, event_id=f"Ev{run_id}{os.getpid()}")
    deadline = time.monotonic() + 10
    incident_id = None
    while incident_id is None and time.monotonic() < deadline:
        with sessions() as session:
            incident_id = session.scalar(select(Incident.id).where(Incident.channel_id == channel))
        time.sleep(0.05)
    if incident_id is None:
        raise SystemExit("the incident channel did not open an incident")
    fake.add_users(["UBENCH"])
    opened = fake.views_opened()
    slack.command("report", user="UBENCH", channel=channel, channel_name="inc-bench")
    return int(incident_id), fake.view_opened(opened + 1)


def settle(
    fake: Any, sessions: Any, run_id: str, agents: list[str], incident_id: int, count: int
) -> str:
    """Wait until every report is confirmed and no job due soon is left; say what is wrong."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        horizon = datetime.now(UTC) + SETTLE_HORIZON
        with sessions() as session:
            open_jobs = session.scalar(
                select(func.count(Reminder.id)).where(
                    Reminder.status.in_(("pending", "claimed")), Reminder.due_at <= horizon
                )
            )
        if not open_jobs:
            break
        time.sleep(0.2)
    prefix = f"bench {run_id} #"
    with sessions() as session:
        stored = list(
            session.scalars(
                select(func.count(Report.id))
                .where(Report.summary.startswith(prefix))
                .group_by(Report.summary)
            )
        )
    confirmed = fake.confirmed(agents)
    if len(stored) != count or any(n != 1 for n in stored):
        return f"stored {sum(stored)} reports for {count} submissions ({len(stored)} distinct)"
    if confirmed != count:
        return f"{confirmed} of {count} confirmations delivered"
    return ""


def report(
    results: dict[tuple[str, int], Tally],
    loads: list[int],
    args: argparse.Namespace,
    database_url: str,
    problems: list[str],
    refused: list[str],
) -> None:
    backend = make_engine(database_url).dialect.name
    print(
        f"Report acknowledgement: {args.count} signed report.submit view submissions per trial, "
        f"{args.trials} interleaved trials per server and load; gunicorn, {args.workers} "
        f"workers of {args.threads} threads; {backend}; {os.cpu_count()} cores (client and "
        "fake Slack share them)"
    )
    print(f"{'in flight':>9} {'server':<8} {'p50 ms':>8} {'p99 ms':>8} {'reports/s':>10} "
          f"{'CPU ms/report':>14}")  # fmt: skip
    for load in loads:
        bare, ours = results[("bare", load)], results[("liaison", load)]
        for name, tally in (("bare", bare), ("liaison", ours)):
            print(
                f"{load:>9} {name:<8} {tally.p(50):>8.0f} {tally.p(99):>8.0f} "
                f"{tally.throughput:>10.0f} {tally.cpu:>14.1f}"
            )
        p50, p99 = ours.p(50) / bare.p(50), ours.p(99) / bare.p(99)
        rate, cpu = ours.throughput / bare.throughput, ours.cpu / bare.cpu
        print(f"{load:>9} {'ratio':<8} {p50:>7.1f}× {p99:>7.1f}× {rate:>9.2f}× "
              f"{cpu:>13.1f}×")  # fmt: skip
    print("Every report stored exactly once and confirmed: " + ("yes" if not problems else "NO"))
    for problem in problems:
        print(f"  {problem}")
    if refused:
        print(f"Slack would have refused: {refused}")


if __name__ == "__main__":
    sys.exit(main())
