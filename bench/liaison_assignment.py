"""Benchmark: how fast a major incident gets its Customer Liaison, and at what Web API cost.

Runs the real app over HTTP against the in-process fake Slack (no network, no sleeping),
with a liaison pool read from a user group. Prints, for a burst of major incident channels
created one after another:

* the time from the signed ``channel_created`` request to the liaison's checklist DM
  (choice, invite, topic, announcement and DM all done), median, p95 and max, for
  incidents one at a time and for a burst that leaves nobody free in the pool;
* the Web API calls made per assignment (profiles are read lazily, in fairness order);
* how long one dispatcher wake-up takes to move every open incident to its next member
  when all their accept timeouts fall due at once.

    .venv/bin/python bench/liaison_assignment.py [--incidents 40] [--burst 20] [--pool 25]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import build
from bot.clock import FakeClock
from bot.config import Settings
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.inline_waker import InlineWaker
from bot.devtools.slack_requests import SlackRequests
from bot.devtools.tracking_executor import TrackingExecutor
from bot.devtools.wsgi_server import LocalServer

SECRET = "bench-secret"
TIME_ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "UTC")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=40)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--pool", type=int, default=25)
    parser.add_argument(
        "--database-url",
        default="",
        help="a dedicated, empty database (it is migrated and written to); "
        "default: a temporary SQLite file",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        database_url = args.database_url or f"sqlite:///{tmp}/bench.db"
        members = [f"UPOOL{index:03d}" for index in range(args.pool)]
        for index, user_id in enumerate(members):
            fake.add_user(user_id, user_id.lower(), tz=TIME_ZONES[index % len(TIME_ZONES)])
        fake.add_user("UESC", "escalation")
        fake.add_usergroup("SPOOL", "liaisons", members)
        settings = Settings(
            _env_file=None,
            slack_bot_token="xoxb-bench",
            slack_signing_secret=SECRET,
            slack_api_url=fake.url,
            database_url=database_url,
            liaison_usergroup="SPOOL",
            liaison_escalation="UESC",
            listener_threads=16,
        )
        clock = FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
        executor = TrackingExecutor(max_workers=settings.listener_threads)
        liaison = build(settings, clock=clock, migrate=True, listener_executor=executor)
        waker = InlineWaker(liaison.rt.dispatcher)
        liaison.rt.wake = waker
        with LocalServer(liaison.wsgi()) as server:
            slack = SlackRequests(server.url, SECRET, response_url=fake.response_url("bench"))
            latencies = []
            for number in range(args.incidents):
                channel = _open(fake, slack, executor, latencies, number)
                if channel is None:
                    return 1
                slack.command("resolve fixed", channel=channel, user="UESC")
                executor.wait_idle(timeout=60)
                clock.advance(timedelta(minutes=3))
            steady = Counter(call.method for call in fake.calls)

            fake.clear()
            burst: list[float] = []
            for number in range(args.incidents, args.incidents + args.burst):
                if _open(fake, slack, executor, burst, number) is None:
                    return 1
            burst_calls = Counter(call.method for call in fake.calls)
            clock.advance(timedelta(minutes=5))
            started = time.perf_counter()
            stats = waker.dispatch()
            timeout_wave = time.perf_counter() - started
        executor.shutdown(wait=True)
        liaison.engine.dispose()

    print(f"Liaison assignment, pool of {args.pool} (a user group; 3 in 5 members in hours)")
    print(f"  {args.incidents} major incidents one at a time (each resolved before the next):")
    print(f"    channel_created -> checklist DM: {_spread(latencies)}")
    print(f"    Web API calls per assignment: {_per(steady, args.incidents)}")
    print(f"  {args.burst} major incidents open at once (the pool runs out of free members):")
    print(f"    channel_created -> checklist DM: {_spread(burst)}")
    print(f"    Web API calls per assignment: {_per(burst_calls, args.burst)}")
    print(
        f"    all {args.burst} accept timeouts falling due together: {_ms(timeout_wave)} "
        f"({stats.claimed} reminders, {stats.failed} failed)"
    )
    return 0


def _open(
    fake: FakeSlack,
    slack: SlackRequests,
    executor: TrackingExecutor,
    latencies: list[float],
    number: int,
) -> str | None:
    """Create one major incident channel; time it until the liaison's checklist DM."""
    channel = f"CBENCH{number:04d}"
    name = f"inc-sev1-bench-{number}"
    fake.add_channel(channel, name)
    before = _checklists(fake)
    started = time.perf_counter()
    slack.event({"type": "channel_created", "channel": {"id": channel, "name": name}})
    executor.wait_idle(timeout=60)
    latencies.append(time.perf_counter() - started)
    if _checklists(fake) <= before:
        print(f"incident {number}: no checklist DM was sent", file=sys.stderr)
        return None
    return channel


def _per(calls: Counter[str], count: int) -> str:
    total = sum(calls.values()) / count
    parts = ", ".join(
        f"{method} {calls[method] / count:.1f}"
        for method in ("usergroups.users.list", "users.info", "conversations.invite")
    )
    return f"{total:.1f} ({parts})"


def _spread(values: list[float]) -> str:
    return (
        f"median {_ms(statistics.median(values))}, p95 {_ms(_p95(values))}, max {_ms(max(values))}"
    )


def _checklists(fake: FakeSlack) -> int:
    return sum(
        1
        for call in fake.calls_to("chat.postMessage")
        if str(call.params.get("channel", "")).startswith("UPOOL")
    )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


if __name__ == "__main__":
    sys.exit(main())
