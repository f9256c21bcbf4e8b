"""Support pages on-call, and Liaison's updates reach PagerDuty: end to end over HTTP
against the fake PagerDuty REST and Events APIs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.devtools.fake_pagerduty import FakePagerDuty
from bot.services import incidents
from bot.services.status_updates import UpdateSubmission, post_update
from tests.handlers.liaison_helpers import sqlite_only
from tests.handlers.oncall_support import deliver, linked_incident, pagerduty_app
from tests.harness import Harness


@pytest.fixture
def fake_pd() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as fake:
        yield fake


def _texts(harness: Harness, channel: str) -> list[str]:
    return [m.get("text", "") for m in harness.fake.messages(channel)]


def test_escalating_twice_pages_once_and_the_acknowledgement_reaches_the_channel(
    app_factory, fake_pd: FakePagerDuty
) -> None:
    harness = pagerduty_app(app_factory, fake_pd)
    harness.channel_created("CINC", "inc-sev2-checkout")
    harness.command("escalate checkout EU customers cannot pay", channel="CINC")
    assert "Paging the on-call of *checkout*" in harness.last_reply()
    harness.command("escalate", channel="CINC", user="UIC")
    assert "was already paged" in harness.last_reply()
    assert "<@UAGENT>" in harness.last_reply()

    enqueued = fake_pd.calls_to("POST", "/v2/enqueue")
    assert len(enqueued) == 1
    event = enqueued[0].json
    assert event["dedup_key"] == "liaison-incident-1-checkout"
    assert event["payload"]["custom_details"]["note"] == "EU customers cannot pay"
    assert event["payload"]["custom_details"]["customer_reports"] == 0
    assert len(fake_pd.pages()) == 1
    assert any("paged the on-call of *checkout*" in t for t in _texts(harness, "CINC"))

    page = fake_pd.pages()[0]
    deliver(harness, "incident.triggered", page, occurred_at="2026-11-23T10:01:00Z")
    page.status = "acknowledged"
    deliver(
        harness, "incident.acknowledged", page, occurred_at="2026-11-23T10:03:00Z",
        agent=("PDANA", "Dana Oncall", "dana@example.com"),
    )  # fmt: skip
    texts = _texts(harness, "CINC")
    assert any("The page to *Checkout* was acknowledged by *Dana Oncall*" in t for t in texts)
    assert harness.fake.calls_to("conversations.create") == []  # no second incident
    harness.command("escalate checkout", channel="CINC")
    assert "*Dana Oncall* acknowledged it" in harness.last_reply()


@sqlite_only
def test_escalating_needs_a_known_service(app_factory, fake_pd: FakePagerDuty) -> None:
    harness = pagerduty_app(
        app_factory, fake_pd, pagerduty_routing_keys={"checkout": "K1", "payments": "K2"}
    )
    harness.channel_created("CINC", "inc-sev2-checkout")
    harness.command("escalate", channel="CINC")
    assert "Which service?" in harness.last_reply() and "`payments`" in harness.last_reply()
    assert fake_pd.calls_to("POST", "/v2/enqueue") == []


def test_customer_updates_become_status_updates_and_resolution_is_sent_when_allowed(
    app_factory, fake_pd: FakePagerDuty
) -> None:
    harness = pagerduty_app(app_factory, fake_pd, pagerduty_resolve_from_liaison=True)
    incident = fake_pd.add_incident(title="Checkout errors", priority="P2")
    deliver(harness, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z")
    opened = linked_incident(harness, incident.id)
    assert opened is not None
    post_update(
        harness.rt,
        UpdateSubmission(
            incident_id=opened.id, status="identified",
            customer_message="We found the cause and are rolling back.",
        ),
        actor="UANA",
    )  # fmt: skip
    assert incident.status_updates == ["We found the cause and are rolling back."]
    assert fake_pd.calls_to("POST", r"/incidents/\w+/status_updates")[0].headers["from"] == (
        "liaison@example.com"
    )
    incidents.resolve(harness.rt, incident_id=opened.id, actor="UIC", note=None)
    harness.waker()
    assert incident.status == "resolved"


@sqlite_only
def test_resolving_in_liaison_leaves_pagerduty_alone_by_default_and_notes_can_be_chosen(
    app_factory, fake_pd: FakePagerDuty
) -> None:
    harness = pagerduty_app(app_factory, fake_pd, pagerduty_updates_as="notes")
    incident = fake_pd.add_incident(title="Checkout errors", priority="P2")
    deliver(harness, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z")
    opened = linked_incident(harness, incident.id)
    assert opened is not None
    post_update(
        harness.rt,
        UpdateSubmission(
            incident_id=opened.id, status="monitoring", customer_message="Fix deployed."
        ),
        actor="UANA",
    )
    assert incident.notes == ["Customer update (monitoring): Fix deployed."]
    incidents.resolve(harness.rt, incident_id=opened.id, actor="UIC", note=None)
    harness.waker()
    assert fake_pd.calls_to("PUT", r"/incidents/\w+") == []
    assert incident.status == "triggered"


@sqlite_only
def test_a_rate_limited_update_is_retried_after_the_delay_pagerduty_asked_for(
    app_factory, fake_pd: FakePagerDuty, clock
) -> None:
    from datetime import timedelta

    harness = pagerduty_app(app_factory, fake_pd)
    incident = fake_pd.add_incident(title="Checkout errors", priority="P2")
    deliver(harness, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z")
    opened = linked_incident(harness, incident.id)
    assert opened is not None
    fake_pd.inject(r"/status_updates", status=429, retry_after="60", times=1)
    post_update(
        harness.rt,
        UpdateSubmission(
            incident_id=opened.id, status="identified", customer_message="Cause found."
        ),
        actor="UANA",
    )
    assert incident.status_updates == []
    harness.advance(timedelta(seconds=61))
    assert incident.status_updates == ["Cause found."]


@sqlite_only
def test_the_full_summary_carries_the_page_and_jira_buttons_and_pressing_twice_pages_once(
    app_factory, fake_pd: FakePagerDuty
) -> None:
    from bot.ids import OnCallActions
    from bot.services.reports import ReportSubmission, attach

    harness = pagerduty_app(
        app_factory, fake_pd, jira_url="http://jira.invalid", jira_email="a@example.com",
        jira_api_token="t", jira_project="OPS",
    )  # fmt: skip
    harness.channel_created("CINC", "inc-sev2-checkout")
    attach(
        harness.rt,
        ReportSubmission(incident_id=1, customer_name="Acme", summary="Acme cannot pay"),
        agent_id="UAGENT",
    )
    harness.command("impact", channel="CINC")
    blocks = harness.fake.calls_to("response_url")[-1].params.get("blocks") or []
    buttons = [
        element
        for block in blocks
        if block.get("block_id") == OnCallActions.block
        for element in block["elements"]
    ]
    assert [b["text"]["text"] for b in buttons] == ["Page checkout on-call", "Create Jira issue"]
    page_value = buttons[0]["value"]
    for stamp in ("1.1", "2.2"):
        harness.block_action(
            OnCallActions.escalate, value=page_value, channel="CINC",
            message={"ts": "111.1"}, extra={"action_ts": stamp},
        )  # fmt: skip
    assert len(fake_pd.calls_to("POST", "/v2/enqueue")) == 1
    assert "was already paged" in harness.last_reply()


@sqlite_only
def test_the_conference_bridge_setting_reaches_channels_opened_by_hand(app_factory) -> None:
    from tests.handlers.liaison_helpers import liaison_app

    harness = liaison_app(
        app_factory, "UANA", conference_bridge_url="https://meet.example.com/inc-{number}"
    )
    harness.channel_created("CINC", "inc-sev2-checkout")
    assert harness.fake.bookmarks["CINC"][0]["link"] == "https://meet.example.com/inc-1"
    assert any("Conference bridge" in t for t in _texts(harness, "CINC"))
    harness.command("status", channel="CINC")
    assert "https://meet.example.com/inc-1" in harness.last_reply()


@sqlite_only
def test_a_refused_page_is_told_in_the_channel_and_can_be_tried_again(
    app_factory, fake_pd: FakePagerDuty
) -> None:
    harness = pagerduty_app(app_factory, fake_pd, pagerduty_routing_keys={"checkout": "WRONG"})
    harness.channel_created("CINC", "inc-sev2-checkout")
    harness.command("escalate checkout", channel="CINC")
    assert fake_pd.pages() == []
    failed = [t for t in _texts(harness, "CINC") if "did not go through" in t]
    assert len(failed) == 1 and "Invalid routing key" in failed[0]
    harness.command("escalate checkout", channel="CINC")
    assert "Paging the on-call" in harness.last_reply()
    assert len(fake_pd.calls_to("POST", "/v2/enqueue")) == 2


@sqlite_only
def test_status_updates_written_in_pagerduty_reach_the_channel_but_ours_do_not_echo(
    app_factory, fake_pd: FakePagerDuty
) -> None:
    import json as _json

    from bot.devtools.fake_pagerduty import sign
    from tests.handlers.oncall_support import edge_url, post_raw

    harness = pagerduty_app(app_factory, fake_pd)
    incident = fake_pd.add_incident(title="Checkout errors", priority="P2")
    deliver(harness, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z")
    opened = linked_incident(harness, incident.id)
    assert opened is not None
    post_update(
        harness.rt,
        UpdateSubmission(incident_id=opened.id, status="identified", customer_message="Ours."),
        actor="UANA",
    )

    def published(event_id: str, message: str) -> int:
        body = _json.dumps({"event": {
            "id": event_id, "event_type": "incident.status_update_published",
            "resource_type": "incident", "occurred_at": "2026-11-23T10:05:00Z",
            "data": {"id": "SU1", "message": message, "type": "status_update",
                     "incident": {"id": incident.id, "type": "incident_reference"},
                     "sender": {"id": "PDANA", "summary": "Dana Oncall", "type": "user_reference"}},
        }}).encode()  # fmt: skip
        status, _ = post_raw(
            edge_url(harness), body, {"X-PagerDuty-Signature": sign(body, "pd-webhook-secret")}
        )
        harness.executor.wait_idle()
        return status

    assert published("SU-E1", "Rollback done, monitoring") == 202
    assert published("SU-E1", "Rollback done, monitoring") == 202  # redelivered
    assert published("SU-E2", "Ours.") == 200
    texts = _texts(harness, opened.channel_id)
    relayed = [t for t in texts if "Status update in PagerDuty" in t]
    assert len(relayed) == 1 and "Rollback done, monitoring" in relayed[0]
    assert "*Dana Oncall*" in relayed[0]
