"""How long until every linked help-desk ticket has the resolution reply, bulk vs one by one.

    python bench/helpdesk_resolution.py [--tickets 2000] [--limit 200] [--window 3]

Links N Zendesk tickets (one customer each) to one incident, resolves it, and runs the
real dispatcher (its threads, the real Zendesk client over HTTP) against the fake Zendesk
with its rate limit on: ``--limit`` ticket updates per ``--window`` seconds, answered 429
with Retry-After beyond it (Zendesk limits updates per minute; the window is scaled down
so the one-by-one run ends in reasonable time). It prints, for bulk (``update_many``, 100
tickets per call, the default) and for one call per ticket: the wall time until every
ticket has exactly one reply, the API calls made, how many were refused with 429, and
whether any ticket got the reply twice. SQLite in a temporary file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from app import build
from bot.clock import SystemClock
from bot.config import Settings
from bot.db import make_engine, upgrade
from bot.devtools.fake_slack import FakeSlack
from bot.devtools.fake_zendesk import FakeZendesk
from bot.models import Incident, Report, TicketLink
from bot.services import incidents
from bot.services.helpdesk import outbound


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2_000)
    parser.add_argument("--limit", type=int, default=200, help="updates per window")
    parser.add_argument("--window", type=float, default=3.0, help="seconds")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    for label, chunk in (("bulk (update_many, 100 per call)", 100), ("one by one", 1)):
        with tempfile.TemporaryDirectory() as folder:
            run(label, chunk, f"sqlite:///{folder}/bench.db", args)
    return 0


def run(label: str, chunk: int, url: str, args: argparse.Namespace) -> None:
    print(f"\n== {label}: {args.tickets:,} tickets, limit {args.limit}/{args.window:g}s ==")
    engine = make_engine(url)
    upgrade(engine)
    with FakeSlack() as slack, FakeZendesk() as zendesk:
        slack.add_user("UIC", "commander")
        slack.add_user("UAGENT", "agent")
        settings = Settings(
            _env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret="bench",
            slack_api_url=slack.url, database_url=url, zendesk_url=zendesk.url,
            zendesk_email="liaison@acme.test", zendesk_api_token="zd-token",
            zendesk_webhook_secret="bench", helpdesk_resolved_status="solved",
        )  # fmt: skip
        liaison = build(settings, clock=SystemClock(), engine=engine, migrate=False)
        rt = liaison.rt
        incident_id = load(rt.clock.now(), engine, zendesk, args.tickets)
        zendesk.update_limit = (args.limit, args.window)
        outbound.CHUNK = chunk
        zendesk.calls.clear()
        started = time.perf_counter()
        incidents.resolve(rt, incident_id=incident_id, actor="UIC", note="Rolled back.")
        done = 0
        while time.perf_counter() - started < args.timeout:
            rt.dispatcher.run_once()
            done = sum(1 for t in zendesk.tickets.values() if len(t.comments) > 1)
            if done == args.tickets:
                break
            time.sleep(0.05)  # the scheduler's next wake-up
        wall = time.perf_counter() - started
        calls = [c for c in zendesk.calls if c.method == "PUT"]
        limited = sum(1 for c in calls if c.status == 429)
        twice = sum(1 for t in zendesk.tickets.values() if len(t.comments) > 2)
        print(
            f"{done:,}/{args.tickets:,} tickets replied in {wall:.1f}s; {len(calls):,} update "
            f"calls ({limited:,} refused with 429); tickets replied twice: {twice}"
        )
    engine.dispose()


def load(now: datetime, engine, zendesk: FakeZendesk, count: int) -> int:  # type: ignore[no-untyped-def]
    """One open incident with ``count`` reports, each linked to its own Zendesk ticket."""
    zendesk.add_user(10, "Customer", "customer@example.test")
    for n in range(count):
        zendesk.add_ticket(5000 + n, subject="Checkout down", requester_id=10)
    opened = now - timedelta(hours=1)
    with engine.begin() as connection:
        incident_id = connection.execute(
            insert(Incident).returning(Incident.id),
            [{"title": "Checkout down", "severity": "sev2", "status": "open", "opened_at": opened}],
        ).scalar_one()
        report_ids = (
            connection.execute(
                insert(Report).returning(Report.id),
                [
                    {
                        "incident_id": incident_id,
                        "customer_name": f"Customer {n}",
                        "customer_key": f"customer {n}",
                        "summary": "Checkout down",
                        "owner_user_id": "UAGENT",
                        "reported_by": "UAGENT",
                        "created_at": opened,
                        "ticket_ref": f"{zendesk.url}/agent/tickets/{5000 + n}",
                        "vip": False,
                        "customer_notified_via": None,
                    }
                    for n in range(count)
                ],
            )
            .scalars()
            .all()
        )
        connection.execute(
            insert(TicketLink),
            [
                {
                    "source": "zendesk",
                    "external_id": str(5000 + n),
                    "report_id": report_id,
                    "incident_id": incident_id,
                    "status": "linked",
                    "ticket_status": "open",
                    "ticket_updated_at": opened,
                    "created_at": opened,
                    "changed_at": opened,
                }
                for n, report_id in enumerate(report_ids)
            ],
        )
    return int(incident_id)


if __name__ == "__main__":
    raise SystemExit(main())
