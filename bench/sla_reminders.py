"""How long one wake-up takes to find and send the due SLA reminders, with 50,000 open tickets.

    python bench/sla_reminders.py [--postgres URL] [--skip-postgres] [--tickets N]

Loads 500 open incidents with 50,000 unanswered tickets attached over the last hour
(a flood), owned by 1,000 agents, with deadlines from the default SLA policies and their
150,000 reminder rows (two warnings and a breach check each, as attaching schedules them;
those already due before "now" are marked sent, as earlier wake-ups would have). Then it
runs the real dispatcher against the fake Slack (served from its own process, as Slack
is), once with Slack's Block Kit schema checked
on every message (as the tests do) and once with only the surface limits checked, which
leaves the app's own work plus a local HTTP round trip per call:

- steady: the wake-up 10 s after the previous one (the default SCHEDULER_INTERVAL);
- stall: one wake-up after a full minute without any (a restart, a long deploy);
- home: the App Home refreshes the breaches asked for, SLA_HOME_REFRESH_DELAY later.

Each line gives the reminders sent, the wall time, the time spent finding them (the claim
queries), the Web API calls and the summed time inside them. Aim: steady under 2 s.
SQLite runs in a temporary file; PostgreSQL in a scratch database on the server named by
``--postgres`` (default: the local test server), dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, insert, text

from app import build
from bot.clock import FakeClock
from bot.config import Settings
from bot.db import make_engine, upgrade
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.scratch_postgres import scratch_postgres
from bot.jobs import store as reminders
from bot.models import Incident, Reminder, Report
from bot.services.sla.schedule import Kind

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
DEFAULT_POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TIERS = (("premium", 0.3), ("enterprise", 0.3), ("standard", 0.4))
BATCH = 5_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--agents", type=int, default=1_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        permissive = Path(folder) / "accept-all.schema.json"
        permissive.write_text(json.dumps({"$defs": {"modal_view": {}, "home_view": {}}}))
        for schema, label in ((None, "Block Kit schema checked"), (permissive, "limits only")):
            bench(
                f"SQLite, fake Slack with {label}",
                f"sqlite:///{folder}/{label[:6]}.db",
                schema,
                args,
            )
            if not args.skip_postgres:
                with scratch_postgres(args.postgres, prefix="liaison_bench") as url:
                    bench(f"PostgreSQL, fake Slack with {label}", url, schema, args)
    return 0


class Timer:
    """Sums the time spent in wrapped callables, across threads."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds += time.perf_counter() - started
                    self.calls += 1

        return timed

    def reset(self) -> None:
        self.seconds, self.calls = 0.0, 0


def bench(name: str, url: str, schema: Path | None, args: argparse.Namespace) -> None:
    print(f"\n== {name} ==")
    engine = make_engine(url)
    upgrade(engine)
    clock = FakeClock(NOW)
    agents = [f"UA{n:05d}" for n in range(args.agents)]
    with fake_slack_process(schema, [*agents, "UMGR"]) as fake:
        settings = Settings(
            _env_file=None,
            slack_bot_token="xoxb-bench",
            slack_signing_secret="bench",
            slack_api_url=fake.url,
            database_url=url,
            sla_escalation="UMGR",
        )
        liaison = build(settings, clock=clock, engine=engine, migrate=False)
        started = time.perf_counter()
        rows = load(engine, settings, agents, args.tickets, args.incidents)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        print(
            f"loaded {args.incidents:,} incidents, {args.tickets:,} open tickets and "
            f"{rows:,} reminder rows in {time.perf_counter() - started:.1f}s"
        )
        finding, slack = Timer(), Timer()
        original_claim = reminders.claim_due
        reminders.claim_due = finding.wrap(original_claim)  # type: ignore[assignment]
        notifier = getattr(liaison.rt.notifier, "inner", liaison.rt.notifier)
        notifier._call = slack.wrap(notifier._call)  # type: ignore[method-assign]
        try:
            for label, moment in (
                ("steady (10 s)", NOW + timedelta(seconds=10)),
                ("stall (1 min)", NOW + timedelta(seconds=70)),
                ("home refresh", NOW + timedelta(seconds=70) + settings.sla_home_refresh_delay),
            ):
                clock.set(moment)
                finding.reset()
                slack.reset()
                before = fake.calls()
                t0 = time.perf_counter()
                stats = liaison.rt.dispatcher.run_once()
                wall = time.perf_counter() - t0
                made = fake.calls() - before
                aim = ""
                if label.startswith("steady"):
                    aim = " (aim < 2 s: " + ("ok)" if wall < 2 else "OVER AIM)")
                print(
                    f"{label:<14} {stats.sent:>5} sent, {stats.obsolete} obsolete, "
                    f"{stats.failed + stats.retried} failed/retried in {wall * 1000:6.0f} ms{aim}"
                    f"\n{'':<15}finding {finding.seconds * 1000:4.0f} ms in {finding.calls} "
                    f"claims; Slack: {describe(made)}; {slack.seconds * 1000:5.0f} ms waited "
                    "in all (8 threads)"
                )
        finally:
            reminders.claim_due = original_claim  # type: ignore[assignment]
        violations = fake.violations()
    engine.dispose()
    if violations:
        print(f"Slack would have refused {len(violations)} calls, e.g. {violations[0]}")


