"""The full impact summary: on the update cadence with its chart, at resolution, on demand."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from bot.models import Incident
from tests.harness import Harness
from tests.impact_helpers import (
    add_accounts,
    add_reports,
    attach_report,
    blocks_text,
    sqlite_only,
    summaries,
)

CHANNEL = "CINC1"


def _incident(harness: Harness) -> int:
    harness.channel_created(CHANNEL, "inc-sev3-checkout")
    with harness.session() as session:
        return session.scalars(select(Incident.id)).one()


def _charts(harness: Harness) -> list:
    return [f for f in harness.fake.files.values() if f.completed]


def test_the_full_summary_and_its_chart_follow_the_update_cadence(harness: Harness) -> None:
    incident_id = _incident(harness)
    for name, region in (("Acme", "eu-south"), ("Globex", "eu-south"), ("Initech", "eu-west")):
        attach_report(harness.rt, incident_id, customer_name=name, region=region)
    harness.advance(timedelta(minutes=59))
    assert summaries(harness.fake, CHANNEL, "impact.full") == []

    harness.advance(timedelta(minutes=1))  # sev3 updates are due hourly
    [full] = summaries(harness.fake, CHANNEL, "impact.full")
    text = blocks_text(full)
    assert "*3 reports* from *3 customers*" in text
    assert "*Region* · 2 values across 3 reports" in text
    assert "*eu-south* — 2 reports (67%) · 2 customers" in text
    [chart] = _charts(harness)
    assert chart.channel == CHANNEL
    assert chart.content is not None and chart.content.startswith(b"\x89PNG")
    assert chart.initial_comment == "Reports per 5m by region · incident #1 · 3 reports"

    harness.advance(timedelta(hours=1))  # nothing new: the channel stays calm
    assert len(summaries(harness.fake, CHANNEL, "impact.full")) == 1

    attach_report(harness.rt, incident_id, customer_name="Umbrella", region="eu-south")
    harness.advance(timedelta(hours=1))
    assert len(summaries(harness.fake, CHANNEL, "impact.full")) == 2
    assert len(_charts(harness)) == 2


def test_resolution_posts_the_final_count_and_finalises_the_live_summary(
    harness: Harness,
) -> None:
    incident_id = _incident(harness)
    attach_report(harness.rt, incident_id, customer_name="Acme")
    attach_report(harness.rt, incident_id, customer_name="Globex")
    harness.clock.advance(timedelta(minutes=20))
    harness.command("resolve Rolled back", channel=CHANNEL, user="UIC")
    [final] = summaries(harness.fake, CHANNEL, "impact.full")
    assert "*2 reports* from *2 customers*" in blocks_text(final)
    assert "Final impact summary · the incident was resolved" in blocks_text(final)
    [chart] = _charts(harness)
    assert chart.initial_comment.endswith("2 reports (final count)")
    [live] = summaries(harness.fake, CHANNEL, "impact.live")
    assert "Final count · the incident was resolved" in blocks_text(live)
    assert "resolved" in blocks_text(live).splitlines()[0]

    harness.advance(timedelta(hours=3))  # the cadence stopped with the incident
    assert len(summaries(harness.fake, CHANNEL, "impact.full")) == 1


@sqlite_only
def test_impact_shows_the_summary_privately(harness: Harness) -> None:
    incident_id = _incident(harness)
    attach_report(harness.rt, incident_id, customer_name="Acme", product_version="5.1")
    posted_before = len(harness.fake.messages(CHANNEL))
    harness.command("impact", channel=CHANNEL)
    [reply] = [c.params for c in harness.fake.calls_to("response_url")]
    assert reply["response_type"] == "ephemeral"
    assert "*1 report* from *1 customer*" in blocks_text(reply)
    assert "*Version* · 1 value across 1 report" in blocks_text(reply)
    assert len(harness.fake.messages(CHANNEL)) == posted_before

    # From another channel, by number.
    harness.command("impact #1", channel="CSUPPORT")
    assert "*1 report* from *1 customer*" in blocks_text(
        harness.fake.calls_to("response_url")[-1].params
    )


@sqlite_only
def test_impact_post_shares_it_in_the_channel_with_its_chart(harness: Harness) -> None:
    incident_id = _incident(harness)
    attach_report(harness.rt, incident_id, customer_name="Acme", platform="android")
    harness.command("impact post", channel=CHANNEL, user="UIC")
    [full] = summaries(harness.fake, CHANNEL, "impact.full")
    assert "*Platform* · 1 value across 1 report" in blocks_text(full)
    assert "*Android* — 1 report (100%)" in blocks_text(full)
    assert len(_charts(harness)) == 1
    assert harness.fake.calls_to("response_url") == []

    harness.fake.fail("chat.postMessage", "is_archived")
    harness.command("impact post", channel=CHANNEL, user="UIC")
    reply = harness.fake.calls_to("response_url")[-1].params
    assert (
        "I could not post the impact summary in this channel (is_archived)"
        in (reply["blocks"][0]["text"]["text"])
    )
    assert "*Android* — 1 report (100%)" in blocks_text(reply)


@sqlite_only
def test_impact_outside_an_incident_channel_says_what_would_work(harness: Harness) -> None:
    harness.command("impact", channel="CGENERAL")
    reply = harness.last_reply()
    assert "not an incident channel" in reply
    assert "`/liaison impact 7`" in reply
    harness.command("impact seven", channel="CGENERAL")
    assert "`seven` is neither an incident number nor `post`" in harness.last_reply()
    harness.command("impact 42", channel="CGENERAL")
    assert "Incident #42 does not exist." in harness.last_reply()
    _incident(harness)
    harness.command("impact 1 post", channel="CGENERAL")
    assert (
        "Run `/liaison impact post` in incident #1's channel #inc-sev3-checkout to share it there."
        in harness.last_reply()
    )
    assert summaries(harness.fake, "CGENERAL", "impact.full") == []


@sqlite_only
def test_an_empty_incident_says_so(harness: Harness) -> None:
    _incident(harness)
    harness.command("impact", channel=CHANNEL)
    assert "No customer reports are attached to incident #1 yet" in harness.last_reply()


@sqlite_only  # Slack's limits do not depend on the database; the aggregation tests do
def test_a_5000_report_incident_with_300_versions_fits_slack(harness: Harness) -> None:
    """Every surface of a huge incident is accepted by Slack (the fake validates each)."""
    incident_id = _incident(harness)
    now = harness.clock.now()
    rng = random.Random(7)
    regions = ["us-east", "eu-west", "eu-south", "ap-south"]
    with harness.rt.sessions.begin() as session:
        add_accounts(
            session,
            [{"account_id": f"{i:05d}", "region": rng.choice(regions), "vip": i % 50 == 0}
             for i in range(3000)],
            now=now,
        )  # fmt: skip
        incident = session.get(Incident, incident_id)
        assert incident is not None
        add_reports(
            session,
            incident,
            [{"account_id": f"{rng.randrange(3000):05d}", "region": rng.choice(regions),
              "product_version": f"{i % 300}.{'x' * 40}", "platform": "android",
              "customer_name": f"Customer with a long name {'y' * 150} {i}",
              "vip": i % 7 == 0, "features": [f"feature-{i % 40}"],
              "created_at": now - timedelta(seconds=i)}
             for i in range(5000)],
        )  # fmt: skip
    attach_report(harness.rt, incident_id, customer_name="One more")
    harness.command("impact post", channel=CHANNEL)
    harness.command("impact", channel=CHANNEL)
    [live] = summaries(harness.fake, CHANNEL, "impact.live")
    [full] = summaries(harness.fake, CHANNEL, "impact.full")
    assert "*5001 reports*" in blocks_text(live)
    version = next(t for t in blocks_text(full).split("\n*") if t.startswith("Version*"))
    assert version.startswith("Version* · 300 values across 5000 reports")
    assert version.endswith("… and 295 more")
    assert len(_charts(harness)) == 1
    private = harness.fake.calls_to("response_url")[-1].params
    assert len(private["blocks"]) <= 50
    # The fake checked every payload against Block Kit's schema and limits; the fixture
    # fails the test on any violation.
    assert harness.fake.violations == []
