"""Pushing published updates to a PagerDuty status page: a post, then post updates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.devtools.fake_pagerduty import FakePagerDuty
from bot.devtools.fake_pagerduty_status_pages import FakeStatusPages
from tests.handlers.cadence_support import channel_texts, sqlite_only
from tests.statuspage.support import CHANNEL, SETTINGS, declare, get, publish

pytestmark = sqlite_only
POSTS = "/status_pages/PSTATUS/posts"


@pytest.fixture
def pagerduty() -> Iterator[tuple[FakePagerDuty, FakeStatusPages]]:
    fake = FakePagerDuty(token="pd-token")
    pages = FakeStatusPages.attach(fake, page_id="PSTATUS", services=["PSVCAPI", "PSVCEU"])
    with fake:
        yield fake, pages


def app(app_factory, pagerduty, **overrides):
    fake, _ = pagerduty
    settings = {
        **SETTINGS,
        "pagerduty_api_url": fake.url,
        "pagerduty_api_token": "pd-token",
        "pagerduty_status_page_id": "PSTATUS",
        "pagerduty_status_page_services": "api=PSVCAPI,eu=PSVCEU",
    }
    return app_factory(**{**settings, **overrides})


def test_the_first_update_creates_the_post_and_later_ones_add_post_updates(
    app_factory, pagerduty
) -> None:
    fake, pages = pagerduty
    harness = app(app_factory, pagerduty)
    declare(harness, "sev1")
    harness.command('title public "Payments failing"', channel=CHANNEL)
    publish(harness, "Payments fail.", components={"api": "major_outage", "web": "partial_outage"})
    publish(
        harness, "Fix deployed.", status="monitoring", components={"api": "degraded_performance"}
    )

    [post] = pages.posts.values()
    assert post.title == "Payments failing"  # the public title, never the channel's
    assert post.post_type == "incident"
    assert [(u["message"], u["status"]) for u in post.updates] == [
        ("Payments fail.", "investigating"),
        ("Fix deployed.", "monitoring"),
    ]
    # Components as the page's services, their states as its impacts; web has no service.
    assert post.updates[0]["impacts"] == {"PSVCAPI": "major outage"}
    assert post.updates[0]["severity"] == "critical"
    assert post.updates[1]["impacts"] == {"PSVCAPI": "degraded"}
    assert all(u["notify_subscribers"] for u in post.updates)
    [create] = fake.calls_to("POST", POSTS)
    assert create.headers["authorization"] == "Token token=pd-token"
    assert len(fake.calls_to("POST", f"{POSTS}/.*/post_updates")) == 1
    assert post.ends_at is None


def test_resolution_resolves_the_post(app_factory, pagerduty) -> None:
    _, pages = pagerduty
    harness = app(app_factory, pagerduty)
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"eu": "partial_outage"})
    publish(harness, "All good again.", status="resolved")

    [post] = pages.posts.values()
    assert post.status == "resolved"
    assert post.updates[-1]["message"] == "All good again."
    assert post.updates[-1]["impacts"] == {"PSVCEU": "operational"}
    assert post.ends_at  # the post's window is closed


def test_a_503_is_retried_and_the_post_lands_once(app_factory, pagerduty) -> None:
    fake, pages = pagerduty
    harness = app(app_factory, pagerduty)
    fake.inject(r"/posts$", status=503, retry_after="30", times=1)
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    assert pages.posts == {}
    assert "Payments fail." in get(harness, "/status").text  # Slack and the page went on

    harness.advance(timedelta(minutes=2))
    harness.advance(timedelta(minutes=2))

    [post] = pages.posts.values()
    assert [u["message"] for u in post.updates] == ["Payments fail."]
    assert len(fake.calls_to("POST", POSTS)) == 2  # the 503, then the post
    assert not [t for t in channel_texts(harness) if "PagerDuty status page did not" in t]


def test_a_401_is_reported_to_the_liaison_once(app_factory, pagerduty) -> None:
    _, pages = pagerduty
    harness = app(app_factory, pagerduty, pagerduty_api_token="revoked")
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    for _ in range(3):
        harness.advance(timedelta(minutes=10))

    warnings = [t for t in channel_texts(harness) if "PagerDuty status page did not" in t]
    assert len(warnings) == 1
    assert "HTTP 401" in warnings[0]
    assert pages.posts == {}
    assert "Payments fail." in get(harness, "/status").text


def test_a_reclaimed_push_finds_the_post_it_created_instead_of_a_second(
    app_factory, pagerduty
) -> None:
    """The process died after PagerDuty created the post and before it was recorded."""
    from bot.jobs import Job
    from bot.models import PageIncident
    from bot.services.statuspage import pagerduty_push

    fake, pages = pagerduty
    harness = app(app_factory, pagerduty)
    fake.inject(r"/posts$", status=503, times=10)  # hold the first push back
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    fake._injected.clear()
    job_id = 77
    with harness.rt.sessions.begin() as session:
        page = session.query(PageIncident).one()
        page.pagerduty_post_id = f"pending:{job_id}"
        page_id, title, started = page.id, page.name, page.created_at.isoformat()
    from bot.devtools.fake_pagerduty_status_pages import FakePost

    pages.posts["PPEARLY"] = FakePost(
        id="PPEARLY", title=title, post_type="incident", starts_at=started, ends_at=None,
        updates=[{"id": "PU0", "message": "Payments fail.", "status": "investigating"}],
    )  # fmt: skip
    job = Job(
        id=job_id, kind=pagerduty_push.PUSH.name, dedupe_key="k", incident_id=1,
        report_id=None, target=None,
        payload=pagerduty_push.PostPayload(page_incident_id=page_id),
        due_at=harness.clock.now(), attempts=2,
    )  # fmt: skip
    pagerduty_push.push(harness.rt, job)

    assert list(pages.posts) == ["PPEARLY"]
    assert len(pages.posts["PPEARLY"].updates) == 1
    with harness.session() as session:
        assert session.get(PageIncident, page_id).pagerduty_post_id == "PPEARLY"


def test_the_health_check_names_the_setting_to_fix(app_factory, pagerduty) -> None:
    from bot.integrations.health import Health

    harness = app(app_factory, pagerduty)
    system = "PagerDuty Status Pages"
    assert [r.health for r in harness.rt.health.run() if r.system == system] == [Health.ok]
    harness.rt.settings.pagerduty_status_page_id = "PNOPE"
    [failing] = [r for r in harness.rt.health.run() if r.system == system]
    assert failing.health is Health.failing
    assert "PAGERDUTY_STATUS_PAGE_ID" in failing.detail


def test_a_maintenance_window_is_a_maintenance_post_moving_on_its_own(
    app_factory, pagerduty
) -> None:
    _, pages = pagerduty
    harness = app(app_factory, pagerduty)
    harness.command(
        "maintenance api 2026-11-23T12:00Z 2026-11-23T14:00Z Database upgrade | May be slow.",
        channel="CGENERAL",
        user="UIC",
    )
    [post] = pages.posts.values()
    assert (post.title, post.post_type) == ("Database upgrade", "maintenance")
    assert post.starts_at.startswith("2026-11-23T12:00:00")
    assert post.ends_at.startswith("2026-11-23T14:00:00")

    harness.advance(timedelta(hours=2, minutes=1))
    harness.advance(timedelta(hours=2))

    assert [u["status"] for u in post.updates] == ["scheduled", "in progress", "completed"]
    assert post.updates[1]["impacts"] == {"PSVCAPI": "under maintenance"}
    assert {u["severity"] for u in post.updates} == {"maintenance"}
