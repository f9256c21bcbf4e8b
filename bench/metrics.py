"""How long ``/liaison metrics 90d`` takes over a year of history, on SQLite and PostgreSQL.

    python bench/metrics.py [--incidents 10000] [--reports 1000000] [--postgres URL]
                            [--skip-postgres] [--runs 5]

Loads a year of facts spread evenly over 365 days (incidents of every severity, 1,000,000
reports with ticket SLAs, status updates, liaison assignments, follow-ups, credits) with
bulk inserts, then times the metrics of the last 90 days and the 90 days before
(``compute`` twice: both periods), the rendered text, and the weekly trend chart. Aim:
figures and text under 1 s.

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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, insert, text

from bot.db import make_engine, make_session_factory, upgrade
from bot.devtools.scratch_postgres import scratch_postgres
from bot.models import (
    Followup,
    Incident,
    LiaisonAssignment,
    SlaCredit,
    StatusUpdate,
)
from bot.rendering import Renderer
from bot.services.metrics.period import query_for
from bot.services.metrics.report import (
    MetricsReport,
    compute_periods,
    render_summary,
    trend_png,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
DEFAULT_POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SEVERITIES = ("sev1", "sev2", "sev2", "sev3", "sev3", "sev3", "sev4")
TIERS = ("premium", "enterprise", "standard")
BATCH = 10_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median)")
    args = parser.parse_args(argv)
    renderer = Renderer()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/metrics.db")
        _run("SQLite", engine, args, renderer)
    if not args.skip_postgres:
        with scratch_postgres(args.postgres, prefix="liaison_bench_metrics") as url:
            engine = make_engine(url)
            _run("PostgreSQL", engine, args, renderer)
    return 0


def _run(label: str, engine: Engine, args: Any, renderer: Renderer) -> None:
    upgrade(engine)
    started = time.perf_counter()
    counts = _load(engine, args.incidents, args.reports)
    loaded = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        # VACUUM sets the visibility map, so the metrics' index-only scans stay index-only.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    sessions = make_session_factory(engine)
    query = query_for("90d", None, NOW)
    rt = SimpleNamespace(renderer=renderer)
    figures_times, text_times, chart_times = [], [], []
    report = None
    for _ in range(args.runs):
        began = time.perf_counter()
        current, previous = compute_periods(sessions, query, NOW)
        computed = time.perf_counter()
        report = MetricsReport(query, current, previous)
        summary = render_summary(rt, report)  # type: ignore[arg-type]
        rendered = time.perf_counter()
        trend_png(rt, report)  # type: ignore[arg-type]
        drawn = time.perf_counter()
        figures_times.append(computed - began)
        text_times.append(rendered - began)
        chart_times.append(drawn - rendered)
    engine.dispose()
    assert report is not None
    print(f"\n{label}: loaded {counts} in {loaded:.1f} s")
    print(f"  90d and the 90d before: {report.current.incidents} and "
          f"{report.previous.incidents} incidents")  # fmt: skip
    print(f"  figures (both periods), median of {args.runs}: {_ms(figures_times)}")
    print(f"  figures + rendered text:            {_ms(text_times)}")
    print(f"  weekly trend chart (PNG):           {_ms(chart_times)}")
    print("  " + summary.replace("\n", "\n  "))


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms (max {max(values) * 1000:.0f} ms)"


def _load(engine: Engine, incidents: int, reports: int) -> str:
    rng = random.Random(15)
    start = NOW - YEAR
    spacing = YEAR / incidents
    incident_rows, assignments, updates = [], [], []
    for index in range(incidents):
        opened = start + spacing * index
        severity = rng.choice(SEVERITIES)
        major = severity in ("sev1", "sev2")
        resolved = opened + timedelta(minutes=rng.randint(20, 600))
        incident_rows.append(
            {
                "id": index + 1,
                "channel_id": f"C{index:08d}",
                "title": f"Incident {index}",
                "severity": severity,
                "status": "resolved",
                "opened_at": opened,
                "became_major_at": opened if major else None,
                "assessed_at": opened + timedelta(minutes=rng.randint(1, 15)),
                "resolved_at": resolved,
            }
        )
        if major and rng.random() < 0.9:
            assignments.append(
                {
                    "incident_id": index + 1,
                    "user_id": "ULIA",
                    "status": "accepted",
                    "assigned_by": "auto",
                    "assigned_at": opened,
                    "accepted_at": opened + timedelta(minutes=rng.randint(1, 20)),
                    "attempt": 1,
                }
            )
        posted = opened + timedelta(minutes=rng.randint(2, 20))
        while posted < resolved:
            due = posted + timedelta(minutes=15)
            updates.append(
                {
                    "incident_id": index + 1,
                    "status": "investigating",
                    "customer_message": "We are looking into it.",
                    "posted_by": "ULIA",
                    "posted_at": posted,
                    "next_update_at": due,
                }
            )
            posted = due + timedelta(minutes=rng.choice((-3, -1, 0, 2, 10)))
    _insert(engine, Incident, incident_rows)
    _insert(engine, LiaisonAssignment, assignments)
    _insert(engine, StatusUpdate, updates)
    per_incident = reports // incidents
    followups, credits, batch = [], [], []
    written = 0
    for row in incident_rows:
        customers = set()
        for n in range(per_incident):
            customer = rng.randrange(3000)
            customers.add(customer)
            created = row["opened_at"] + timedelta(minutes=n % 120)
            due = created + timedelta(hours=1)
            breached = rng.random() < 0.1
            batch.append(
                {
                    "incident_id": row["id"],
                    "account_id": f"A{customer}",
                    "customer_name": f"Customer {customer}",
                    "customer_key": f"a{customer}",
                    "tier": TIERS[customer % 3],
                    "sla_policy": TIERS[customer % 3],
                    "summary": "cannot check out",
                    "vip": customer % 50 == 0,
                    "owner_user_id": f"U{customer % 40:04d}",
                    "reported_by": "UAGENT",
                    "created_at": created,
                    "first_response_due_at": due,
                    "responded_at": None if breached else created + timedelta(minutes=20),
                    "breached_at": due if breached else None,
                }
            )
            written += 1
            if len(batch) >= BATCH:
                _insert_reports(engine, batch)
                batch = []
        for customer in list(customers)[:10]:
            told = rng.random() < 0.85
            followups.append(
                {
                    "incident_id": row["id"],
                    "customer_key": f"a{customer}",
                    "customer_name": f"Customer {customer}",
                    "account_id": f"A{customer}",
                    "reasons": "reported",
                    "state": "told" if told else "to_tell",
                    "told_by": "UAGENT" if told else None,
                    "told_at": row["resolved_at"] + timedelta(hours=rng.randint(1, 40))
                    if told
                    else None,
                    "told_how": "dm" if told else None,
                    "reaction": rng.choice((None, "satisfied", "neutral", "dissatisfied"))
                    if told
                    else None,
                    "created_at": row["resolved_at"],
                }
            )
            if customer % 3 == 0 and rng.random() < 0.3:
                credits.append(
                    {
                        "incident_id": row["id"],
                        "account_id": f"A{customer}",
                        "account_name": f"Customer {customer}",
                        "tier": "premium",
                        "percent": 10,
                        "threshold_seconds": 3600,
                        "visible_seconds": 7200,
                        "visible_start": row["opened_at"],
                        "visible_end": row["resolved_at"],
                        "created_at": row["resolved_at"],
                    }
                )
    _insert_reports(engine, batch)
    _insert(engine, Followup, followups)
    _insert(engine, SlaCredit, credits)
    return (
        f"{incidents:,} incidents, {written:,} reports, {len(updates):,} updates, "
        f"{len(followups):,} follow-ups, {len(credits):,} credits"
    )


def _insert(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(model), rows[start : start + BATCH])


def _insert_reports(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Reports go through the driver directly (COPY on PostgreSQL): a million rows through
    the ORM's type processing would take most of the run. Times are stored as the models
    store them: naive UTC."""
    if not rows:
        return
    columns = list(rows[0])
    values = [[_naive(row[column]) for column in columns] for row in rows]
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY reports ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(
                f"INSERT INTO reports ({', '.join(columns)}) VALUES ({marks})",
                [[_sqlite(v) for v in value] for value in values],
            )
        connection.commit()
    finally:
        connection.close()


def _naive(value: Any) -> Any:
    return value.astimezone(UTC).replace(tzinfo=None) if isinstance(value, datetime) else value


def _sqlite(value: Any) -> Any:
    return (
        value.isoformat(sep=" ", timespec="microseconds") if isinstance(value, datetime) else value
    )


if __name__ == "__main__":
    sys.exit(main())
