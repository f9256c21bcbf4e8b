"""Benchmark: dispatching 10,000 due cadence nudges across 1,000 incidents.

Each of 1,000 open sev1 incidents is overdue, and its escalation goes to the 10 members of
the escalation group: 10,000 due reminders, one DM each, through the real reminder engine
and cadence handlers (deadline re-check, template, Web API call) against the fake Slack.
The fake runs in its own process, as Slack would. Prints how long it took to claim and send
everything, peak memory, and verifies that every nudge was sent exactly once.

    python bench/cadence_dispatch.py                       # temporary SQLite database
    python bench/cadence_dispatch.py --database-url postgresql://postgres@127.0.0.1/bench
    python bench/cadence_dispatch.py --processes 2         # two dispatching replicas

Beside it (one replica), the same reminders are sent by a bare claim-and-DM loop on the
same stack (SQLAlchemy, slack_sdk's stock WebClient, the same threads and batch size, a
fresh database and fake Slack): claim a batch, post one fixed text per row, mark it
sent. The ratio of the two is what everything Liaison does per nudge costs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from app import build  # noqa: E402
from bot import jobs  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import make_engine, make_session_factory, upgrade  # noqa: E402
from bot.devtools.fake_slack import FakeSlack  # noqa: E402
from bot.devtools.fake_slack_http import FakeSlackServer  # noqa: E402
from bot.models import Base, Incident, Reminder  # noqa: E402
from bot.services.cadence_plan import KINDS, Milestone, Stage, update_deadline  # noqa: E402

SCHEMA = ROOT.parent / "shared/slack/block-kit.schema.json"
GROUP = "SONCALL"


def serve_fake_slack(members: list[str], conn: Connection) -> None:
    """Child process: run the fake Slack until asked for the tally of DMs it received.

    The fake's listen backlog is socketserver's default of 5 connections; every dispatcher
    thread opens its own, so connections beyond it would wait out a SYN retransmission
    (1 s) and the figures would measure that. Slack accepts them: so does this process.
    """
    FakeSlackServer.request_queue_size = 128
    with FakeSlack(schema_path=SCHEMA if SCHEMA.is_file() else None) as fake:
        for member in members:
            fake.add_user(member, member.lower())
        fake.add_usergroup(GROUP, "oncall", members)
        conn.send(fake.url)
        conn.recv()  # "tally"
        tally: Counter[tuple[str, str]] = Counter()
        for call in fake.calls_to("chat.postMessage"):
            incident = call.params.get("text", "").split("incident #", 1)[-1].split("*", 1)[0]
            tally[(str(call.params.get("channel")), incident)] += 1
        usage = resource.getrusage(resource.RUSAGE_SELF)
        conn.send((dict(tally), list(fake.violations), usage.ru_utime + usage.ru_stime))


def settings_for(database_url: str, slack_url: str, threads: int, batch: int) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token="xoxb-bench",
        slack_signing_secret="bench",
        slack_api_url=slack_url,
        database_url=database_url,
        liaison_escalation=GROUP,
        reminder_threads=threads,
        reminder_batch_size=batch,
    )


def seed(database_url: str, incidents: int, members: list[str]) -> int:
    """Open overdue incidents and one due escalation reminder per incident and member."""
    engine = make_engine(database_url)
    upgrade(engine)
    settings = Settings(_env_file=None)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    kind = KINDS[Milestone.update, Stage.escalate]
    with make_session_factory(engine).begin() as session:
        for number in range(incidents):
            incident = Incident(
                channel_id=f"C{number:05d}", channel_name=f"inc-{number}",
                title=f"Outage {number}", severity="sev1", status="open", opened_by="UIC",
                opened_at=now - timedelta(minutes=40),
            )  # fmt: skip
            session.add(incident)
            session.flush()
            deadline = update_deadline(session, settings, incident)
            assert deadline is not None
            for member in members:
                jobs.schedule(
                    session, kind, deadline.payload(),
                    key=f"{deadline.key(incident.id, Stage.escalate)}:{member}",
                    due_at=deadline.escalate_at, now=now, incident_id=incident.id,
                    target=member,
                )  # fmt: skip
    with make_session_factory(engine)() as session:
        count = int(session.scalar(select(func.count(Reminder.id))) or 0)
    engine.dispose()
    return count


def dispatch(
    database_url: str, slack_url: str, threads: int, batch: int, ready: Callable[[], None]
) -> dict[str, Any]:
    """One replica: build the real app, say it is ready, run its dispatcher until nothing
    is due."""
    liaison = build(settings_for(database_url, slack_url, threads, batch), migrate=False)
    ready()
    started, cpu = time.perf_counter(), _cpu_seconds()
    stats = liaison.rt.dispatcher.run_once()
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    liaison.engine.dispose()
    return {
        "elapsed": elapsed,
        "cpu": cpu,
        "claimed": stats.claimed,
        "sent": stats.sent,
        "failed": stats.failed,
        "retried": stats.retried,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def bare_dispatch(
    database_url: str, slack_url: str, threads: int, batch: int, ready: Callable[[], None]
) -> dict[str, Any]:
    """The yardstick: claim due rows in batches, DM each with a fixed text, mark it sent."""
    from concurrent.futures import ThreadPoolExecutor

    from slack_sdk import WebClient

    engine = make_engine(database_url)
    client = WebClient(token="xoxb-bench", base_url=slack_url)
    postgres = engine.dialect.name == "postgresql"
    lock = " FOR UPDATE SKIP LOCKED" if postgres else ""
    claim = text(
        "UPDATE reminders SET status = 'claimed' WHERE id IN (SELECT id FROM reminders "
        f"WHERE status = 'pending' AND due_at <= :now ORDER BY due_at LIMIT :n{lock}) "
        "RETURNING id, target, incident_id"
    )
    done = text("UPDATE reminders SET status = 'sent' WHERE id = :id")

    def send(row: Any) -> None:
        client.chat_postMessage(
            channel=row.target, text=f"Update due on incident #{row.incident_id}*"
        )
        with engine.begin() as connection:
            connection.execute(done, {"id": row.id})

    ready()
    started, cpu, sent = time.perf_counter(), _cpu_seconds(), 0
    with ThreadPoolExecutor(max_workers=threads) as pool:
        while True:
            now = datetime.now(UTC).replace(tzinfo=None)
            with engine.begin() as connection:
                rows = connection.execute(claim, {"now": now, "n": batch}).all()
            if not rows:
                break
            list(pool.map(send, rows))
            sent += len(rows)
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    engine.dispose()
    return {
        "elapsed": elapsed, "cpu": cpu, "claimed": sent, "sent": sent, "failed": 0,
        "retried": 0, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }  # fmt: skip


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _replica(database_url: str, slack_url: str, threads: int, batch: int, conn: Connection) -> None:
    def ready() -> None:  # every replica built and connected before the clock starts
        conn.send("ready")
        conn.recv()

    conn.send(dispatch(database_url, slack_url, threads, batch, ready))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--threads", type=int, default=8, help="dispatcher threads per replica")
    parser.add_argument("--batch", type=int, default=200, help="reminders claimed per batch")
    parser.add_argument("--processes", type=int, default=1, help="dispatching replicas")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare loop beside it")
    args = parser.parse_args()
    ok, ours = phase(args, dispatch)
    if args.processes == 1 and not args.no_bare:
        print("The bare claim-and-DM loop, same stack:")
        bare_ok, bare = phase(args, bare_dispatch)
        ok = ok and bare_ok
        print(f"Liaison / bare loop: {ours[0] / bare[0]:.2f}× the time, "
              f"{ours[1] / bare[1]:.2f}× the CPU of the dispatching process "
              f"({ours[1] / ours[2] * 1000:.2f} vs {bare[1] / bare[2] * 1000:.2f} ms "
              "per nudge)")  # fmt: skip
    return 0 if ok else 1


def phase(
    args: argparse.Namespace, run: Callable[..., dict[str, Any]]
) -> tuple[bool, tuple[float, float, int]]:
    """Seed a fresh database, dispatch it all with ``run``; (ok, (wall, cpu, sent))."""
    members = [f"U{index:04d}" for index in range(args.members)]
    workdir = tempfile.TemporaryDirectory(prefix="liaison-bench-")
    database_url = args.database_url or f"sqlite:///{Path(workdir.name) / 'bench.db'}"

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    fake = context.Process(target=serve_fake_slack, args=(members, child), daemon=True)
    fake.start()
    slack_url = parent.recv()
    seeded = seed(database_url, args.incidents, members)
    print(f"Seeded {seeded:,} due reminders across {args.incidents:,} incidents "
          f"({make_engine(database_url).dialect.name}).")  # fmt: skip

    replicas: list[multiprocessing.process.BaseProcess] = []
    if args.processes == 1:
        started = 0.0

        def start_clock() -> None:
            nonlocal started
            started = time.perf_counter()

        results = [run(database_url, slack_url, args.threads, args.batch, start_clock)]
    else:
        pipes = []
        for _ in range(args.processes):
            ours, theirs = context.Pipe()
            replica = context.Process(
                target=_replica,
                args=(database_url, slack_url, args.threads, args.batch, theirs),
            )
            replica.start()
            pipes.append(ours)
            replicas.append(replica)
        for pipe in pipes:
            assert pipe.recv() == "ready"
        started = time.perf_counter()
        for pipe in pipes:
            pipe.send("go")
        results = [pipe.recv() for pipe in pipes]
    wall = time.perf_counter() - started
    for replica in replicas:
        replica.join()

    parent.send("tally")
    tally, violations, fake_cpu = parent.recv()
    fake.join(timeout=10)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        statuses = dict(
            session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all()
        )
    engine.dispose()

    sent = sum(r["sent"] for r in results)
    expected = {(member, str(number + 1)) for number in range(args.incidents) for member in members}
    twice = sum(1 for count in tally.values() if count > 1)
    missing = len(expected - set(tally))
    for index, result in enumerate(results):
        print(f"  replica {index + 1}: claimed {result['claimed']:,}, sent {result['sent']:,} "
              f"in {result['elapsed']:.2f} s using {result['cpu']:.1f} s of CPU; "
              f"peak RSS {result['peak_rss_mb']:.0f} MB")  # fmt: skip
    print(f"Dispatched {sent:,} of {seeded:,} in {wall:.2f} s "
          f"({sent / wall:,.0f} reminders/s); reminder rows: {statuses}")  # fmt: skip
    print(f"Slack received {sum(tally.values()):,} DMs: {missing} missing, {twice} sent twice, "
          f"{len(violations)} Block Kit violations; the fake Slack used {fake_cpu:.1f} s "
          f"of CPU")  # fmt: skip
    ok = sent == seeded and missing == 0 and twice == 0 and statuses == {"sent": seeded}
    print("OK: every nudge sent exactly once." if ok else "FAILED: see the figures above.")
    workdir.cleanup()
    return ok, (wall, sum(r["cpu"] for r in results), max(sent, 1))


if __name__ == "__main__":
    sys.exit(main())
