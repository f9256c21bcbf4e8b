"""Pushing published updates to Atlassian Statuspage: once, retried, failure reported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.devtools.fake_statuspage import FakeStatuspage
from tests.handlers.cadence_support import channel_texts, sqlite_only
from tests.statuspage.support import CHANNEL, SETTINGS, declare, get, publish

pytestmark = sqlite_only


@pytest.fixture
def statuspage() -> Iterator[FakeStatuspage]:
    with FakeStatuspage(api_key="sp-key", page_id="pg1") as fake:
        yield fake  # type: ignore[misc]


def app(app_factory, statuspage: FakeStatuspage, **overrides):
    settings = {
        **SETTINGS,
        "statuspage_api_url": statuspage.api_url,
        "statuspage_api_key": "sp-key",
        "statuspage_page_id": "pg1",
        "statuspage_component_ids": "api=cmp-api,eu=cmp-eu",
    }
    return app_factory(**{**settings, **overrides})


def test_updates_reach_statuspage_once_in_order(app_factory, statuspage) -> None:
    harness = app(app_factory, statuspage)
    declare(harness, "sev1")
    harness.command('title public "Payments failing"', channel=CHANNEL)
    publish(harness, "Payments fail.", components={"api": "major_outage", "web": "partial_outage"})
    publish(harness, "Fix deployed.", status="monitoring", components={"api": "operational"})
    publish(harness, "All good.", status="resolved")
    harness.advance(timedelta(minutes=5))

    [incident] = statuspage.incidents.values()
    assert incident["name"] == "Payments failing"  # the public title
    assert incident["status"] == "resolved"
    assert [u["body"] for u in incident["incident_updates"]] == [
        "All good.",
        "Fix deployed.",
        "Payments fail.",
    ]
    [create] = statuspage.calls_to("POST", "/v1/pages/pg1/incidents")
    sent = create.json["incident"]
    assert sent["components"] == {"cmp-api": "major_outage"}  # web has no Statuspage id
    assert sent["component_ids"] == ["cmp-api"]
    assert sent["deliver_notifications"] is True
    assert create.headers["authorization"] == "OAuth sp-key"
    assert len(statuspage.calls_to("PATCH", "/v1/pages/pg1/incidents/.*")) == 2


def test_a_rate_limited_push_is_retried_and_lands_once(app_factory, statuspage) -> None:
    harness = app(app_factory, statuspage)
    statuspage.inject(r"/incidents$", status=429, retry_after="30", times=1)
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    assert statuspage.incidents == {}

    harness.advance(timedelta(minutes=2))

    [incident] = statuspage.incidents.values()
    assert [u["body"] for u in incident["incident_updates"]] == ["Payments fail."]


def test_a_push_that_fails_for_good_is_reported_to_the_liaison(app_factory, statuspage) -> None:
    harness = app(app_factory, statuspage, statuspage_api_key="revoked")
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})

    warnings = [t for t in channel_texts(harness) if "Statuspage did not accept" in t]
    assert len(warnings) == 1
    assert "HTTP 401" in warnings[0]
    assert statuspage.incidents == {}
    # The built-in page has it regardless.
    assert "Payments fail." in get(harness, "/status").text


def test_a_reclaimed_push_finds_the_incident_it_created_instead_of_a_second(
    app_factory, statuspage
) -> None:
    """The process died after Statuspage created the incident and before it was recorded."""
    from bot.jobs import Job
    from bot.models import PageIncident
    from bot.services.statuspage import delivery

    harness = app(app_factory, statuspage)
    statuspage.inject(r"/incidents$", status=503, times=10)  # hold the first push back
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    with harness.session() as session:
        page = session.query(PageIncident).one()
        page_id = page.id
    # What the dead attempt did: created it there, and claimed the creation here.
    statuspage._injected.clear()
    created = statuspage.incidents["inc-earlier"] = {
        "id": "inc-earlier", "name": "x", "status": "investigating", "scheduled_for": None,
        "metadata": {"liaison": {"page_incident_id": page_id}}, "components": {},
        "incident_updates": [{"id": "u0", "status": "investigating", "body": "Payments fail."}],
    }  # fmt: skip
    with harness.rt.sessions.begin() as session:
        session.get(PageIncident, page_id).statuspage_id = "pending:77"
    job = Job(
        id=77, kind=delivery.PUSH.name, dedupe_key="k", incident_id=1, report_id=None,
        target=None, payload=delivery.PushPayload(page_incident_id=page_id),
        due_at=harness.clock.now(), attempts=2,
    )  # fmt: skip
    delivery.push(harness.rt, job)

    assert list(statuspage.incidents) == ["inc-earlier"]
    assert len(created["incident_updates"]) == 1
    with harness.session() as session:
        assert session.get(PageIncident, page_id).statuspage_id == "inc-earlier"


def test_the_health_check_names_the_setting_to_fix(app_factory, statuspage) -> None:
    from bot.integrations.health import Health

    ok = app(app_factory, statuspage)
    assert [r.health for r in ok.rt.health.run() if r.system == "Statuspage"] == [Health.ok]
    ok.rt.settings.statuspage_api_key = "revoked"
    [failing] = [r for r in ok.rt.health.run() if r.system == "Statuspage"]
    assert failing.health is Health.failing
    assert "HTTP 401" in failing.detail and "STATUSPAGE_API_KEY" in failing.detail
    ok.rt.settings.statuspage_api_key = ""
    assert [r.health for r in ok.rt.health.run() if r.system == "Statuspage"] == [Health.off]


def test_one_push_at_a_time_per_incident(app_factory, statuspage) -> None:
    """Another replica's push is sending this incident's updates: this one waits its turn."""
    from bot.models import PageIncident

    harness = app(app_factory, statuspage)
    statuspage.inject(r"/incidents$", status=503, times=10)
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    statuspage._injected.clear()
    with harness.rt.sessions.begin() as session:
        session.query(PageIncident).one().push_job_id = 999_999  # held elsewhere

    stats = harness.advance(timedelta(minutes=5))
    assert stats.retried == 1
    assert statuspage.incidents == {}

    with harness.rt.sessions.begin() as session:
        session.query(PageIncident).one().push_job_id = None  # that push finished
    harness.advance(timedelta(minutes=5))
    [incident] = statuspage.incidents.values()
    assert [u["body"] for u in incident["incident_updates"]] == ["Payments fail."]
    with harness.session() as session:
        assert session.query(PageIncident).one().push_job_id is None


def test_after_a_push_failed_for_good_the_next_update_brings_statuspage_up_to_date(
    app_factory, statuspage
) -> None:
    harness = app(app_factory, statuspage)
    statuspage.inject(r"/incidents$", status=503, times=100)
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    for _ in range(12):
        harness.advance(timedelta(minutes=5))
    assert statuspage.incidents == {}
    assert any("Statuspage did not accept" in t for t in channel_texts(harness))

    statuspage._injected.clear()  # Statuspage is back
    publish(harness, "Fix deployed.", status="monitoring")
    harness.advance(timedelta(minutes=1))

    [incident] = statuspage.incidents.values()
    assert [u["body"] for u in incident["incident_updates"]] == [
        "Fix deployed.",
        "Payments fail.",
    ]
