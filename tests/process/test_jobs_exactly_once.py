"""Exactly-once reminders under fire: two replicas of `python app.py` (gunicorn) on one
PostgreSQL database, each killed with SIGKILL again and again in the middle of a send
(Slack has stored the message, the app never sees the answer), and restarted.

Every reminder that fell due must reach its channel once: none lost (its row is reclaimed
when the dead replica's lease runs out) and none repeated (the reclaimed job finds its
tagged message in the channel's history). Bounded: about half a minute on a small machine.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from bot.db import make_session_factory
from bot.devtools.fake_slack import FakeSlack
from bot.models import Reminder
from tests.process.support import seed_overdue_incidents, wait_until_settled

KILLS = 5
BATCH = 12  # incidents seeded whenever the replicas are about to run out of work
SEND_DELAY = 0.3  # Slack answering slowly, so a kill lands between storing and answering


def _due_left(engine: Engine) -> int:
    with make_session_factory(engine)() as session:
        return int(
            session.scalar(
                select(func.count(Reminder.id)).where(
                    Reminder.status.in_(("pending", "claimed")),
                    Reminder.kind == "cadence.update.due",
                    Reminder.due_at <= func.now(),
                )
            )
            or 0
        )


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_replicas_killed_mid_send_lose_no_reminder_and_send_none_twice(
    apps: Any, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake = fake_slack
    replicas = apps(
        "one", "two", REMINDER_LEASE="3s", REMINDER_BATCH_SIZE="4", REMINDER_THREADS="2"
    )
    fake.delay("chat.postMessage", SEND_DELAY)
    started, kills, channels = time.monotonic(), 0, []
    while kills < KILLS:
        if _due_left(engine) < BATCH // 2:  # keep the replicas busy sending
            batch = [f"CK{index:04d}" for index in range(len(channels), len(channels) + BATCH)]
            for channel in batch:
                fake.add_channel(channel, channel.lower(), members=["UBOT"])
            seed_overdue_incidents(engine, batch, overdue=timedelta(minutes=1))
            channels.extend(batch)
        seen = len(fake.calls_to("chat.postMessage"))
        # Right after Slack stored a message, while its answer is still on the way.
        fake.wait_for("chat.postMessage", count=seen + 1, timeout=20)
        victim = replicas[kills % len(replicas)]
        victim.kill9()
        kills += 1
        victim.launch().wait_healthy()
    wait_until_settled(engine, timeout=40)

    attempted = len(fake.calls_to("chat.postMessage"))
    looked = len(fake.calls_to("conversations.history"))
    delivered = Counter({channel: len(fake.messages(channel)) for channel in channels})
    with make_session_factory(engine)() as session:
        sent_rows = session.scalar(
            select(func.count(Reminder.id)).where(
                Reminder.kind == "cadence.update.due", Reminder.status == "sent"
            )
        )
    lost = [channel for channel in channels if delivered[channel] == 0]
    duplicated = sum(count - 1 for count in delivered.values() if count > 1)
    print(
        f"\nkill -9 under load: reminders due {len(channels)}, rows sent {sent_rows}, "
        f"messages received {sum(delivered.values())}, lost {len(lost)}, "
        f"duplicated {duplicated}, kills {kills}, posts attempted {attempted}, "
        f"history look-ups {looked}, "
        f"{time.monotonic() - started:.0f}s"
    )
    assert lost == [] and duplicated == 0
    assert sent_rows == len(channels)
