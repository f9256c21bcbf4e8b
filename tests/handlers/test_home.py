"""The App Home: published on opening and, once opened, on changes to the person's tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.ids import HomeIds, SlaActions, SlaIds
from bot.models import LiaisonAssignment, Report
from bot.services.sla.schedule import refresh_home
from tests.handlers.sla_support import (
    attach,
    declare,
    dms,
    press,
    report,
    sqlite_only,
)
from tests.harness import Harness


def _open_home(harness: Harness, user: str) -> dict[str, Any]:
    harness.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    return harness.fake.homes[user]


def _ticket_sections(home: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in home["blocks"] if b["type"] == "section" and "accessory" in b]


def _customers(home: dict[str, Any]) -> list[str]:
    return [b["text"]["text"].split(" · ")[1] for b in _ticket_sections(home)]


def _publishes(harness: Harness, user: str) -> int:
    return len([c for c in harness.fake.calls_to("views.publish") if c.params["user_id"] == user])


def test_home_lists_my_tickets_breached_first_my_liaison_roles_and_open_incidents(
    sla: Harness,
) -> None:
    incident = declare(sla)
    attach(sla, incident, customer="Standard Co", tier="standard")  # business hours: Tue 10:00
    attach(sla, incident, customer="Later Inc", tier="enterprise")  # 12:00
    attach(sla, incident, customer="Soon Ltd", tier="premium")  # 11:00
    attach(
        sla,
        incident,
        customer="Overdue plc",
        first_contact_at=datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
    )  # 09:30, breached on arrival
    attach(sla, incident, customer="Not mine", owner="UCOL")
    quiet = declare(sla, channel="CGENERAL")
    with sla.session() as session, session.begin():
        session.add(
            LiaisonAssignment(
                incident_id=incident,
                user_id="UAGENT",
                status="accepted",
                assigned_by="auto",
                assigned_at=sla.clock.now(),
            )
        )

    home = _open_home(sla, "UAGENT")

    assert _customers(home) == ["*Overdue plc*", "*Soon Ltd*", "*Later Inc*", "*Standard Co*"]
    texts = [b.get("text", {}).get("text", "") for b in home["blocks"]]
    assert "4 tickets waiting for your first response, *1 breached*" in "\n".join(texts)
    assert "You are the Customer Liaison of 1 open incident." in texts
    liaison_list = texts[texts.index("You are the Customer Liaison of 1 open incident.") + 1]
    assert "*#1 Checkout failing*" in liaison_list
    assert "#2" not in liaison_list
    incidents = texts[texts.index("2 incidents open, newest first.") + 1]
    assert incidents.index(f"*#{quiet} Checkout failing*") < incidents.index("*#1 Checkout")
    assert "5 reports from 5 customers" in incidents
    assert "0 reports from 0 customers" in incidents
    menu = _ticket_sections(home)[1]["accessory"]
    assert menu["action_id"] == HomeIds.ticket_menu
    assert [o["text"]["text"] for o in menu["options"]] == [
        "Mark responded",
        "Hand over…",
        "Open ticket",
    ]


def test_home_is_refreshed_when_tickets_are_attached_answered_handed_over_or_breached(
    sla: Harness,
) -> None:
    settle = timedelta(seconds=5)  # SLA_HOME_REFRESH_DELAY
    incident = declare(sla)
    assert _customers(_open_home(sla, "UAGENT")) == []
    _open_home(sla, "UCOL")
    report_id = attach(sla, incident, customer="Acme Corp")
    assert _customers(sla.fake.homes["UAGENT"]) == []  # not before the refresh delay
    sla.advance(settle)
    assert _customers(sla.fake.homes["UAGENT"]) == ["*Acme Corp*"]

    second = attach(sla, incident, customer="Globex")  # a burst of two: one publish
    attach(sla, incident, customer="Initech")
    sla.advance(settle)
    assert _customers(sla.fake.homes["UAGENT"]) == ["*Acme Corp*", "*Globex*", "*Initech*"]
    assert _publishes(sla, "UAGENT") == 3  # opened, then two refreshes

    sla.advance(timedelta(minutes=30))  # 10:30:10: the first warnings
    warning = next(m for m in dms(sla, "UAGENT") if "*Acme Corp*" in m["text"])
    press(sla, SlaActions.hand_over, warning, dm_of="UAGENT")
    modal = sla.fake.calls_to("views.open")[-1].params["view"]
    sla.view_submission(modal, {SlaIds.handover_user_block: "UCOL"}, user="UAGENT")
    sla.advance(settle)
    assert _customers(sla.fake.homes["UAGENT"]) == ["*Globex*", "*Initech*"]
    assert _customers(sla.fake.homes["UCOL"]) == ["*Acme Corp*"]

    before = _publishes(sla, "UAGENT")
    sla.advance(timedelta(minutes=30))  # 11:00:15: all three breach
    sla.advance(settle)
    assert _publishes(sla, "UAGENT") == before + 1
    rows = _ticket_sections(sla.fake.homes["UAGENT"])
    assert all(":red_circle: *Breached*" in row["text"]["text"] for row in rows)
    assert report(sla, report_id).breached_at is not None

    notice = dms(sla, "UCOL")[0]
    press(sla, SlaActions.mark_responded, notice, dm_of="UCOL")
    sla.advance(settle)
    assert _customers(sla.fake.homes["UCOL"]) == []
    assert report(sla, second).responded_at is None


def test_home_menu_marks_responded_and_says_so_at_the_top(sla: Harness) -> None:
    incident = declare(sla)
    report_id = attach(sla, incident, customer="Acme Corp")
    home = _open_home(sla, "UAGENT")
    [row] = _ticket_sections(home)
    menu = row["accessory"]
    respond = next(o for o in menu["options"] if o["text"]["text"] == "Mark responded")

    def choose(user: str) -> None:
        sla.block_action(
            HomeIds.ticket_menu,
            user=user,
            view=home,
            extra={"type": "overflow", "selected_option": respond},
        )

    choose("UOTHER")
    assert report(sla, report_id).responded_at is None
    assert "owned by <@UAGENT>" in sla.fake.homes["UOTHER"]["blocks"][1]["text"]["text"]

    choose("UAGENT")
    assert report(sla, report_id).responded_at is not None
    refreshed = sla.fake.homes["UAGENT"]
    assert "marked this ticket responded" in refreshed["blocks"][1]["text"]["text"]
    assert _ticket_sections(refreshed) == []

    choose("UAGENT")
    assert "already marked responded" in sla.fake.homes["UAGENT"]["blocks"][1]["text"]["text"]


@sqlite_only
def test_home_menu_hand_over_opens_the_modal(sla: Harness) -> None:
    incident = declare(sla)
    report_id = attach(sla, incident, customer="Acme Corp")
    home = _open_home(sla, "UAGENT")
    menu = _ticket_sections(home)[0]["accessory"]
    hand = next(o for o in menu["options"] if o["text"]["text"] == "Hand over…")
    sla.block_action(HomeIds.ticket_menu, user="UAGENT", view=home, extra={"selected_option": hand})
    modal = sla.fake.calls_to("views.open")[-1].params["view"]
    sla.view_submission(modal, {SlaIds.handover_user_block: "UCOL"}, user="UAGENT")
    assert report(sla, report_id).owner_user_id == "UCOL"
    top = sla.fake.homes["UAGENT"]["blocks"][1]["text"]["text"]
    assert "handed the ticket of *Acme Corp*" in top


@sqlite_only
def test_a_long_queue_fits_the_home_with_and_n_more(sla: Harness) -> None:
    incident = declare(sla)
    now = sla.clock.now()
    with sla.session() as session, session.begin():  # stored at once: one publish to check
        for number in range(65):
            session.add(
                Report(
                    incident_id=incident, customer_name=f"Customer {number:02d}",
                    customer_key=f"c{number}", summary="Checkout fails", tier="enterprise",
                    sla_policy="enterprise", owner_user_id="UAGENT", reported_by="UAGENT",
                    created_at=now, first_response_due_at=now + timedelta(minutes=number),
                )
            )  # fmt: skip
    home = _open_home(sla, "UAGENT")
    assert len(home["blocks"]) <= 100
    assert len(_ticket_sections(home)) == 60
    assert "… and 5 more tickets not shown here." in str(home["blocks"])
    assert sla.fake.violations == []


@sqlite_only
def test_a_home_never_opened_is_not_published_in_the_background(sla: Harness) -> None:
    incident = declare(sla)
    attach(sla, incident, customer="Acme Corp")
    sla.advance(timedelta(seconds=5))
    assert _publishes(sla, "UAGENT") == 0
    assert _customers(_open_home(sla, "UAGENT")) == ["*Acme Corp*"]  # fresh on opening


@sqlite_only
def test_a_refresh_that_would_show_nothing_new_is_not_published(sla: Harness) -> None:
    incident = declare(sla)
    attach(sla, incident, customer="Acme Corp")
    sla.advance(timedelta(seconds=5))  # its refresh: not published, never opened
    _open_home(sla, "UAGENT")
    with sla.session() as session, session.begin():
        refresh_home(session, ["UAGENT"], now=sla.clock.now(), delay=timedelta(seconds=5))
    sla.advance(timedelta(seconds=5))
    assert _publishes(sla, "UAGENT") == 1
    attach(sla, incident, customer="Globex")
    sla.advance(timedelta(seconds=5))
    assert _publishes(sla, "UAGENT") == 2
    assert _customers(sla.fake.homes["UAGENT"]) == ["*Acme Corp*", "*Globex*"]


@sqlite_only
def test_the_messages_tab_does_not_publish(sla: Harness) -> None:
    sla.event({"type": "app_home_opened", "user": "UAGENT", "channel": "D1", "tab": "messages"})
    assert sla.fake.calls_to("views.publish") == []
