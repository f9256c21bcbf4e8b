"""HTTP surface: signatures, health, and the ack deadline under load."""

from __future__ import annotations

import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from bot.models import Incident
from tests.harness import Harness


def _count(harness: Harness) -> int:
    with harness.session() as session:
        return session.scalar(select(func.count()).select_from(Incident)) or 0


def test_a_bad_signature_gets_401_and_changes_nothing(harness: Harness) -> None:
    body = "command=%2Fliaison&text=declare+sev1+x&channel_id=C1&user_id=U1"
    result = harness.slack.post(body, "application/x-www-form-urlencoded", signature="v0=deadbeef")
    assert result.status == 401
    assert _count(harness) == 0


def test_a_stale_signature_gets_401(harness: Harness) -> None:
    body = "command=%2Fliaison&text=declare+sev1+x&channel_id=C1&user_id=U1"
    stale = int(time.time()) - 10 * 60  # Slack's replay window is five minutes of wall clock
    result = harness.slack.post(body, "application/x-www-form-urlencoded", timestamp=stale)
    assert result.status == 401
    assert _count(harness) == 0


def test_healthz_reports_the_database(harness: Harness) -> None:
    server_url = harness.slack.url.rsplit("/slack/events", 1)[0]
    with urllib.request.urlopen(server_url + "/healthz") as response:
        assert response.status == 200
        assert b'"database": "reachable"' in response.read()


def test_twenty_concurrent_commands_with_slow_slack_are_all_acked(harness: Harness) -> None:
    """Bolt's default 5-thread pool would make most of these miss the 3 s ack."""
    harness.fake.delay("chat.postMessage", 2.0)
    for index in range(20):
        harness.fake.add_channel(f"CLOAD{index}", f"load-{index}")

    def declare(index: int):
        return harness.slack.command(
            f"declare sev3 Load {index}", channel=f"CLOAD{index}", channel_name=f"load-{index}"
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(declare, range(20)))
    assert [r.status for r in results] == [200] * 20
    harness.executor.wait_idle(timeout=30)
    assert _count(harness) == 20
    assert all(len(harness.fake.messages(f"CLOAD{index}")) == 1 for index in range(20))
