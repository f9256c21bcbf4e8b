"""Maintenance windows: shown ahead of time, moving on their own with the clock."""

from __future__ import annotations

from datetime import timedelta

from tests.handlers.cadence_support import sqlite_only
from tests.statuspage.support import SETTINGS, get

pytestmark = sqlite_only
# The test clock starts on Monday 23 November 2026, 10:00 UTC.
COMMAND = (
    "maintenance api,eu 2026-11-23T12:00Z 2026-11-23T14:00Z Database upgrade | The API may be slow."
)


def summary(harness) -> dict:
    return get(harness, "/status/api/v2/summary.json").json()


def test_a_window_is_shown_ahead_then_starts_and_completes_on_its_own(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    harness.command(COMMAND, channel="CGENERAL", user="UIC")
    assert "Maintenance #1 scheduled" in harness.last_reply()

    [window] = summary(harness)["scheduled_maintenances"]
    assert window["status"] == "scheduled"
    assert window["scheduled_for"] == "2026-11-23T12:00:00Z"
    assert window["incident_updates"][0]["body"] == "The API may be slow."
    assert summary(harness)["status"]["indicator"] == "none"
    html = get(harness, "/status").text
    assert "Scheduled maintenance" in html and "Database upgrade" in html

    harness.advance(timedelta(hours=2, minutes=1))
    now = summary(harness)
    assert now["scheduled_maintenances"][0]["status"] == "in_progress"
    states = {c["id"]: c["status"] for c in now["components"]}
    assert states["api"] == "under_maintenance" and states["web"] == "operational"
    assert now["status"]["indicator"] == "maintenance"

    harness.advance(timedelta(hours=2))
    done = summary(harness)
    assert done["scheduled_maintenances"] == []
    assert {c["status"] for c in done["components"] if not c["group"]} == {"operational"}
    history = get(harness, "/status/api/v2/scheduled-maintenances.json").json()
    [completed] = history["scheduled_maintenances"]
    assert [u["status"] for u in completed["incident_updates"]] == [
        "completed",
        "in_progress",
        "scheduled",
    ]


def test_a_cancelled_window_never_starts_and_the_others_still_do(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    harness.command(COMMAND, channel="CGENERAL", user="UIC")
    harness.command(
        "maintenance web 2026-11-23T12:00Z 2026-11-23T18:00Z Web deploy", channel="CGENERAL"
    )
    harness.command("maintenance cancel 1", channel="CGENERAL", user="UIC")
    assert "cancelled" in harness.last_reply()
    harness.advance(timedelta(hours=3))
    [other] = summary(harness)["scheduled_maintenances"]
    assert other["name"] == "Web deploy" and other["status"] == "in_progress"
    states = {c["id"]: c["status"] for c in summary(harness)["components"]}
    assert states == {
        "api": "operational",
        "web": "under_maintenance",
        "group-regions": "operational",
        "eu": "operational",
    }


def test_bad_arguments_say_what_would_work(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    harness.command("maintenance api tomorrow later Upgrade", channel="CGENERAL", user="UIC")
    assert "is not a time like 2026-11-24T02:00" in harness.last_reply()
    harness.command(
        "maintenance nope 2026-11-23T12:00Z 2026-11-23T14:00Z Upgrade", channel="CGENERAL"
    )
    assert "Unknown components: nope" in harness.last_reply()
    harness.command(
        "maintenance api 2026-11-23T14:00Z 2026-11-23T12:00Z Upgrade", channel="CGENERAL"
    )
    assert "must end after it starts" in harness.last_reply()