def describe(calls: Counter[str]) -> str:
    return ", ".join(f"{count} {method}" for method, count in calls.most_common()) or "no calls"


class FakeSlackProcess:
    """A fake Slack served from its own process, as Slack is: it does not share our GIL."""

    def __init__(self, url: str, connection: Connection) -> None:
        self.url = url
        self._connection = connection

    def calls(self) -> Counter[str]:
        self._connection.send("calls")
        return Counter(self._connection.recv())

    def violations(self) -> list[str]:
        self._connection.send("violations")
        return list(self._connection.recv())


def _serve_fake(schema: Path | None, users: list[str], connection: Connection) -> None:
    with FakeSlack(schema_path=schema) as fake:
        for user in users:
            fake.add_user(user, user.lower())
        connection.send(fake.url)
        while (command := connection.recv()) != "stop":
            if command == "calls":
                connection.send(dict(Counter(call.method for call in fake.calls)))
            else:
                connection.send(list(fake.violations))


@contextmanager
def fake_slack_process(schema: Path | None, users: list[str]) -> Iterator[FakeSlackProcess]:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve_fake, args=(schema, users, theirs), daemon=True)
    process.start()
    try:
        yield FakeSlackProcess(ours.recv(), ours)
    finally:
        ours.send("stop")
        process.join(timeout=10)


def load(
    engine: Engine, settings: Settings, agents: list[str], tickets: int, incidents: int
) -> int:
    """Incidents, tickets and their reminder rows, as attaching over the last hour made them."""
    rng = random.Random(6)
    policies = settings.sla_policy_map()
    leads = settings.sla_reminder_leads
    with engine.begin() as connection:
        incident_ids = [
            connection.execute(
                insert(Incident).returning(Incident.id),
                {"channel_id": f"CINC{n:04d}", "channel_name": f"inc-{n}", "title": f"Outage {n}",
                 "severity": "sev2", "status": "open", "opened_at": NOW - timedelta(hours=2)},
            ).scalar_one()
            for n in range(incidents)
        ]  # fmt: skip
    reports: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for number in range(1, tickets + 1):
        tier = rng.choices([t for t, _ in TIERS], [w for _, w in TIERS])[0]
        created = NOW - timedelta(seconds=rng.uniform(0, 3600))
        due = policies[tier].first_response_due(created)
        owner = rng.choice(agents)
        incident_id = incident_ids[number % incidents]
        reports.append(
            {"id": number, "incident_id": incident_id, "customer_name": f"Customer {number}",
             "customer_key": f"c{number}", "ticket_ref": f"T-{number}", "tier": tier,
             "summary": "Checkout fails", "owner_user_id": owner, "reported_by": owner,
             "created_at": created, "sla_policy": tier, "first_response_due_at": due,
             "breached_at": due if due <= NOW else None}
        )  # fmt: skip
        since = created.strftime("%Y%m%dT%H%M%S.%f")
        planned = [(Kind.warning, due - lead, owner, lead) for lead in leads]
        planned.append((Kind.breach, due, None, None))
        for kind, at, target, lead in planned:
            seconds = int(lead.total_seconds()) if lead else 0
            key = f"{kind}:{number}:{owner}:{since}:{seconds}" if lead else f"{kind}:{number}"
            rows.append(
                {"kind": kind, "dedupe_key": key, "incident_id": incident_id, "report_id": number,
                 "target": target, "payload": {"lead_seconds": seconds} if lead else {},
                 "due_at": at, "status": "sent" if at <= NOW else "pending", "attempts": 0,
                 "created_at": created, "sent_at": at if at <= NOW else None}
            )  # fmt: skip
    with engine.begin() as connection:
        for start in range(0, len(reports), BATCH):
            connection.execute(insert(Report), reports[start : start + BATCH])
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(Reminder), rows[start : start + BATCH])
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT setval('reports_id_seq', (SELECT MAX(id) FROM reports))")
            )
    return len(rows)


if __name__ == "__main__":
    sys.exit(main())
