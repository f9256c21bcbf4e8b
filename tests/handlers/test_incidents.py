"""Opening and running incidents from Slack, end to end over signed HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from bot.models import Incident, ProcessedEvent
from tests.harness import Harness


def _incidents(harness: Harness) -> list[Incident]:
    with harness.session() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def test_an_incident_channel_opens_an_incident_with_severity_from_its_name(
    harness: Harness,
) -> None:
    response = harness.channel_created("CINC1", "inc-sev2-checkout-eu")
    assert response.status == 200
    [incident] = _incidents(harness)
    assert (incident.channel_id, incident.severity, incident.title, incident.status) == (
        "CINC1",
        "sev2",
        "Checkout eu",
        "open",
    )
    [intro] = harness.fake.messages("CINC1")
    assert "Incident #1 opened" in intro["text"]
    assert "/liaison report" in intro["text"]


def test_an_incident_channel_without_severity_gets_the_default(harness: Harness) -> None:
    harness.channel_created("CINC2", "incident-login-outage")
    [incident] = _incidents(harness)
    assert incident.severity == "sev3"


def test_other_channels_are_ignored(harness: Harness) -> None:
    harness.channel_created("CRANDOM", "random-chatter")
    assert _incidents(harness) == []
    assert harness.fake.calls_to("chat.postMessage") == []


def test_the_channel_pattern_is_configurable(app_factory) -> None:
    harness = app_factory(incident_channel_pattern=r"^outage-")
    harness.channel_created("C1", "inc-sev1-ignored")
    harness.channel_created("C2", "outage-sev1-payments")
    assert [i.channel_id for i in _incidents(harness)] == ["C2"]


def test_slack_retries_of_the_same_event_open_one_incident(harness: Harness) -> None:
    harness.channel_created("CINC1", "inc-sev1-db", event_id="Ev42")
    harness.channel_created("CINC1", "inc-sev1-db", event_id="Ev42", retry_num=1)
    harness.channel_created("CINC1", "inc-sev1-db", event_id="Ev42", retry_num=2)
    assert len(_incidents(harness)) == 1
    assert len(harness.fake.messages("CINC1")) == 1
    with harness.session() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 1


def test_handled_events_are_forgotten_after_a_week_and_a_late_retry_is_still_refused(
    harness: Harness,
) -> None:
    harness.channel_created("CINC1", "inc-sev1-db", event_id="Ev1")
    harness.clock.advance(timedelta(days=6))
    harness.channel_created("CINC1", "inc-sev1-db", event_id="Ev1", retry_num=3)
    harness.channel_created("CINC2", "inc-sev2-api", event_id="Ev2")
    harness.clock.advance(timedelta(days=2))
    harness.channel_created("CINC3", "inc-sev3-web", event_id="Ev3")
    assert [i.channel_id for i in _incidents(harness)] == ["CINC1", "CINC2", "CINC3"]
    with harness.session() as session:
        kept = session.scalars(select(ProcessedEvent.event_id).order_by(ProcessedEvent.event_id))
        assert list(kept) == ["Ev2", "Ev3"]


def test_declare_binds_the_channel_and_announces_it(harness: Harness) -> None:
    harness.command(
        "declare sev2 Checkout failing in EU",
        channel="CSUPPORT",
        channel_name="support",
        user="UIC",
    )
    [incident] = _incidents(harness)
    assert (incident.channel_id, incident.severity, incident.title, incident.opened_by) == (
        "CSUPPORT",
        "sev2",
        "Checkout failing in EU",
        "UIC",
    )
    [message] = harness.fake.messages("CSUPPORT")
    assert (
        "<@UIC> declared *incident #1*: Checkout failing in EU (*sev2*, major)" in message["text"]
    )


def test_declaring_again_shows_the_existing_incident_instead_of_a_duplicate(
    harness: Harness,
) -> None:
    harness.command("declare sev2 Checkout failing", channel="CSUPPORT")
    harness.clock.advance(timedelta(minutes=12))
    harness.command("declare sev1 Something else", channel="CSUPPORT")
    assert len(_incidents(harness)) == 1
    reply = harness.last_reply()
    assert "already *incident #1*" in reply
    assert "open for 12m" in reply


def test_declare_without_severity_uses_the_default(harness: Harness) -> None:
    harness.command("declare Search is slow", channel="CSUPPORT")
    [incident] = _incidents(harness)
    assert (incident.severity, incident.title) == ("sev3", "Search is slow")


def test_declare_with_a_bad_severity_says_what_would_work(harness: Harness) -> None:
    harness.command("declare sev9 Broken", channel="CSUPPORT")
    assert _incidents(harness) == []
    reply = harness.last_reply()
    assert "`sev9` is not a severity" in reply
    assert "Usage: `/liaison declare [sev1|sev2|sev3|sev4] &lt;title&gt;`" in reply


def test_declare_without_a_title_is_refused(harness: Harness) -> None:
    harness.command("declare sev2", channel="CSUPPORT")
    assert _incidents(harness) == []
    assert "Give the incident a title" in harness.last_reply()


def test_status_shows_severity_state_age_and_counts(harness: Harness) -> None:
    harness.command("declare sev2 Checkout failing", channel="CSUPPORT")
    harness.clock.advance(timedelta(minutes=65))
    harness.command("status", channel="CSUPPORT")
    reply = harness.last_reply()
    assert "*Incident #1* · Checkout failing" in reply
    assert "Severity *sev2* (major) · Open · open for 1h 5m" in reply
    assert "0 customer reports from 0 distinct customers" in reply


def test_status_outside_an_incident_channel_explains_how_to_declare(harness: Harness) -> None:
    harness.command("status", channel="CGENERAL")
    assert "not an incident channel" in harness.last_reply()
    assert "/liaison declare sev2 <title>" in harness.last_reply()


def test_severity_change_is_announced(harness: Harness) -> None:
    harness.command("declare sev3 Checkout slow", channel="CSUPPORT")
    harness.command("severity sev1", channel="CSUPPORT", user="UIC")
    [incident] = _incidents(harness)
    assert incident.severity == "sev1"
    assert incident.became_major_at is not None
    texts = [m["text"] for m in harness.fake.messages("CSUPPORT")]
    assert "<@UIC> changed the severity of incident #1 from *sev3* to *sev1* (major)." in texts


def test_severity_to_the_same_value_is_refused(harness: Harness) -> None:
    harness.command("declare sev3 Checkout slow", channel="CSUPPORT")
    harness.command("severity sev3", channel="CSUPPORT")
    assert "already sev3" in harness.last_reply()


def test_resolve_then_reopen(harness: Harness) -> None:
    harness.command("declare sev2 Checkout failing", channel="CSUPPORT")
    harness.clock.advance(timedelta(minutes=40))
    harness.command("resolve Rolled back the deploy", channel="CSUPPORT", user="UIC")
    [incident] = _incidents(harness)
    assert (incident.status, incident.resolution_note, incident.resolved_by) == (
        "resolved",
        "Rolled back the deploy",
        "UIC",
    )
    texts = [m["text"] for m in harness.fake.messages("CSUPPORT")]
    assert (
        ":white_check_mark: <@UIC> resolved *incident #1* after 40m.\n"
        "Resolution: Rolled back the deploy\n"
        "Final count: 0 customer reports from 0 distinct customers."
    ) in texts

    harness.command("resolve again", channel="CSUPPORT")
    assert "already resolved" in harness.last_reply()

    harness.command("reopen", channel="CSUPPORT")
    [incident] = _incidents(harness)
    assert incident.status == "open"
    assert incident.resolved_at is None
    assert "reopened *incident #1*" in harness.fake.messages("CSUPPORT")[-1]["text"]


def test_declare_and_channel_created_racing_make_one_incident(harness: Harness) -> None:
    harness.fake.add_channel("CRACE", "inc-sev1-race")
    event = {
        "type": "channel_created",
        "channel": {"id": "CRACE", "name": "inc-sev1-race", "creator": "UIC"},
    }
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(harness.slack.event, event, event_id=f"Ev{i}") for i in range(3)]
        futures += [
            pool.submit(
                harness.slack.command,
                "declare sev1 Race",
                channel="CRACE",
                channel_name="inc-sev1-race",
            )
            for _ in range(3)
        ]
        assert all(f.result().status == 200 for f in futures)
    harness.executor.wait_idle()
    assert len(_incidents(harness)) == 1


def test_posting_into_a_channel_the_bot_is_not_in_joins_it_first(harness: Harness) -> None:
    harness.fake.add_channel("CPRIV", "escalations", members=["UAGENT"])
    harness.command("declare sev3 Something", channel="CPRIV")
    methods = [
        c.method for c in harness.fake.calls if c.method.startswith(("conversations.", "chat."))
    ]
    assert "conversations.join" in methods
    assert harness.fake.messages("CPRIV")


def test_titles_read_as_typed_even_with_slack_markup(harness: Harness) -> None:
    harness.command(
        "declare sev2 EU checkout &amp; <https://status.acme.io|status page> "
        "for <@U42|dana> &lt;urgent&gt;",
        channel="CSUPPORT",
    )
    [incident] = _incidents(harness)
    assert incident.title == "EU checkout & status page for @dana <urgent>"
    message = harness.fake.messages("CSUPPORT")[-1]["text"]
    assert "EU checkout &amp; status page for @dana &lt;urgent&gt;" in message
