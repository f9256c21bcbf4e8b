"""Benchmark: the status page and its summary.json under load, served as in production.

Seeds a fresh SQLite file (or ``--database-url``) with 100 resolved incidents of history
(4 updates each, spread over 90 days) plus one open incident, starts ``python app.py``
(gunicorn, ``--workers`` processes) against an in-process fake Slack, then fetches
``/status`` and ``/status/api/v2/summary.json`` ``--requests`` times each with
``--concurrency`` keep-alive clients, and prints requests per second and p50/p99.

    python bench/status_page.py [--requests 2000] [--concurrency 16] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.db import make_engine, make_session_factory, upgrade  # noqa: E402
from bot.devtools.fake_slack import FakeSlack  # noqa: E402
from bot.models import PageIncident, PageUpdate  # noqa: E402

COMPONENTS = "api=API,web=Web app,mobile=Mobile apps,Regions/eu=EU region,Regions/us=US region"
STATUSES = ("investigating", "identified", "monitoring", "resolved")


def seed(database_url: str, incidents: int) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        for n in range(incidents + 1):
            opened = now - timedelta(days=89 * n / incidents, hours=3)
            open_one = n == 0
            page = PageIncident(
                kind="incident", name=f"Incident {n}: errors for some customers",
                status="identified" if open_one else "resolved", impact="major",
                components={"api": "partial_outage" if open_one else "operational"},
                created_at=opened, updated_at=opened + timedelta(hours=2),
                resolved_at=None if open_one else opened + timedelta(hours=2),
            )  # fmt: skip
            session.add(page)
            session.flush()
            for step, status in enumerate(STATUSES[: 2 if open_one else 4]):
                session.add(
                    PageUpdate(
                        page_incident_id=page.id, status=status,
                        body=f"Update {step} for incident {n}. " * 8,
                        components=dict(page.components),
                        created_at=opened + timedelta(minutes=30 * step),
                    )
                )  # fmt: skip
    engine.dispose()


def start(
    fake: FakeSlack, database_url: str, workers: int, tmp: Path
) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-secret",
        "SLACK_APP_TOKEN": "",
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "LOG_LEVEL": "WARNING",
        "STATUS_COMPONENTS": COMPONENTS,
    }
    log = tmp / "server.log"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")], cwd=tmp, env=env,
        stdout=subprocess.DEVNULL, stderr=log.open("wb"),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the app exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/status", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the app did not serve /status within 60 s:\n{log.read_text()}")


def hammer(url: str, path: str, requests: int, concurrency: int) -> tuple[float, list[float]]:
    local = threading.local()
    timings: list[float] = []
    lock = threading.Lock()

    def one(_: int) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=url, timeout=30)
        began = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - began
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        with lock:
            timings.append(elapsed)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests)))
    return time.perf_counter() - began, timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--incidents", type=int, default=100)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    schema = ROOT.parent / "shared/slack/block-kit.schema.json"
    with tempfile.TemporaryDirectory() as tmp_dir, FakeSlack(schema_path=schema) as fake:
        tmp = Path(tmp_dir)
        database_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        seed(database_url, args.incidents)
        process, url = start(fake, database_url, args.workers, tmp)
        try:
            print(f"status page with {args.incidents} incidents of history, "
                  f"gunicorn {args.workers} workers, {args.concurrency} clients")  # fmt: skip
            for path in ("/status", "/status/api/v2/summary.json", "/status/history"):
                hammer(url, path, min(200, args.requests), args.concurrency)  # warm up
                seconds, timings = hammer(url, path, args.requests, args.concurrency)
                timings.sort()
                p99 = timings[int(len(timings) * 0.99) - 1]
                print(
                    f"  {path:32} {args.requests / seconds:7.0f} req/s  "
                    f"p50 {statistics.median(timings) * 1000:6.1f} ms  p99 {p99 * 1000:6.1f} ms"
                )
        finally:
            process.terminate()
            process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
