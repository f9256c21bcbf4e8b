"""Benchmark: a storm of PagerDuty incidents, each getting its channel and liaison.

Runs the real app over HTTP against the in-process fake Slack and fake PagerDuty (no
network). Signed v3 ``incident.triggered`` deliveries (priority P1, one assignee each) are
posted at an even pace over ``--seconds``; a background dispatcher runs the jobs as the
scheduler would. Prints the webhook answer time, the time from each delivery to its
channel and to its Customer Liaison (median, p95, max), and the Slack and PagerDuty calls
made.

    .venv/bin/python bench/pagerduty_storm.py [--incidents 200] [--seconds 60] [--pool 25]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from app import build
from bot.clock import FakeClock
from bot.config import Settings
from bot.devtools.fake_pagerduty import FakePagerDuty, sign, webhook
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.tracking_executor import TrackingExecutor
from bot.devtools.wsgi_server import LocalServer
from bot.models import LiaisonAssignment, PagerDutyIncident

SECRET = "bench-secret"
PD_SECRET = "bench-pd-secret"


class BackgroundWaker:
    """Runs the dispatcher in its own thread whenever woken, like the scheduler does."""

    def __init__(self, dispatcher) -> None:  # type: ignore[no-untyped-def]
        self._dispatcher = dispatcher
        self._event = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def __call__(self) -> None:
        self._event.set()

    def _run(self) -> None:
        while not self._stop:
            if self._event.wait(0.2):
                self._event.clear()
            stats = self._dispatcher.run_once()
            if getattr(stats, "claimed", 0):
                self._event.set()  # more may be due

    def stop(self) -> None:
        self._stop = True
        self._event.set()
        self._thread.join(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pool", type=int, default=25)
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake, FakePagerDuty() as pd:
        members = [f"UPOOL{index:03d}" for index in range(args.pool)]
        for user_id in members:
            fake.add_user(user_id, user_id.lower(), tz="UTC")
        fake.add_user("UESC", "escalation")
        fake.add_user("UONCALL", "oncall", email="oncall@example.com")
        fake.add_usergroup("SPOOL", "liaisons", members)
        pd.users["PONCALL"] = "oncall@example.com"
        settings = Settings(
            _env_file=None,
            slack_bot_token="xoxb-bench",
            slack_signing_secret=SECRET,
            slack_api_url=fake.url,
            database_url=args.database_url or f"sqlite:///{tmp}/bench.db",
            liaison_usergroup="SPOOL",
            liaison_escalation="UESC",
            listener_threads=16,
            pagerduty_webhook_secrets=[PD_SECRET],
            pagerduty_api_url=pd.url,
            pagerduty_api_token=pd.token,
            pagerduty_from_email="liaison@example.com",
        )
        clock = FakeClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
        executor = TrackingExecutor(max_workers=settings.listener_threads)
        liaison = build(settings, clock=clock, migrate=True, listener_executor=executor)
        waker = BackgroundWaker(liaison.rt.dispatcher)
        liaison.rt.wake = waker
        incidents = [
            pd.add_incident(
                title=f"Storm incident {n}", priority="P1", assignees=[("PONCALL", "On Call")]
            )
            for n in range(args.incidents)
        ]
        posted: dict[str, float] = {}
        answers: list[float] = []
        with LocalServer(liaison.wsgi()) as server:
            url = server.url.rstrip("/") + "/webhooks/pagerduty"
            channel_at: dict[str, float] = {}
            liaison_at: dict[str, float] = {}
            watcher = threading.Thread(
                target=_watch,
                args=(liaison.rt.sessions, posted, args.incidents, channel_at, liaison_at),
                kwargs={"deadline": args.seconds + 600},
                daemon=True,
            )
            watcher.start()
            start = time.perf_counter()
            gap = args.seconds / max(1, args.incidents)
            for n, incident in enumerate(incidents):
                pause = start + n * gap - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)  # pacing the storm, not waiting for the app
                occurred = (clock.now() + timedelta(seconds=n * gap)).isoformat()
                body = webhook(
                    "incident.triggered", incident, event_id=f"EV{n}", occurred_at=occurred
                )
                request = urllib.request.Request(
                    url,
                    data=body,
                    method="POST",
                    headers={
                        "Content-Type": "application/json",
                        "X-PagerDuty-Signature": sign(body, PD_SECRET),
                    },
                )
                sent = time.perf_counter()
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                answers.append(time.perf_counter() - sent)
                posted[incident.id] = sent
            watcher.join()
            waker.stop()
        executor.shutdown(wait=True)

        to_channel = [channel_at[k] - posted[k] for k in channel_at]
        to_liaison = [liaison_at[k] - posted[k] for k in liaison_at]
        print(f"{args.incidents} PagerDuty incidents triggered over {args.seconds:.0f} s")
        print(f"  webhook answered: {_summary(answers)}")
        print(f"  channel created ({len(to_channel)}/{args.incidents}): {_summary(to_channel)}")
        print(f"  liaison assigned ({len(to_liaison)}/{args.incidents}): {_summary(to_liaison)}")
        slack = Counter(call.method for call in fake.calls)
        print(f"  Slack calls: {sum(slack.values())} ({_top(slack)})")
        pd_calls = Counter(f"{c.method} {_shape(c.path)}" for c in pd.calls)
        print(f"  PagerDuty calls: {sum(pd_calls.values())} ({_top(pd_calls)})")
    return 0


def _watch(  # type: ignore[no-untyped-def]
    sessions,
    posted: dict[str, float],
    expected: int,
    channel_at: dict[str, float],
    liaison_at: dict[str, float],
    *,
    deadline: float,
) -> None:
    """Poll, while the storm is posted, until every incident has its channel and liaison."""
    give_up = time.perf_counter() + deadline
    while time.perf_counter() < give_up and len(liaison_at) < expected:
        with sessions() as session:
            rows = session.execute(
                select(PagerDutyIncident.external_id, PagerDutyIncident.incident_id)
            ).all()
            assigned = set(session.scalars(select(LiaisonAssignment.incident_id)).all())
        now = time.perf_counter()
        for external_id, incident_id in rows:
            if incident_id is not None:
                channel_at.setdefault(external_id, now)
                if incident_id in assigned:
                    liaison_at.setdefault(external_id, now)
        time.sleep(0.05)  # polling interval of the measurement, not of the app


def _summary(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms"
    )


def _top(calls: Counter[str]) -> str:
    return ", ".join(f"{name} {count}" for name, count in calls.most_common(8))


def _shape(path: str) -> str:
    parts = path.split("/")
    return "/".join(
        ":id" if part[:1] in ("Q", "P", "E") and len(part) > 6 else part for part in parts
    )


if __name__ == "__main__":
    raise SystemExit(main())
