"""Jira Cloud end to end: ``/liaison jira`` files the customer impact in the backlog (once,
unless asked again), and the signed webhook of its resolution or release reaches the
liaison and the owners of the customer tickets with whom to follow up."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.devtools.fake_jira import FakeJira, sign, webhook
from bot.services.reports import ReportSubmission, attach
from tests.handlers.liaison_helpers import liaison_app, sqlite_only
from tests.handlers.oncall_support import edge_url, post_raw
from tests.harness import Harness

SECRET = "jira-secret"


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        yield fake


@pytest.fixture
def jira(app_factory, fake_jira: FakeJira) -> Harness:
    harness = liaison_app(
        app_factory,
        "UANA",
        jira_url=fake_jira.url,
        jira_email="liaison@example.com",
        jira_api_token="jira-token",
        jira_project="OPS",
        jira_webhook_secret=SECRET,
        jira_customers_field="customfield_10042",
    )
    harness.channel_created("CINC", "inc-sev2-checkout")
    for owner, customer, ticket in (("UAGENT", "Acme", "#101"), ("UIC", "Globex", "#102")):
        attach(
            harness.rt,
            ReportSubmission(
                incident_id=1, customer_name=customer, ticket_ref=ticket,
                summary=f"{customer} cannot pay at checkout", features=["checkout"],
            ),
            agent_id=owner,
        )  # fmt: skip
    harness.executor.wait_idle()
    return harness


def _deliver(harness: Harness, body: bytes, secret: str = SECRET) -> int:
    status, _ = post_raw(edge_url(harness, "jira"), body, {"X-Hub-Signature": sign(body, secret)})
    harness.executor.wait_idle()
    return status


def test_an_issue_carries_the_impact_and_its_resolution_reaches_the_ticket_owners(
    jira: Harness, fake_jira: FakeJira
) -> None:
    jira.command("jira", channel="CINC")
    assert "Creating a Jira issue" in jira.last_reply()
    fields = fake_jira.issues["OPS-1"]
    assert fields["issuetype"] == {"name": "Bug"}
    assert fields["customfield_10042"] == 2
    assert "liaison-incident-1" in fields["labels"]
    description = json.dumps(fields["description"])
    assert "2 customer reports from 2 customers" in description
    assert "Acme cannot pay at checkout" in description and "checkout (2)" in description
    assert any("OPS-1" in m.get("text", "") for m in jira.fake.messages("CINC"))

    jira.command("jira", channel="CINC")
    assert (
        "already has Jira issue" in jira.last_reply() and "/liaison jira new" in jira.last_reply()
    )
    assert len(fake_jira.issues) == 1

    assert _deliver(jira, webhook("jira:issue_updated", key="OPS-1", resolution="Fixed")) == 202
    assert _deliver(jira, webhook("jira:issue_updated", key="OPS-1", resolution="Fixed")) == 202
    owner_dm = [m["text"] for m in jira.fake.messages(jira.fake.dm_channel("UAGENT"))]
    resolved = [t for t in owner_dm if "was resolved" in t]
    assert len(resolved) == 1
    assert "Acme" in resolved[0] and "Globex" not in resolved[0]
    liaison_dm = [m["text"] for m in jira.fake.messages(jira.fake.dm_channel("UANA"))]
    told = next(t for t in liaison_dm if "was resolved" in t)
    assert "Acme" in told and "Globex" in told

    released = webhook(
        "jira:issue_updated", key="OPS-1", resolution="Fixed",
        fix_versions=[{"name": "2.4.1", "released": True}],
    )  # fmt: skip
    assert _deliver(jira, released) == 202
    owner_dm = [m["text"] for m in jira.fake.messages(jira.fake.dm_channel("UIC"))]
    assert any("shipped" in t and "*2.4.1*" in t and "Globex" in t for t in owner_dm)


@sqlite_only
def test_a_second_issue_is_made_only_when_asked_and_bad_signatures_are_refused(
    jira: Harness, fake_jira: FakeJira
) -> None:
    jira.command("jira", channel="CINC")
    jira.command("jira new", channel="CINC")
    assert sorted(fake_jira.issues) == ["OPS-1", "OPS-2"]
    body = webhook("jira:issue_updated", key="OPS-1", resolution="Fixed")
    assert _deliver(jira, body, secret="wrong") == 401
    status, _ = post_raw(edge_url(jira, "jira"), body, {})
    assert status == 401
    assert _deliver(jira, webhook("jira:issue_updated", key="OTHER-9", resolution="Done")) == 200


@sqlite_only
def test_a_rejected_token_is_recorded_as_a_permanent_failure(
    app_factory, fake_jira: FakeJira
) -> None:
    harness = liaison_app(
        app_factory, "UANA", jira_url=fake_jira.url, jira_email="liaison@example.com",
        jira_api_token="revoked", jira_project="OPS",
    )  # fmt: skip
    harness.channel_created("CINC", "inc-sev2-checkout")
    harness.command("jira", channel="CINC")
    assert fake_jira.issues == {}
    assert len(fake_jira.calls_to("POST", "/rest/api/3/issue")) == 1  # not retried
    from sqlalchemy import select

    from bot.models import Reminder

    with harness.session() as session:
        job = session.scalars(select(Reminder).where(Reminder.kind == "jira.create_issue")).first()
    assert job.status == "failed" and "HTTP 401" in (job.last_error or "")
    told = [m.get("text", "") for m in harness.fake.messages("CINC")]
    assert any("could not be created" in t and "HTTP 401" in t for t in told)
    harness.command("jira", channel="CINC")
    assert "Creating a Jira issue" in harness.last_reply()  # tried again, not "already has"
    assert len(fake_jira.calls_to("POST", "/rest/api/3/issue")) == 2


@sqlite_only
def test_the_post_incident_report_ticket_carries_the_incidents_facts(
    jira: Harness, fake_jira: FakeJira
) -> None:
    jira.command("resolve Rolled back the release", channel="CINC")
    jira.command("jira pir", channel="CINC")
    assert "post-incident report of incident #1" in jira.last_reply()
    fields = fake_jira.issues["OPS-1"]
    assert fields["issuetype"] == {"name": "Task"}
    assert fields["summary"].startswith("Post-incident report:")
    description = json.dumps(fields["description"])
    assert "Rolled back the release" in description and "Customer reports: 2" in description
    assert any(
        "Post-incident report ticket" in m.get("text", "") for m in jira.fake.messages("CINC")
    )
    jira.command("jira pir", channel="CINC")
    assert "already has a post-incident report ticket" in jira.last_reply()
    assert _deliver(jira, webhook("jira:issue_updated", key="OPS-1", resolution="Done")) == 200
