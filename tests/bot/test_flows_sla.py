"""Ticket SLA reminders that cannot reach their owner, tiers and user groups, without HTTP.

The warning and breach DMs with their buttons stay end to end in tests/handlers/test_sla.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.devtools.memory_notifier import Message
from bot.ids import SlaActions, SlaIds
from bot.models import Report
from bot.services import incidents, reports
from bot.services.reports import ReportSubmission
from tests.bot.flows import BOTH_DATABASES, Flow


def _sla_flow(flow_factory: Callable[..., Flow], **overrides: Any) -> Flow:
    """SLA escalation to the support manager (unless overridden), and its people in Slack."""
    flow = flow_factory(**{"sla_escalation": "UMGR", **overrides})
    flow.slack.add_user("UCOL", "Casey Colleague", tz="Europe/London")
    flow.slack.add_user("UMGR", "Morgan Manager", tz="Europe/Berlin")
    flow.slack.add_user("UOTHER", "Olive Other")
    flow.dispatch_on_wake()
    return flow


def _declare(flow: Flow) -> int:
    declared = incidents.declare(
        flow.rt,
        channel_id="CSUPPORT",
        channel_name="support",
        user_id="UIC",
        severity="sev2",
        title="Checkout failing",
    )
    return declared.incident.id


def _attach(
    flow: Flow,
    incident_id: int,
    *,
    customer: str = "Acme Corp",
    tier: str | None = "premium",
    first_contact_at: datetime | None = None,
) -> int:
    submission = ReportSubmission(
        incident_id=incident_id,
        customer_name=customer,
        tier=tier,
        ticket_ref="https://support.example.com/tickets/4711",
        summary=f"{customer} cannot check out",
        first_contact_at=first_contact_at,
    )
    return reports.attach(flow.rt, submission, agent_id="UAGENT").id


def _sla_dms(flow: Flow, user: str) -> list[Message]:
    """The SLA's DMs to ``user`` (other capabilities DM people too), oldest first."""
    return [
        m
        for m in flow.slack.dms(user)
        if (m.blocks or [{}])[0].get("block_id") == SlaIds.message_block
    ]


