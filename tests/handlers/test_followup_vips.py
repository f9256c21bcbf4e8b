"""Affected VIPs who never wrote in are on the follow-up board, saying why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.models import Account, Followup
from bot.services import reports
from bot.services.followup import affected
from bot.services.reports import ReportSubmission
from tests.followup_facts import T0
from tests.handlers.sla_support import declare
from tests.harness import Harness


def _directory(harness: Harness, rows: list[dict[str, Any]]) -> None:
    with harness.rt.sessions.begin() as session:
        for row in rows:
            session.add(Account(**{"tier": "premium", "vip": False, "updated_at": T0, **row}))


def _report(harness: Harness, incident: int, account_id: str) -> None:
    submission = ReportSubmission(incident_id=incident, account_id=account_id, summary="down")
    reports.attach(harness.rt, submission, agent_id="UAGENT")


def _board_text(harness: Harness) -> str:
    harness.command("followups", channel="CSUPPORT", user="UIC")
    blocks = harness.fake.calls_to("response_url")[-1].params["blocks"]
    return "\n\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")


def _on_board(harness: Harness, incident: int) -> dict[str, Followup]:
    with harness.session() as session:
        rows = session.scalars(select(Followup).where(Followup.incident_id == incident))
        return {row.customer_name: row for row in rows}


def _regional_directory() -> list[dict[str, Any]]:
    """100 accounts, 10 in eu-south; account numbers spread evenly over both regions."""
    rows = [
        {
            "account_id": f"{i % 9 + 1}{i:04d}",
            "name": f"Account {i}",
            "region": "eu-south" if i < 10 else "us-east",
        }
        for i in range(100)
    ]
    rows[8] |= {"name": "Banca Sud", "vip": True}  # eu-south, does not write in
    rows[9] |= {"name": "Roma Retail", "vip": True}  # eu-south, writes in
    rows[50] |= {"name": "Boston Bank", "vip": True}  # us-east: not affected
    return rows


def test_vips_in_the_segment_the_analysis_called_out_are_on_the_board(sla: Harness) -> None:
    directory = _regional_directory()
    _directory(sla, directory)
    incident = declare(sla)
    for row in [*directory[:8], directory[9], directory[60]]:
        _report(sla, incident, row["account_id"])
    sla.command("resolve Rolled back", channel="CSUPPORT", user="UIC")

    lines = _on_board(sla, incident)
    assert lines["Banca Sud"].reasons == "vip,affected"
    assert lines["Banca Sud"].affected_by == "region:eu-south"
    assert lines["Banca Sud"].state == "to_tell"
    assert lines["Roma Retail"].reasons == "reported,vip"  # wrote in: a reporter's line
    assert "Boston Bank" not in lines
    text = _board_text(sla)
    assert "*Banca Sud* · VIP\nVIP in eu-south, did not write in\nStill to tell." in text
    assert "11 to tell, 0 told" in text


def test_vips_in_a_range_narrowed_to_two_digits_are_on_the_board(sla: Harness) -> None:
    # 400 accounts, ten under each prefix 10… to 49…; the reports crowd into 34…–35….
    directory = [
        {"account_id": f"{p}{i:02d}", "name": f"Account {p}{i:02d}", "region": "us-east"}
        for p in range(10, 50)
        for i in range(10)
    ]
    by_id = {row["account_id"]: row for row in directory}
    by_id["3409"] |= {"name": "Shard Bank", "vip": True}  # in 34…, does not write in
    by_id["3709"] |= {"name": "Elsewhere Ltd", "vip": True}  # in 3… but not 34…–35…
    _directory(sla, directory)
    incident = declare(sla)
    for account_id in [f"{p}{i:02d}" for p in (34, 35) for i in range(7)] + ["1200", "2700"]:
        _report(sla, incident, account_id)
    sla.command("resolve Rolled back", channel="CSUPPORT", user="UIC")

    lines = _on_board(sla, incident)
    assert lines["Shard Bank"].affected_by == "partition:34…–35…"
    assert "Elsewhere Ltd" not in lines


def test_a_major_incident_without_a_finding_puts_every_silent_vip_on_the_board(
    sla: Harness,
) -> None:
    _directory(sla, _regional_directory())
    incident = declare(sla)  # sev2: major
    _report(sla, incident, "10000")  # one report: too few for any finding
    sla.command("resolve Rolled back", channel="CSUPPORT", user="UIC")
    lines = _on_board(sla, incident)
    assert {name for name, line in lines.items() if "affected" in line.reasons} == {
        "Banca Sud",
        "Boston Bank",
        "Roma Retail",
    }
    assert "VIP, did not write in: the major incident was seen by customers" in _board_text(sla)


def test_vips_without_a_ticket_are_on_the_liaisons_app_home(sla: Harness) -> None:
    from tests import followup_facts as facts

    _directory(sla, _regional_directory())
    incident = declare(sla)
    _report(sla, incident, "10000")
    with sla.rt.sessions.begin() as session:
        facts.liaison(session, incident, assigned=sla.clock.now(), accepted=sla.clock.now())
    sla.command("resolve Rolled back", channel="CSUPPORT", user="UIC")
    sla.event({"type": "app_home_opened", "user": "ULIA", "channel": "D1", "tab": "home"})
    home = str(sla.fake.homes["ULIA"]["blocks"])
    assert "Customers to tell" in home
    assert "*Banca Sud*" in home and "*Boston Bank*" in home
    assert "*Account 0*" not in home  # a reporter: their ticket's owner tells them
    sla.event({"type": "app_home_opened", "user": "UAGENT", "channel": "D1", "tab": "home"})
    agent_home = str(sla.fake.homes["UAGENT"]["blocks"])
    assert "*Account 0*" in agent_home and "*Banca Sud*" not in agent_home


def test_a_minor_incident_without_a_finding_adds_no_vip(sla: Harness) -> None:
    _directory(sla, _regional_directory())
    sla.command("declare sev4 Slow avatars", channel="CSUPPORT", user="UIC")
    from bot.services import incidents

    incident = incidents.for_channel(sla.rt, "CSUPPORT").id
    _report(sla, incident, "10000")
    sla.command("resolve Fixed", channel="CSUPPORT", user="UIC")
    assert list(_on_board(sla, incident)) == ["Account 0"]


def test_resolving_again_keeps_vip_lines_and_adds_none_twice(sla: Harness) -> None:
    _directory(sla, _regional_directory())
    incident = declare(sla)
    _report(sla, incident, "10000")
    sla.command("resolve Rolled back", channel="CSUPPORT", user="UIC")
    with sla.rt.sessions.begin() as session:
        from bot.models import Incident

        row = session.get(Incident, incident)
        assert row is not None
        added = affected.add_affected_vips(session, sla.rt.settings, row, now=sla.clock.now())
    assert added == 0
    assert len(_on_board(sla, incident)) == 4


def test_the_stored_segments_read_back_as_pairs() -> None:
    assert affected.parse_affected_by("region:eu-west|version:5.1") == (
        ("region", "eu-west"),
        ("version", "5.1"),
    )
    assert affected.parse_affected_by("major") == (("major", ""),)
    assert affected.parse_affected_by(None) == ()
