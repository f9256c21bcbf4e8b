"""The live impact summary in the incident channel: one pinned message, edited, debounced.

The debounce under a stream of reports and Slack failures while editing are fast flow
tests in tests/bot/test_flows_impact.py.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.ids import IncidentActions
from bot.models import Incident
from tests.harness import Harness
from tests.impact_helpers import attach_report, blocks_text, buttons, sqlite_only, summaries

CHANNEL = "CINC1"


def _incident(harness: Harness, name: str = "inc-sev3-checkout") -> int:
    harness.channel_created(CHANNEL, name)
    with harness.session() as session:
        return session.scalars(select(Incident.id)).one()


def test_the_first_report_posts_and_pins_the_summary_and_later_ones_edit_it(
    harness: Harness,
) -> None:
    incident_id = _incident(harness)
    attach_report(harness.rt, incident_id, customer_name="Acme", region="eu-south")
    [live] = summaries(harness.fake, CHANNEL, "impact.live")
    assert harness.fake.pins[CHANNEL] == [live["ts"]]
    assert "*1 report* from *1 customer*" in blocks_text(live)
    assert live["text"].startswith("Customer impact of incident #1: 1 report from 1 customer")

    # Within IMPACT_REFRESH (60s) nothing changes, however many reports arrive.
    for index in range(5):
        harness.clock.advance(timedelta(seconds=5))
        attach_report(harness.rt, incident_id, customer_name=f"Customer {index}")
    assert harness.fake.calls_to("chat.update") == []
    assert "*1 report*" in blocks_text(summaries(harness.fake, CHANNEL, "impact.live")[0])

    harness.advance(timedelta(seconds=35))  # 60s after the first post
    [edit] = harness.fake.calls_to("chat.update")
    assert edit.params["ts"] == live["ts"]
    [live] = summaries(harness.fake, CHANNEL, "impact.live")
    assert live["edited"]
    assert "*6 reports* from *6 customers*" in blocks_text(live)
    posts = [c for c in harness.fake.calls_to("chat.postMessage") if "impact.live" in str(c.params)]
    assert len(posts) == 1
    assert len(harness.fake.calls_to("pins.add")) == 1
    with harness.session() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        assert incident.summary_ts == live["ts"]


def test_the_severity_hint_button_raises_the_severity_like_the_command(app_factory) -> None:
    harness = app_factory(impact_hint_customers=3, impact_hint_rising=False)
    incident_id = _incident(harness)
    for name in ("Acme", "Globex"):
        attach_report(harness.rt, incident_id, customer_name=name)
    harness.advance(timedelta(seconds=60))
    assert buttons(summaries(harness.fake, CHANNEL, "impact.live")[0]) == []

    attach_report(harness.rt, incident_id, customer_name="Initech")
    harness.advance(timedelta(seconds=60))
    [live] = summaries(harness.fake, CHANNEL, "impact.live")
    assert "this looks bigger than *sev3*: 3 customers reporting (threshold 3)" in blocks_text(live)
    [button] = buttons(live)
    assert button["text"]["text"] == "Raise to sev2"

    harness.block_action(
        IncidentActions.raise_severity,
        value=button["value"],
        user="UIC",
        channel=CHANNEL,
        message=live,
        block_id="impact.hint",
    )
    with harness.session() as session:
        assert session.scalars(select(Incident.severity)).one() == "sev2"
    announcements = [m["text"] for m in harness.fake.messages(CHANNEL)]
    assert (
        "<@UIC> changed the severity of incident #1 from *sev3* to *sev2* (major)." in announcements
    )
    harness.advance(timedelta(seconds=60))
    [live] = summaries(harness.fake, CHANNEL, "impact.live")
    assert buttons(live) == [] and "*sev2*" in blocks_text(live)

    # An old hint pressed again changes nothing and says why.
    harness.block_action(
        IncidentActions.raise_severity,
        value=button["value"],
        user="UAGENT",
        channel=CHANNEL,
        message=live,
        block_id="impact.hint",
    )
    assert "Incident #1 is already sev2; nothing to raise." in harness.last_reply()
    with harness.session() as session:
        assert session.scalars(select(Incident.severity)).one() == "sev2"


@sqlite_only
def test_an_old_hint_never_lowers_a_severity_raised_further(app_factory) -> None:
    harness = app_factory(impact_hint_customers=1)
    incident_id = _incident(harness)
    attach_report(harness.rt, incident_id, customer_name="Acme")
    [button] = buttons(summaries(harness.fake, CHANNEL, "impact.live")[0])
    harness.command("severity sev1", channel=CHANNEL, user="UIC")
    harness.block_action(
        IncidentActions.raise_severity, value=button["value"], user="UAGENT", channel=CHANNEL
    )
    with harness.session() as session:
        assert session.scalars(select(Incident.severity)).one() == "sev1"
    assert "already sev1" in harness.last_reply()
