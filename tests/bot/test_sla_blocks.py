"""Pure Block Kit builders for SLA DMs and the App Home, and the ticket states they show."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.ids import HomeIds, SlaActions
from bot.services.sla.tickets import SlaState, Ticket
from bot.slack.home_blocks import HomeSections, TicketMenu, home_view, parse_menu_value
from bot.slack.sla_blocks import HandoverMetadata, handover_modal, ticket_message_blocks

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TICKET = Ticket(
    id=7, incident_id=1, incident_title="Checkout", incident_channel_id="C1",
    incident_open=True, customer_name="Acme", ticket_ref="SF-1", ticket_url=None,
    tier="premium", policy="premium", vip=False, owner="U1",
    due=NOW + timedelta(minutes=45), responded_at=None, breached_at=None,
    customer_notified_at=None,
)  # fmt: skip
RISK = timedelta(minutes=30)


def test_states_from_the_deadline() -> None:
    assert TICKET.state(NOW, RISK) is SlaState.on_track
    assert TICKET.state(NOW + timedelta(minutes=20), RISK) is SlaState.at_risk
    assert TICKET.state(NOW + timedelta(minutes=45), RISK) is SlaState.breached
    assert replace(TICKET, breached_at=NOW).state(NOW, RISK) is SlaState.breached
    assert replace(TICKET, responded_at=NOW).state(NOW, RISK) is SlaState.responded
    assert replace(TICKET, due=None).state(NOW, RISK) is SlaState.no_sla
    assert replace(TICKET, ticket_ref=None).label == "report #7"


def test_the_open_ticket_button_needs_a_url() -> None:
    actions = ticket_message_blocks("text", TICKET)[1]["elements"]
    assert [a["action_id"] for a in actions] == [SlaActions.mark_responded, SlaActions.hand_over]
    linked = replace(TICKET, ticket_url="https://t.example.com/1")
    actions = ticket_message_blocks("text", linked, respond=False)[1]["elements"]
    assert [a["action_id"] for a in actions] == [SlaActions.open_ticket, SlaActions.hand_over]
    assert actions[0]["url"] == "https://t.example.com/1"
    assert {a["value"] for a in actions} == {"7"}


def test_handover_modal_carries_the_ticket_in_its_metadata() -> None:
    view = handover_modal("line", HandoverMetadata(report_id=7, channel="D1", message_ts="1.2"))
    assert HandoverMetadata.model_validate_json(view["private_metadata"]).report_id == 7
    assert len(view["title"]["text"]) <= 24


def _sections(tickets: int) -> HomeSections:
    return HomeSections(
        updated="now", notice="done", tickets_intro="intro",
        tickets=[(f"ticket {n}", replace(TICKET, id=n)) for n in range(tickets)],
        tickets_more="… and more", liaison_intro="none", liaison_lines=["a"] * 500,
        incidents_intro="some", incident_lines=[f"incident {n}" for n in range(500)],
    )  # fmt: skip


def test_home_stays_within_slack_s_limits_however_long_the_lists() -> None:
    view = home_view(_sections(500))
    assert view["type"] == "home"
    assert len(view["blocks"]) <= 100
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])
    menus = [b["accessory"] for b in view["blocks"] if "accessory" in b]
    assert len(menus) == 60
    assert menus[0]["action_id"] == HomeIds.ticket_menu
    assert "… and" in view["blocks"][-1]["text"]["text"]  # incidents list cut with a count


def test_menu_values_round_trip_and_garbage_is_ignored() -> None:
    assert parse_menu_value("respond:12") == (TicketMenu.respond, 12)
    assert parse_menu_value("handover:3") == (TicketMenu.hand_over, 3)
    assert parse_menu_value("explode:3") is None
    assert parse_menu_value("respond:abc") is None