def _buttons(message: Message) -> list[str]:
    return [
        element["action_id"]
        for block in message.blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def _report(flow: Flow, report_id: int) -> Report:
    with flow.session() as session:
        found = session.get(Report, report_id)
        assert found is not None
        return found


@BOTH_DATABASES
def test_a_deactivated_owner_s_reminder_goes_to_the_escalation_contact(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _sla_flow(flow_factory)
    report_id = _attach(flow, _declare(flow), customer="Initech")
    flow.slack.add_user("UAGENT", "Alex Agent", deleted=True)

    flow.advance(timedelta(minutes=30))

    assert _sla_dms(flow, "UAGENT") == []
    [forwarded] = _sla_dms(flow, "UMGR")
    assert "could not deliver this message to <@UAGENT>" in forwarded.text
    assert "their Slack account is deactivated" in forwarded.text
    assert "> :alarm_clock: *30m left* to answer *Initech*" in forwarded.text
    assert _buttons(forwarded) == [SlaActions.open_ticket, SlaActions.hand_over]
    [undeliverable] = flow.reminders("sla.undeliverable")
    assert (undeliverable.report_id, undeliverable.target, undeliverable.status) == (
        report_id,
        "UMGR",
        "sent",
    )


def _just_before_the_first_warning(flow: Flow) -> None:
    """Attach a ticket and stop 1 s before its first warning, so that a failure planned
    for the next DM hits that warning."""
    incident = _declare(flow)
    contacted = flow.clock.now() - timedelta(minutes=7, seconds=29)  # due 10:52:31
    _attach(flow, incident, customer="Umbrella", first_contact_at=contacted)
    flow.advance(timedelta(minutes=22, seconds=30))  # 10:22:30


def test_dms_refused_by_slack_are_forwarded_with_the_reason(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _sla_flow(flow_factory)
    _just_before_the_first_warning(flow)
    assert _sla_dms(flow, "UAGENT") == []
    flow.slack.fail("dm", "messages_tab_disabled")

    flow.advance(timedelta(seconds=1))

    [forwarded] = _sla_dms(flow, "UMGR")
    assert "Slack refused the DM (messages_tab_disabled)" in forwarded.text


def test_transient_slack_failures_are_retried_until_the_dm_arrives(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _sla_flow(flow_factory)
    _just_before_the_first_warning(flow)
    flow.slack.fail("dm", "internal_error")  # transient: worth another try

    stats = flow.advance(timedelta(seconds=1))
    assert stats.retried == 1
    assert _sla_dms(flow, "UAGENT") == []

    flow.advance(timedelta(minutes=1))
    assert len(_sla_dms(flow, "UAGENT")) == 1
    assert _sla_dms(flow, "UMGR") == []


def test_a_user_group_escalation_reaches_every_member(flow_factory: Callable[..., Flow]) -> None:
    flow = _sla_flow(flow_factory, sla_escalation="standard=UMGR,S0LEADS")
    flow.slack.add_usergroup("S0LEADS", ["UCOL", "UOTHER"])
    _attach(flow, _declare(flow), tier="enterprise")  # 2h

    flow.advance(timedelta(hours=2))

    assert "<!subteam^S0LEADS> has been told" in _sla_dms(flow, "UAGENT")[-1].text
    assert len(_sla_dms(flow, "UCOL")) == 1
    assert len(_sla_dms(flow, "UOTHER")) == 1
    assert _sla_dms(flow, "UMGR") == []


def test_first_contact_time_starts_the_clock_and_a_late_ticket_warns_at_once(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _sla_flow(flow_factory)
    incident = _declare(flow)
    contacted = datetime(2026, 11, 23, 9, 40, tzinfo=UTC)  # 20 minutes before attaching
    report_id = _attach(flow, incident, first_contact_at=contacted)

    assert _report(flow, report_id).first_response_due_at == datetime(
        2026, 11, 23, 10, 40, tzinfo=UTC
    )
    # 40 minutes left: the 30-minute warning is still ahead, nothing yet.
    assert _sla_dms(flow, "UAGENT") == []

    late = datetime(2026, 11, 23, 9, 15, tzinfo=UTC)
    late_id = _attach(flow, incident, customer="Late Ltd", first_contact_at=late)
    # Due 10:15: the 30-minute lead time is behind us, so that warning goes out now...
    [warning] = _sla_dms(flow, "UAGENT")
    assert "*15m left* to answer *Late Ltd*" in warning.text
    # ... and the 10-minute one at 10:05, as usual.
    flow.advance(timedelta(minutes=5))
    assert "*10m left* to answer *Late Ltd*" in _sla_dms(flow, "UAGENT")[1].text
    warnings = [r for r in flow.reminders("sla.warning") if r.report_id == late_id]
    assert len(warnings) == 2


def test_tickets_without_a_known_tier_follow_the_default_policy_or_none(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _sla_flow(flow_factory, sla_default_tier="")
    untiered = _attach(flow, _declare(flow), tier=None)
    assert _report(flow, untiered).first_response_due_at is None
    flow.advance(timedelta(days=2))
    assert _sla_dms(flow, "UAGENT") == []


@BOTH_DATABASES
def test_the_live_impact_summary_counts_the_breach(flow_factory: Callable[..., Flow]) -> None:
    flow = _sla_flow(flow_factory)
    _attach(flow, _declare(flow), customer="Acme Corp")
    flow.advance(timedelta(seconds=5))
    [summary] = [m for m in flow.slack.channel_messages("CSUPPORT") if _is_live(m)]
    assert "already breached" not in str(summary.blocks)

    flow.advance(timedelta(hours=1))  # 11:00:05: breached

    [summary] = [m for m in flow.slack.channel_messages("CSUPPORT") if _is_live(m)]
    assert summary.edits >= 1
    assert "1 already breached" in str(summary.blocks)


def _is_live(message: Message) -> bool:
    return (message.blocks or [{}])[0].get("block_id") == "impact.live"
