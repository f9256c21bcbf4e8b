"""How long the impact summary takes to compute and render, on SQLite and PostgreSQL.

    python bench/impact_summary.py [--postgres URL] [--skip-postgres] [--runs N]

Loads an accounts directory of 20,000 accounts (with platform, version and features, the
impact summary's baselines), one incident with 10,000 reports, one with
100,000, and 1,000 incidents of 100 reports each, then times ``build_summary`` (the
grouped queries and the analysis) and the Block Kit rendering of the live and full
summaries. Aims: under 200 ms at 10,000 reports and under 1 s at 100,000.

SQLite runs in a temporary file. PostgreSQL runs in a scratch database created on the
server named by ``--postgres`` (default: the local test server) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, insert, text

from bot.config import Settings
from bot.db import make_engine, make_session_factory, upgrade
from bot.devtools.scratch_postgres import scratch_postgres
from bot.models import Account, AccountFeature, Incident, Report, ReportFeature
from bot.rendering import Renderer
from bot.services.impact.summary import build_summary
from bot.slack.impact_blocks import full_summary_message, live_summary_message

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DEFAULT_POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REGIONS = ["us-east", "us-west", "ca-central", "sa-east", "eu-west", "eu-central",
           "eu-north", "eu-south", "ap-south", "ap-southeast", "ap-northeast", "other"]  # fmt: skip
TIERS = ["standard", "enterprise", "premium"]
PLATFORMS = ["web", "ios", "android", "desktop", "api"]
FEATURES = ["login", "checkout", "payments", "search", "notifications", "api", "reporting"]
VERSIONS = [f"5.{minor}.{patch}" for minor in range(10) for patch in range(5)]
ACCOUNTS = 20_000
BATCH = 5_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        bench("SQLite", engine, args.runs)
        engine.dispose()
    if not args.skip_postgres:
        with scratch_postgres(args.postgres, prefix="liaison_bench") as url:
            engine = make_engine(url)
            bench("PostgreSQL", engine, args.runs)
            engine.dispose()
    return 0


def bench(name: str, engine: Engine, runs: int) -> None:
    print(f"\n== {name} ==")
    upgrade(engine)
    sessions = make_session_factory(engine)
    rng = random.Random(42)
    started = time.perf_counter()
    account_ids = load_accounts(engine, rng)
    big = {size: load_incident(engine, rng, account_ids, size, f"CBIG{size}") for size in
           (10_000, 100_000)}  # fmt: skip
    small = [load_incident(engine, rng, account_ids, 100, f"CSMALL{i}") for i in range(1000)]
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load: statistics and the visibility map
        # (index-only scans).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    elapsed = time.perf_counter() - started
    print(f"loaded {ACCOUNTS:,} accounts and 210,000 reports in {elapsed:.1f}s")
    settings = Settings(_env_file=None)
    renderer = Renderer()

    def summary_of(incident_id: int) -> Callable[[], Any]:
        def compute() -> Any:
            with sessions() as session:
                incident = session.get(Incident, incident_id)
                return build_summary(session, settings, incident, NOW)

        return compute

    def render(summary: Any) -> None:
        live_summary_message(summary, renderer, refresh=settings.impact_refresh)
        full_summary_message(summary, renderer, segments_shown=settings.impact_segments_shown)

    for size, incident_id in big.items():
        compute = summary_of(incident_id)
        summary = compute()  # warm-up: caches, statistics
        compute_t = timings(compute, runs)
        render_t = timings(lambda summary=summary: render(summary), runs)
        total = statistics.median(compute_t.wall) + statistics.median(render_t.wall)
        aim = 200 if size == 10_000 else 1000
        verdict = "ok" if total < aim else "OVER AIM"
        print(
            f"{size:>7,} reports: compute {compute_t} + render {render_t}"
            f" = {total:.0f} ms  (aim < {aim} ms: {verdict})"
        )
    per_incident = []
    started = time.perf_counter()
    for incident_id in small:
        t0 = time.perf_counter()
        render(summary_of(incident_id)())
        per_incident.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - started
    print(
        f"1,000 incidents x 100 reports: median {statistics.median(per_incident):.1f} ms, "
        f"best {min(per_incident):.1f} ms, p95 {statistics.quantiles(per_incident, n=20)[-1]:.1f}"
        f" ms per incident (compute + render), {total:.1f} s for all"
    )


class Timings:
    """Wall-clock and this process's CPU time of repeated runs, in milliseconds.

    On a shared machine the wall clock includes waiting for a core; the best run and the
    CPU time (which, for SQLite, is all the work) show what the code itself costs.
    """

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __str__(self) -> str:
        return (
            f"{statistics.median(self.wall):.0f} ms (best {min(self.wall):.0f}, "
            f"cpu {statistics.median(self.cpu):.0f})"
        )


def timings(fn: Callable[[], Any], runs: int) -> Timings:
    result = Timings()
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        result.wall.append((time.perf_counter() - wall) * 1000)
        result.cpu.append((time.process_time() - cpu) * 1000)
    return result


def load_accounts(engine: Engine, rng: random.Random) -> list[str]:
    ids = [f"{rng.randint(1, 9)}{i:06d}" for i in range(ACCOUNTS)]
    rows = [
        {"account_id": account_id, "name": f"Customer {account_id}", "tier": rng.choice(TIERS),
         "region": rng.choice(REGIONS), "vip": rng.random() < 0.02, "updated_at": NOW,
         "platform": rng.choice(PLATFORMS), "product_version": rng.choice(VERSIONS)}
        for account_id in ids
    ]  # fmt: skip
    features = [
        {"account_id": account_id, "feature": feature}
        for account_id in ids
        for feature in rng.sample(FEATURES, rng.choice((0, 1, 2, 3)))
    ]
    with engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(Account), rows[start : start + BATCH])
        for start in range(0, len(features), BATCH):
            connection.execute(insert(AccountFeature), features[start : start + BATCH])
    return ids


def load_incident(
    engine: Engine, rng: random.Random, account_ids: list[str], size: int, channel: str
) -> int:
    """One incident with ``size`` reports over its two hours, skewed like a real outage."""
    opened = NOW - timedelta(hours=2)
    with engine.begin() as connection:
        incident_id = connection.execute(
            insert(Incident).returning(Incident.id),
            {"channel_id": channel, "channel_name": channel.lower(), "title": "Bench",
             "severity": "sev3", "status": "open", "opened_at": opened},
        ).scalar_one()  # fmt: skip
        next_id = connection.execute(text("SELECT COALESCE(MAX(id), 0) FROM reports")).scalar()
        for start in range(0, size, BATCH):
            reports, features = [], []
            for offset in range(min(BATCH, size - start)):
                report_id = next_id + start + offset + 1
                account = rng.choice(account_ids)
                region = "eu-south" if rng.random() < 0.3 else rng.choice(REGIONS)
                created = opened + timedelta(seconds=rng.triangular(0, 7200, 5400))
                due = created + timedelta(hours=rng.choice((1, 4, 8)))
                reports.append(
                    {"id": report_id, "incident_id": incident_id, "account_id": account,
                     "customer_name": f"Customer {account}", "customer_key": account,
                     "ticket_ref": f"T{report_id}", "region": region, "tier": rng.choice(TIERS),
                     "vip": rng.random() < 0.02, "product_version": rng.choice(VERSIONS),
                     "platform": rng.choice(PLATFORMS), "summary": "Checkout fails",
                     "owner_user_id": "UAGENT", "reported_by": "UAGENT", "created_at": created,
                     "first_response_due_at": due,
                     "responded_at": created + timedelta(minutes=30) if rng.random() < 0.5
                     else None}
                )  # fmt: skip
                for feature in rng.sample(FEATURES, rng.choice((1, 1, 2))):
                    features.append(
                        {"report_id": report_id, "feature": feature,
                         "incident_id": incident_id, "customer_key": account}
                    )  # fmt: skip
            connection.execute(insert(Report), reports)
            connection.execute(insert(ReportFeature), features)
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT setval('reports_id_seq', (SELECT MAX(id) FROM reports))")
            )
    return int(incident_id)


if __name__ == "__main__":
    sys.exit(main())
