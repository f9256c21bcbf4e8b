"""Attaching customer reports from Slack, end to end over signed HTTP against the fake Slack."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from bot.ids import ReportIds
from bot.models import Reminder, Report
from bot.services.accounts import import_accounts_csv
from bot.services.report_confirmation import CONFIRM_KIND
from tests.harness import Harness

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ACCOUNTS = """\
account_id,name,tier,region,vip
ACME-1,Acme Corp,enterprise,eu-west,yes
ACME-2,Acme Labs,standard,us-east,no
GLOBEX-7,Globex,premium,eu-central,no
"""
MINIMAL = {
    ReportIds.account_block: ("account:ACME-1", "Acme Corp"),
    ReportIds.summary_block: "Card payments fail at checkout.",
}


def _start(harness: Harness) -> None:
    import_accounts_csv(harness.rt.sessions, ACCOUNTS, now=harness.clock.now())
    harness.channel_created("CINC1", "inc-sev2-checkout-eu")


def _open_modal(harness: Harness, *, channel: str = "CINC1", user: str = "UAGENT") -> dict:
    name = harness.fake.channels[channel].name
    harness.command("report", channel=channel, channel_name=name, user=user)
    return _last_view(harness)


def _last_view(harness: Harness) -> dict[str, Any]:
    view = harness.fake.calls_to("views.open")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def _block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def _reports(harness: Harness) -> list[Report]:
    with harness.session() as session:
        return list(session.scalars(select(Report).order_by(Report.id)))


def _reminders(harness: Harness) -> list[Reminder]:
    with harness.session() as session:
        return list(session.scalars(select(Reminder).where(Reminder.kind == CONFIRM_KIND)))


def _dms(harness: Harness, user: str = "UAGENT") -> list[str]:
    return [m["text"] for m in harness.fake.messages(user)]


def test_report_opens_the_modal_with_the_channels_incident_preselected(harness: Harness) -> None:
    _start(harness)
    harness.clock.advance(timedelta(minutes=1))
    harness.command("declare sev3 Login slow", channel="CSUPPORT")
    view = _open_modal(harness)
    [opened] = harness.fake.calls_to("views.open")
    assert opened.params["trigger_id"].startswith("trigger.")
    assert view["callback_id"] == "report.submit"
    incident = _block(view, ReportIds.incident_block)["element"]
    assert incident["initial_option"]["value"] == "1"
    assert [o["value"] for o in incident["options"]] == ["2", "1"]
    assert json.loads(view["private_metadata"]) == {"origin_channel_id": "CINC1"}

    view = _open_modal(harness, channel="CGENERAL")
    assert "initial_option" not in _block(view, ReportIds.incident_block)["element"]


def test_report_without_open_incidents_explains_how_to_declare_one(harness: Harness) -> None:
    harness.command("report", channel="CSUPPORT")
    assert harness.fake.calls_to("views.open") == []
    reply = harness.last_reply()
    assert "no open incident" in reply
    assert "/liaison declare sev2 &lt;title&gt;" in reply


@SQLITE_ONLY
def test_report_text_prefills_the_summary(harness: Harness) -> None:
    _start(harness)
    harness.command("report Globex cannot log in", channel="CINC1")
    summary = _block(_last_view(harness), ReportIds.summary_block)["element"]
    assert summary["initial_value"] == "Globex cannot log in"


def test_help_lists_report(harness: Harness) -> None:
    assert "`/liaison report [summary]`" in harness.command("help").body


def test_the_account_search_offers_directory_matches_and_the_typed_name(
    harness: Harness,
) -> None:
    _start(harness)
    view = _open_modal(harness)
    result = harness.block_suggestion(
        view, block_id=ReportIds.account_block, action_id=ReportIds.account_input, value="acme"
    )
    options = [(o["text"]["text"], o["value"]) for o in result.json()["options"]]
    assert options == [
        ("Acme Corp · enterprise · eu-west · VIP", "account:ACME-1"),
        ("Acme Labs · standard · us-east", "account:ACME-2"),
        ("Use “acme” (not in the directory)", "name:acme"),
    ]


def test_a_valid_report_is_stored_owned_by_the_agent_and_confirmed_by_dm(
    harness: Harness,
) -> None:
    _start(harness)
    view = _open_modal(harness)
    first_contact = harness.clock.now() - timedelta(minutes=20)
    result = harness.view_submission(
        view,
        {
            ReportIds.account_block: ("account:ACME-1", "Acme Corp"),
            ReportIds.ticket_block: "https://acme.zendesk.com/agent/tickets/48213",
            ReportIds.first_contact_block: int(first_contact.timestamp()),
            ReportIds.region_block: "us-east",  # the directory says eu-west, and wins
            ReportIds.platform_block: "ios",
            ReportIds.version_block: "4.12.1",
            ReportIds.features_block: ["checkout", "payments"],
            ReportIds.contact_block: "chat",
            ReportIds.summary_block: "Card payments fail at checkout.",
            ReportIds.sentiment_block: "frustrated",
        },
    )
    assert (result.status, result.body) == (200, "")
    [report] = _reports(harness)
    assert (report.incident_id, report.owner_user_id, report.reported_by) == (1, "UAGENT", "UAGENT")
    assert (report.account_id, report.customer_name, report.region, report.tier, report.vip) == (
        "ACME-1",
        "Acme Corp",
        "eu-west",
        "enterprise",
        True,
    )
    assert report.ticket_url == "https://acme.zendesk.com/agent/tickets/48213"
    assert (report.platform, report.contact_channel, report.sentiment) == (
        "ios",
        "chat",
        "frustrated",
    )
    assert sorted(f.feature for f in _features(harness, report.id)) == ["checkout", "payments"]
    assert report.first_contact_at == first_contact.replace(microsecond=0)
    [dm] = _dms(harness)
    assert "Report attached to *incident #1* — Checkout eu (*sev2*)" in dm
    assert "*Customer:* Acme Corp (VIP)" in dm
    assert "Incident channel: <#CINC1> · 1 report from 1 customer so far." in dm
    assert "had already reported" not in dm
    [reminder] = _reminders(harness)
    assert (reminder.status, reminder.report_id, reminder.target) == ("sent", report.id, "UAGENT")


def _features(harness: Harness, report_id: int) -> list[Any]:
    from bot.models import ReportFeature

    with harness.session() as session:
        return list(
            session.scalars(select(ReportFeature).where(ReportFeature.report_id == report_id))
        )


def test_an_unknown_customer_can_be_named_by_typing(harness: Harness) -> None:
    _start(harness)
    harness.view_submission(
        _open_modal(harness),
        {
            ReportIds.account_block: ("name:Bluth Company", "Bluth Company"),
            ReportIds.region_block: "eu-west",
            ReportIds.tier_block: "standard",
            ReportIds.summary_block: "Apple Pay spins forever.",
        },
    )
    [report] = _reports(harness)
    assert (report.account_id, report.customer_name, report.region, report.tier) == (
        None,
        "Bluth Company",
        "eu-west",
        "standard",
    )
    assert "Bluth Company (not in the accounts directory)" in _dms(harness)[0]


def test_invalid_fields_are_reported_inline_and_nothing_is_stored(harness: Harness) -> None:
    _start(harness)
    view = _open_modal(harness, channel="CGENERAL")
    result = harness.view_submission(
        view,
        {
            ReportIds.account_block: ("account:ACME-1", "Acme Corp"),
            ReportIds.ticket_block: "https://not a url",
            ReportIds.summary_block: "   ",
        },
    )
    body = result.json()
    assert body["response_action"] == "errors"
    assert body["errors"] == {
        ReportIds.incident_block: "Choose the incident this report belongs to.",
        ReportIds.ticket_block: "That ticket link is not a valid http(s) URL.",
        ReportIds.summary_block: "Describe what the customer reported.",
    }
    assert _reports(harness) == []
    assert _reminders(harness) == []
    assert harness.fake.messages("UAGENT") == []


@SQLITE_ONLY
def test_a_summary_over_3000_characters_is_refused_inline(harness: Harness) -> None:
    _start(harness)
    answers = {**MINIMAL, ReportIds.summary_block: "x" * 3001}
    body = harness.view_submission(_open_modal(harness), answers).json()
    assert body["errors"] == {
        ReportIds.summary_block: "The summary is 3,001 characters; keep it under 3,000."
    }
    assert _reports(harness) == []


@SQLITE_ONLY
def test_an_unknown_platform_value_is_refused_inline(harness: Harness) -> None:
    _start(harness)
    view = _open_modal(harness)
    platform = _block(view, ReportIds.platform_block)["element"]
    platform["options"].append({"text": {"type": "plain_text", "text": "Fax"}, "value": "fax"})
    body = harness.view_submission(view, {**MINIMAL, ReportIds.platform_block: "fax"}).json()
    assert body["errors"] == {ReportIds.platform_block: "Pick one of the listed values."}
    assert _reports(harness) == []


def test_an_incident_resolved_while_the_modal_was_open_is_refused_inline(
    harness: Harness,
) -> None:
    _start(harness)
    view = _open_modal(harness)
    harness.command("resolve Fixed", channel="CINC1", user="UIC")
    body = harness.view_submission(view, MINIMAL).json()
    assert body["errors"] == {
        ReportIds.incident_block: "Incident #1 was resolved meanwhile; pick an open one."
    }
    assert _reports(harness) == []
    assert _reminders(harness) == []


def test_the_same_customer_twice_is_a_second_ticket_counted_once(harness: Harness) -> None:
    _start(harness)
    harness.view_submission(_open_modal(harness), MINIMAL)
    answers = {**MINIMAL, ReportIds.ticket_block: "ZD-2", ReportIds.summary_block: "Refunds."}
    harness.view_submission(_open_modal(harness, user="UIC"), answers, user="UIC")
    assert [(r.customer_key, r.owner_user_id) for r in _reports(harness)] == [
        ("acme-1", "UAGENT"),
        ("acme-1", "UIC"),
    ]
    [dm] = _dms(harness, "UIC")
    assert "Acme Corp had already reported this incident (1 earlier report)" in dm
    assert "counted once" in dm
    assert "2 reports from 1 customer so far" in dm
    harness.command("status", channel="CINC1")
    assert "2 customer reports from 1 distinct customer" in harness.last_reply()


def test_a_crash_between_storing_and_confirming_loses_neither(harness: Harness) -> None:
    """The confirmation is a reminder committed with the report: if the process dies before
    dispatching it, the next dispatcher run (here, or on another replica) still sends it."""
    _start(harness)
    harness.rt.wake = lambda: None  # the process dies right after the commit
    harness.view_submission(_open_modal(harness), MINIMAL)
    [report] = _reports(harness)
    [reminder] = [r for r in _reminders(harness) if r.kind == "report.confirm"]
    assert (reminder.status, reminder.report_id) == ("pending", report.id)
    assert harness.fake.messages("UAGENT") == []

    harness.waker.dispatch()  # the restarted process's first wake-up
    [dm] = _dms(harness)
    assert "Report attached to *incident #1*" in dm
    assert [r.status for r in _reminders(harness) if r.kind == "report.confirm"] == ["sent"]
    harness.waker.dispatch()
    assert len(_dms(harness)) == 1  # and it is never sent twice


@SQLITE_ONLY
def test_a_confirmation_slack_refuses_for_now_is_retried(harness: Harness) -> None:
    _start(harness)
    harness.fake.fail("chat.postMessage", "internal_error")
    harness.view_submission(_open_modal(harness), MINIMAL)
    assert len(_reports(harness)) == 1
    assert harness.fake.messages("UAGENT") == []
    harness.advance(timedelta(seconds=31))
    assert len(_dms(harness)) == 1
    assert [r.status for r in _reminders(harness)] == ["sent"]


def test_a_database_failure_is_told_inline_as_such(harness: Harness) -> None:
    _start(harness)
    view = _open_modal(harness)
    broken = create_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    harness.rt.sessions.configure(bind=broken)
    body = harness.view_submission(view, MINIMAL).json()
    message = body["errors"][ReportIds.summary_block]
    assert "could not reach its database, so nothing was saved" in message
    assert "error id" in message
    with harness.liaison.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Report)) == 0


@SQLITE_ONLY
def test_a_modal_slack_would_not_open_is_explained(harness: Harness) -> None:
    _start(harness)
    harness.fake.fail("views.open", "expired_trigger_id")
    harness.command("report", channel="CINC1")
    assert "Slack did not open the report form (expired_trigger_id)" in harness.last_reply()


def test_the_message_shortcut_opens_the_modal_with_the_message_and_its_link(
    harness: Harness,
) -> None:
    _start(harness)
    text = "Our shoppers can&apos;t pay &amp; orders are stuck"
    ts = harness.fake.add_message("CSUPPORT", text, user="UIC")
    harness.message_shortcut(
        ReportIds.shortcut,
        message={"type": "message", "ts": ts, "text": text, "user": "UIC"},
        channel="CSUPPORT",
    )
    view = _last_view(harness)
    summary = _block(view, ReportIds.summary_block)["element"]
    assert summary["initial_value"] == "Our shoppers can't pay & orders are stuck"
    [permalink_call] = harness.fake.calls_to("chat.getPermalink")
    assert permalink_call.params["message_ts"] == ts
    metadata = json.loads(view["private_metadata"])
    assert metadata["origin_channel_id"] == "CSUPPORT"
    permalink = metadata["source_permalink"]
    assert permalink.endswith(f"/CSUPPORT/p{ts.replace('.', '')}")
    source = _block(view, ReportIds.source_block)["elements"][0]["text"]
    assert permalink in source

    harness.view_submission(
        view, {ReportIds.incident_block: "1", ReportIds.account_block: ("account:ACME-1", "Acme")}
    )
    [report] = _reports(harness)
    assert (report.summary, report.source_permalink) == (
        "Our shoppers can't pay & orders are stuck",
        permalink,
    )
    assert (
        "original message" in harness.fake.messages("UAGENT")[0]["blocks"][1]["elements"][0]["text"]
    )


@SQLITE_ONLY
def test_a_long_message_is_clipped_with_a_note(harness: Harness) -> None:
    _start(harness)
    text = "word " * 899 + "end."  # 4,499 characters
    ts = harness.fake.add_message("CSUPPORT", text, user="UIC")
    harness.message_shortcut(
        ReportIds.shortcut, message={"ts": ts, "text": text, "user": "UIC"}, channel="CSUPPORT"
    )
    view = _last_view(harness)
    summary = _block(view, ReportIds.summary_block)["element"]["initial_value"]
    assert len(summary) == 3000
    note = _block(view, ReportIds.source_block)["elements"][0]["text"]
    assert "The message is 4,499 characters long; the summary keeps the first 3,000." in note
    result = harness.view_submission(
        view, {ReportIds.incident_block: "1", ReportIds.account_block: "name:Initech"}
    )
    assert (result.status, result.body) == (200, "")
    assert len(_reports(harness)[0].summary) == 3000


@SQLITE_ONLY
def test_the_shortcut_without_open_incidents_answers_privately(harness: Harness) -> None:
    ts = harness.fake.add_message("CSUPPORT", "help", user="UIC")
    harness.message_shortcut(
        ReportIds.shortcut, message={"ts": ts, "text": "help", "user": "UIC"}, channel="CSUPPORT"
    )
    assert harness.fake.calls_to("views.open") == []
    [reply] = harness.fake.calls_to("response_url")
    assert reply.params["response_type"] == "ephemeral"
    assert "no open incident" in reply.params["text"]


def test_first_contact_in_the_future_is_refused(harness: Harness) -> None:
    _start(harness)
    later = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    answers = {**MINIMAL, ReportIds.first_contact_block: int(later.timestamp())}
    body = harness.view_submission(_open_modal(harness), answers).json()
    assert body["errors"] == {
        ReportIds.first_contact_block: "That is in the future; when did they write?"
    }


def test_the_same_modal_submitted_twice_stores_one_report(harness: Harness) -> None:
    """Slack gave up waiting for the first answer (or retried): the agent submits again."""
    _start(harness)
    view = {**_open_modal(harness), "id": "V0001"}
    first = harness.view_submission(view, MINIMAL)
    again = harness.view_submission(view, MINIMAL)
    assert (first.status, first.body, again.status, again.body) == (200, "", 200, "")
    assert len(_reports(harness)) == 1
    assert len(_dms(harness)) == 1


@SQLITE_ONLY
def test_a_modal_refused_inline_can_then_be_submitted(harness: Harness) -> None:
    _start(harness)
    view = {**_open_modal(harness), "id": "V0002"}
    body = harness.view_submission(view, {**MINIMAL, ReportIds.summary_block: ""}).json()
    assert set(body["errors"]) == {ReportIds.summary_block}
    assert harness.view_submission(view, MINIMAL).body == ""
    assert len(_reports(harness)) == 1
