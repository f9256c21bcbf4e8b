"""The reports service's intake rules, the same for every source (no Slack involved)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot.db import make_engine
from bot.models import Report
from bot.services import incidents, reports
from bot.services.reports import ReportRejected, ReportSubmission, intake, parse_submission
from tests.harness import Harness

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _incident(harness: Harness) -> int:
    declared = incidents.declare(
        harness.rt,
        channel_id="CINC1",
        channel_name="inc-checkout",
        user_id="UIC",
        severity="sev2",
        title="Checkout failing",
    )
    return declared.incident.id


def _submission(incident_id: int, **fields: Any) -> ReportSubmission:
    data: dict[str, Any] = {
        "incident_id": incident_id,
        "customer_name": "Globex",
        "summary": "Checkout fails",
        **fields,
    }
    return parse_submission(data)


def _reports(harness: Harness) -> list[Report]:
    with harness.session() as session:
        return list(session.scalars(select(Report).order_by(Report.id)))


def _rejected(harness: Harness, submission: ReportSubmission, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ReportRejected) as caught:
        reports.attach(harness.rt, submission, **kwargs)
    assert _reports(harness) == []
    return caught.value.errors


@SQLITE_ONLY
def test_values_the_team_does_not_offer_are_refused_by_field(harness: Harness) -> None:
    incident = _incident(harness)
    submission = _submission(
        incident, region="mars", tier="platinum", features=["checkout", "teleport"]
    )
    assert _rejected(harness, submission, agent_id="UAGENT") == {
        "region": "That region is no longer offered; pick another.",
        "tier": "That tier is no longer offered; pick another.",
        "features": "No longer offered: teleport.",
    }


@SQLITE_ONLY
def test_a_first_contact_in_the_future_is_refused_within_a_tolerance(harness: Harness) -> None:
    incident = _incident(harness)
    now = harness.clock.now()
    later = _submission(incident, first_contact_at=now + timedelta(minutes=6))
    assert _rejected(harness, later, agent_id="UAGENT") == {
        "first_contact_at": "That is in the future; when did they write?"
    }
    skewed = _submission(incident, first_contact_at=now + timedelta(minutes=4))
    assert reports.attach(harness.rt, skewed, agent_id="UAGENT").report_count == 1


@SQLITE_ONLY
def test_an_ownerless_report_is_refused(harness: Harness) -> None:
    """A help-desk ticket with no Slack owner, or a Slack payload without a user."""
    incident = _incident(harness)
    assert _rejected(harness, _submission(incident)) == {
        "owner_id": "Nobody was named as the ticket's owner; nothing was stored."
    }


@SQLITE_ONLY
def test_the_owner_a_source_names_owns_the_ticket(harness: Harness) -> None:
    """A help-desk webhook files a report for the ticket's assignee (mapped to Slack)."""
    incident = _incident(harness)
    reports.attach(harness.rt, _submission(incident, owner_id="UOWNER"), agent_id="UBOT")
    [report] = _reports(harness)
    assert (report.owner_user_id, report.reported_by) == ("UOWNER", "UBOT")


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"ticket_ref": "T" * 301}, {"ticket_ref": "Keep the ticket under 300 characters."}),
        (
            {"ticket_ref": "ticket 48213"},
            {"ticket_ref": "Give a ticket ID like `48213` or `SF-00123`, or the ticket's URL."},
        ),
        ({"ticket_ref": "ftp://x.example"}, {"ticket_ref": "That ticket link is not a valid http(s) URL."}),  # noqa: E501
        ({"customer_name": "G" * 201}, {"customer_name": "Keep the customer's name under 200 characters."}),  # noqa: E501
        ({"product_version": "9" * 65}, {"product_version": "Keep the version under 64 characters."}),  # noqa: E501
        ({"summary": "s" * 3001}, {"summary": "The summary is 3,001 characters; keep it under 3,000."}),  # noqa: E501
        ({"summary": "\x00\x01 "}, {"summary": "Describe what the customer reported."}),
        ({"incident_id": 2**31}, {"incident_id": "Choose the incident this report belongs to."}),
        ({"incident_id": "seven"}, {"incident_id": "Choose the incident this report belongs to."}),
        ({"platform": "fax"}, {"platform": "Pick one of the listed values."}),
        ({"owner_id": "U 1"}, {"owner_id": "That is not a Slack user id."}),
        ({"features": "checkout"}, {"features": "Pick from the list."}),
    ],
)  # fmt: skip
def test_shapes_and_lengths_are_refused_by_field(
    fields: dict[str, Any], errors: dict[str, str]
) -> None:
    data = {"incident_id": 1, "customer_name": "Globex", "summary": "Down", **fields}
    with pytest.raises(ReportRejected) as caught:
        parse_submission(data)
    assert caught.value.errors == errors


def test_control_characters_leave_free_text_but_newlines_and_tabs_stay() -> None:
    submission = _submission(
        1,
        summary="Card\x00 declined\x07\r\nline two\tcolumn",
        customer_name="Glo\u200bbex\x00  Corp",
        ticket_ref="ZD-\x0048213",
    )
    assert submission.summary == "Card declined\nline two\tcolumn"
    assert submission.customer_name == "Globex Corp"
    assert submission.ticket_ref == "ZD-48213"


