"""Benchmark: what attaching one report costs as its incident grows.

Seeds one incident with ``--reports`` earlier reports (from 5,000 customers) and three
pending jobs for each of them, as a long incident accumulates, then attaches 100 more
through the reports service (no HTTP) and prints the CPU per attach. Run it at 100 and at
50,000 to see whether the cost stays flat.

    python bench/attach_growth.py --reports 100
    python bench/attach_growth.py --reports 50000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from app import build  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.devtools.fake_slack import FakeSlack  # noqa: E402
from bot.models import Reminder, Report  # noqa: E402
from bot.services import incidents, reports  # noqa: E402
from bot.services.reports import parse_submission  # noqa: E402

ATTACHED = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=50_000, help="earlier reports")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="liaison-bench-") as name:
        tmp = Path(name)
        schema = tmp / "permissive.schema.json"
        schema.write_text(json.dumps({"$defs": {"modal_view": {}, "home_view": {}}}))
        with FakeSlack(schema_path=schema) as fake:
            settings = Settings(
                _env_file=None,
                slack_bot_token="xoxb-bench",
                slack_signing_secret="bench",
                slack_api_url=fake.url,
                database_url=f"sqlite:///{tmp / 'bench.db'}",
                log_level="WARNING",
            )
            liaison = build(settings)
            rt = liaison.rt
            incident = incidents.declare(
                rt, channel_id="C1", channel_name="inc-growth", user_id="UIC",
                severity="sev2", title="Growth",
            ).incident.id  # fmt: skip
            seed(liaison.engine, incident, args.reports)
            submissions = [
                parse_submission(
                    {
                        "incident_id": incident,
                        "customer_name": f"Customer {i % 50}",
                        "summary": "Checkout fails",
                        "tier": "enterprise",
                    }
                )
                for i in range(ATTACHED)
            ]
            started = time.process_time()
            for index, submission in enumerate(submissions):
                reports.attach(rt, submission, agent_id=f"U{index:04d}", submission_key=f"k{index}")
            cpu = (time.process_time() - started) / ATTACHED * 1000
            liaison.engine.dispose()
    print(f"{args.reports:,} earlier reports: {cpu:.2f} ms of CPU per attach (SQLite)")
    return 0


def seed(engine: object, incident: int, count: int) -> None:
    now = datetime.now(UTC)
    reports_rows = [
        {
            "incident_id": incident,
            "customer_name": f"c{i % 5000}",
            "customer_key": f"c{i % 5000}",
            "summary": "x",
            "owner_user_id": "U",
            "reported_by": "U",
            "created_at": now,
            "vip": False,
        }
        for i in range(count)
    ]
    job_rows = [
        {
            "kind": "sla.warning",
            "dedupe_key": f"seed:{i}",
            "due_at": now + timedelta(days=1),
            "incident_id": incident,
            "target": "U",
            "payload": {},
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for i in range(count * 3)
    ]
    with engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(insert(Report), reports_rows)
        connection.execute(insert(Reminder), job_rows)


if __name__ == "__main__":
    sys.exit(main())
