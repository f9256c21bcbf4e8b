"""PagerDuty ``incident.reassigned`` end to end over real HTTP: the new assignee, found in
Slack by email, is invited to the incident channel; the PagerDuty details message and
``/liaison status`` show who has the incident now; the channel is told once, however
often and in whatever order PagerDuty delivers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.devtools.fake_pagerduty import FakePagerDuty
from tests.handlers.oncall_support import deliver, linked_incident, pagerduty_app
from tests.harness import Harness

ERIN = ("PERIN", "Erin Oncall", "erin@example.com")


@pytest.fixture
def fake_pd() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as fake:
        yield fake


@pytest.fixture
def pd(app_factory, fake_pd: FakePagerDuty) -> Harness:
    harness = pagerduty_app(app_factory, fake_pd)
    harness.fake.add_user("UERIN", "erin", real_name="Erin Oncall", email=ERIN[2])
    fake_pd.users[ERIN[0]] = ERIN[2]
    return harness


def _texts(harness: Harness, channel: str) -> list[str]:
    return [m.get("text", "") for m in harness.fake.messages(channel)]


def _invited(harness: Harness, channel: str) -> list[str]:
    return [
        c.params["users"]
        for c in harness.fake.calls_to("conversations.invite")
        if c.params["channel"] == channel
    ]


def test_a_reassignment_invites_the_new_assignee_and_shows_them_once(
    pd: Harness, fake_pd: FakePagerDuty
) -> None:
    incident = fake_pd.add_incident(
        title="Checkout API 500s", priority="P1", assignees=[("PDANA", "Dana Oncall")]
    )
    deliver(pd, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z")
    opened = linked_incident(pd, incident.id)
    assert opened is not None and opened.channel_id
    channel = opened.channel_id
    assert "UERIN" not in pd.fake.channels[channel].members

    incident.assignees = [("PERIN", "Erin Oncall")]
    for _ in range(3):  # PagerDuty redelivers: the same event, the same effect
        status, _answer = deliver(
            pd, "incident.reassigned", incident, occurred_at="2026-11-23T10:05:00Z",
            event_id="EREASSIGN", agent=("PDANA", "Dana Oncall", "dana@example.com"),
        )  # fmt: skip
        assert status == 202

    assert "UERIN" in pd.fake.channels[channel].members
    assert _invited(pd, channel).count("UERIN") == 1
    told = [t for t in _texts(pd, channel) if "is now assigned to" in t]
    assert told == [
        f":pager: PagerDuty #{incident.number} is now assigned to *Erin Oncall*: "
        "<@UERIN> invited here."
    ]
    details = next(t for t in _texts(pd, channel) if "PagerDuty incident" in t)
    assert "Assigned to Erin Oncall" in details and "Dana Oncall" not in details
    assert len(pd.fake.calls_to("chat.update")) == 1

    # An older event delivered late (the acknowledgement before the reassignment, still
    # naming Dana) changes neither the assignees nor the channel.
    late = fake_pd.add_incident(**{**incident.__dict__, "assignees": [("PDANA", "Dana Oncall")]})
    late.status = "acknowledged"
    deliver(
        pd, "incident.acknowledged", late, occurred_at="2026-11-23T10:02:00Z",
        agent=("PDANA", "Dana Oncall", "dana@example.com"),
    )  # fmt: skip
    assert sum("is now assigned to" in t for t in _texts(pd, channel)) == 1

    pd.command("status", channel=channel)
    assert "Assigned to Erin Oncall" in pd.last_reply()


def test_a_second_reassignment_adds_to_the_channel_and_unknown_people_are_named(
    pd: Harness, fake_pd: FakePagerDuty
) -> None:
    incident = fake_pd.add_incident(title="Search slow", assignees=[("PDANA", "Dana Oncall")])
    deliver(pd, "incident.triggered", incident, occurred_at="2026-11-23T10:00:00Z")
    opened = linked_incident(pd, incident.id)
    assert opened is not None and opened.channel_id
    incident.assignees = [("PDANA", "Dana Oncall"), ("PNOSLACK", "Sam Contractor")]
    deliver(pd, "incident.reassigned", incident, occurred_at="2026-11-23T10:04:00Z")
    incident.assignees = [("PERIN", "Erin Oncall")]
    deliver(pd, "incident.reassigned", incident, occurred_at="2026-11-23T10:08:00Z")

    told = [t for t in _texts(pd, opened.channel_id) if "is now assigned to" in t]
    assert told[0].endswith("now assigned to *Dana Oncall, Sam Contractor*.")  # no Slack match
    assert "*Erin Oncall*: <@UERIN> invited here." in told[1]
    assert len(told) == 2
