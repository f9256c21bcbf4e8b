"""An incident becoming major gets a Customer Liaison: the flow without HTTP.

Accept / Hand off buttons, the hand-off modal and redelivered events stay end to end in
tests/handlers/test_liaison_*.py.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.ids import LiaisonIds
from bot.models import LiaisonAssignment
from bot.services import incidents
from tests.bot.conftest import Flow

POOL = {"UANA": ("Ana Liaison", "Europe/Berlin"), "UDAN": ("Dan Liaison", "America/Los_Angeles")}


def _liaison_flow(flow_factory: Callable[..., Flow], **overrides: object) -> Flow:
    flow = flow_factory(
        liaison_usergroup="SPOOL",
        liaison_escalation="UESC",
        cadence_assessment_due="1d",
        cadence_update_intervals="sev1=1d,sev2=1d,sev3=1d,sev4=1d",
        **overrides,
    )
    for user_id, (name, tz) in POOL.items():
        flow.slack.add_user(user_id, name, tz=tz)
    flow.slack.add_user("UESC", "Esme Escalation")
    flow.slack.add_usergroup("SPOOL", list(POOL))
    return flow


def _assignments(flow: Flow) -> list[tuple[str, str, str | None]]:
    with flow.session() as session:
        rows = session.scalars(select(LiaisonAssignment).order_by(LiaisonAssignment.id))
        return [(a.user_id, a.status, a.announcement_ts) for a in rows]


def test_an_incident_becoming_major_gets_a_liaison_invited_and_announced(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory)
    incident = flow.open_incident("CINC1", "inc-sev3-checkout")
    flow.dispatch()
    assert _assignments(flow) == []  # sev3 is not major

    incidents.change_severity(flow.rt, incident_id=incident.id, severity="sev1", actor="UIC")
    flow.dispatch()

    [(liaison, status, announced_ts)] = _assignments(flow)
    assert (liaison, status) == ("UANA", "pending")  # Dan is asleep in Los Angeles
    assert [c.args["user_ids"] for c in flow.slack.calls_to("invite")] == [["UANA"]]
    assert flow.slack.members("CINC1") == ["UANA"]
    assert flow.slack.topic("CINC1") == "Customer Liaison: Ana Liaison"
    [announcement] = [m for m in flow.slack.channel_messages("CINC1") if "Liaison" in m.text]
    assert "<@UANA> is the *Customer Liaison* for *incident #1*" in announcement.text
    assert announced_ts == announcement.ts
    actions = [
        element["action_id"]
        for block in announcement.blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert actions == [LiaisonIds.accept, LiaisonIds.hand_off]
    [checklist] = flow.slack.dms("UANA")
    assert "*Customer Liaison* for *incident #1*" in checklist.text


def test_a_liaison_who_left_the_workspace_is_replaced_by_the_next_member(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, liaison_working_hours="00:00-23:59")
    flow.slack.fail("invite", "user_disabled")
    flow.open_incident("CINC1", "inc-sev1-checkout")
    flow.dispatch()
    statuses = [(user, status) for user, status, _ in _assignments(flow)]
    assert statuses == [("UANA", "unreachable"), ("UDAN", "pending")]
    assert flow.slack.members("CINC1") == ["UDAN"]
    assert len(flow.slack.dms("UDAN")) == 1
    assert flow.slack.dms("UANA") == []


def test_an_archived_channel_is_reported_to_the_escalation_contact(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory)
    flow.open_incident("CINC1", "inc-sev1-checkout")
    flow.slack.add_channel("CINC1", "inc-sev1-checkout", archived=True)
    flow.dispatch()
    assert flow.slack.calls_to("invite") == []
    [escalation] = flow.slack.dms("UESC")
    assert "is_archived" in escalation.text
    assert len(flow.slack.dms("UANA")) == 1  # the liaison still gets their checklist