@SQLITE_ONLY
def test_a_resolved_incident_takes_no_reports(harness: Harness) -> None:
    incident = _incident(harness)
    incidents.resolve(harness.rt, incident_id=incident, actor="UIC", note=None)
    assert _rejected(harness, _submission(incident), agent_id="UAGENT") == {
        "incident_id": f"Incident #{incident} was resolved meanwhile; pick an open one."
    }


def test_a_replayed_submission_key_returns_the_stored_report(harness: Harness) -> None:
    incident = _incident(harness)
    key = "zendesk:ticket:48213:2026-11-23T09:58:00Z"
    first = reports.attach(harness.rt, _submission(incident), agent_id="UA", submission_key=key)
    replays = [
        reports.attach(harness.rt, _submission(incident), agent_id="UA", submission_key=key)
        for _ in range(3)
    ]
    assert not first.replayed
    assert {(r.id, r.replayed, r.report_count) for r in replays} == {(first.id, True, 1)}
    assert [r.submission_key for r in _reports(harness)] == [key]
    # The same ticket updated later is a new submission (a new key): a second report.
    newer = "zendesk:ticket:48213:2026-11-23T10:05:00Z"
    second = reports.attach(harness.rt, _submission(incident), agent_id="UA", submission_key=newer)
    assert (second.report_count, second.is_repeat_customer) == (2, True)


def test_a_replay_after_the_incident_resolved_still_finds_its_report(harness: Harness) -> None:
    incident = _incident(harness)
    stored = reports.attach(harness.rt, _submission(incident), agent_id="UA", submission_key="k1")
    incidents.resolve(harness.rt, incident_id=incident, actor="UIC", note=None)
    again = reports.attach(harness.rt, _submission(incident), agent_id="UA", submission_key="k1")
    assert (again.id, again.replayed) == (stored.id, True)


def test_concurrent_deliveries_of_one_submission_store_one_report(harness: Harness) -> None:
    """Four replicas receive the same submission at once: the unique key decides."""
    incident = _incident(harness)
    barrier = threading.Barrier(4)
    results: list[reports.AttachedReport] = []
    failures: list[BaseException] = []

    def deliver() -> None:
        barrier.wait()
        try:
            results.append(
                reports.attach(
                    harness.rt, _submission(incident), agent_id="UA", submission_key="slack:view:V1"
                )
            )
        except BaseException as exc:  # the assertion below shows it
            failures.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len({r.id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert len(_reports(harness)) == 1


def test_counts_kept_on_the_incident_match_its_reports(harness: Harness) -> None:
    incident = _incident(harness)
    answers = [
        reports.attach(harness.rt, _submission(incident, customer_name=name), agent_id="UA")
        for name in ("Globex", "Initech", "globex ", "Globex")
    ]
    assert [(a.report_count, a.customer_count, a.is_repeat_customer) for a in answers] == [
        (1, 1, False),
        (2, 2, False),
        (3, 2, True),
        (4, 2, True),
    ]
    replayed = reports.attach(
        harness.rt, _submission(incident), agent_id="UA", submission_key="k:1"
    )
    again = reports.attach(harness.rt, _submission(incident), agent_id="UA", submission_key="k:1")
    assert (again.id, again.replayed, again.report_count) == (replayed.id, True, 5)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_report_is_stored_after_the_database_dropped_every_connection(
    harness: Harness,
) -> None:
    """As after a PostgreSQL restart: pooled connections are dead, none is pinged first."""
    incident = _incident(harness)
    reports.attach(harness.rt, _submission(incident), agent_id="UA")
    engine = harness.liaison.engine
    with engine.connect() as connection:
        database = connection.exec_driver_sql("SELECT current_database()").scalar_one()
    admin = make_engine(
        harness.liaison.engine.url.set(database="postgres").render_as_string(hide_password=False)
    )
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": database},
        )
    admin.dispose()
    again = _submission(incident, customer_name="Initech")
    stored = reports.attach(harness.rt, again, agent_id="UA")
    assert stored.report_count == 2


class _Deadlock(Exception):
    sqlstate = "40P01"  # what psycopg reports for PostgreSQL's deadlock_detected


@SQLITE_ONLY
def test_a_submission_rolled_back_by_a_deadlock_is_stored_on_the_next_try(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database picked this transaction to roll back; nothing of it was kept, so the
    same submission runs again instead of the agent being told the database is down."""
    incident = _incident(harness)
    real_attach = intake._attach
    calls = []

    def deadlocked_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise DBAPIError("INSERT INTO reminders ...", {}, _Deadlock())
        return real_attach(*args, **kwargs)

    monkeypatch.setattr(intake, "_attach", deadlocked_once)
    stored = reports.attach(harness.rt, _submission(incident), agent_id="UA", submission_key="k:9")
    assert (len(calls), stored.report_count, stored.replayed) == (2, 1, False)
    assert [r.customer_name for r in _reports(harness)] == ["Globex"]


@SQLITE_ONLY
def test_other_database_errors_are_not_tried_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident = _incident(harness)
    calls = []

    def broken(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise DBAPIError("INSERT INTO reports ...", {}, Exception("disk I/O error"))

    monkeypatch.setattr(intake, "_attach", broken)
    with pytest.raises(DBAPIError):
        reports.attach(harness.rt, _submission(incident), agent_id="UA")
    assert len(calls) == 1
