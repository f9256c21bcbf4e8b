"""An incident becoming major gets a Customer Liaison: the flow without HTTP.

Accept / Hand off buttons, the hand-off modal and redelivered events stay end to end in
tests/handlers/test_liaison_*.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from bot.ids import LiaisonIds
from bot.models import LiaisonAssignment
from bot.services import incidents
from bot.services.liaison import actions
from tests.bot.flows import BOTH_DATABASES, Flow

# Monday 10:00 UTC: Ana (Berlin 11:00), Ben (London 10:00) and Cam (Madrid 11:00) are
# working; Dan (Los Angeles 02:00) and Emi (Tokyo 19:00) are not.
PEOPLE = {
    "UANA": ("Ana Liaison", "Europe/Berlin"),
    "UBEN": ("Ben Liaison", "Europe/London"),
    "UCAM": ("Cam Liaison", "Europe/Madrid"),
    "UDAN": ("Dan Liaison", "America/Los_Angeles"),
    "UEMI": ("Emi Liaison", "Asia/Tokyo"),
    "UESC": ("Esme Escalation", "Europe/Paris"),
}
ESCALATION = "UESC"


def _liaison_flow(
    flow_factory: Callable[..., Flow],
    *members: str,
    group: bool = True,
    **overrides: object,
) -> Flow:
    """Liaison pool ``members`` (the user group SPOOL, or LIAISON_USERS); the update
    cadence (tested on its own) stays out of the timeline."""
    settings: dict[str, object] = {
        "liaison_escalation": ESCALATION,
        "cadence_assessment_due": "1d",
        "cadence_update_intervals": "sev1=1d,sev2=1d,sev3=1d,sev4=1d",
        **overrides,
    }
    if group:
        settings.setdefault("liaison_usergroup", "SPOOL")
    else:
        settings.setdefault("liaison_users", list(members))
    flow = flow_factory(**settings)
    for user_id, (name, tz) in PEOPLE.items():
        flow.slack.add_user(user_id, name, tz=tz)
    if group:
        flow.slack.add_usergroup("SPOOL", list(members))
    flow.dispatch_on_wake()
    return flow


def _chosen(flow: Flow, incident_id: int | None = None) -> list[str]:
    with flow.session() as session:
        query = select(LiaisonAssignment.user_id).order_by(LiaisonAssignment.id)
        if incident_id is not None:
            query = query.where(LiaisonAssignment.incident_id == incident_id)
        return list(session.scalars(query))


def _announcements(flow: Flow, channel: str) -> list[str]:
    return [m.text for m in flow.slack.channel_messages(channel) if "Customer Liaison" in m.text]


def _assignments(flow: Flow) -> list[tuple[str, str, str | None]]:
    with flow.session() as session:
        rows = session.scalars(select(LiaisonAssignment).order_by(LiaisonAssignment.id))
        return [(a.user_id, a.status, a.announcement_ts) for a in rows]


def test_an_incident_becoming_major_gets_a_liaison_invited_and_announced(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UDAN", "UANA")
    incident = flow.open_incident("CINC1", "inc-sev3-checkout")
    assert _assignments(flow) == []  # sev3 is not major

    incidents.change_severity(flow.rt, incident_id=incident.id, severity="sev1", actor="UIC")

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


@BOTH_DATABASES
def test_fairness_the_member_assigned_least_recently_goes_first(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA", "UBEN", "UCAM")
    for number in range(1, 5):
        incident = flow.open_incident(f"CINC{number}", f"inc-sev1-outage-{number}")
        flow.resolve(incident.id)
        flow.clock.advance(timedelta(minutes=30))
    assert _chosen(flow) == ["UANA", "UBEN", "UCAM", "UANA"]


@BOTH_DATABASES
def test_members_busy_on_another_open_incident_are_skipped_until_nobody_else_is_left(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA", "UBEN")
    flow.open_incident("CINC1", "inc-sev1-one")
    flow.open_incident("CINC2", "inc-sev1-two")
    assert _chosen(flow) == ["UANA", "UBEN"]
    flow.clock.advance(timedelta(minutes=1))
    third = flow.open_incident("CINC3", "inc-sev1-three")
    assert _chosen(flow, third.id) == ["UANA"]  # both busy: the least recently assigned
    note = _announcements(flow, "CINC3")[0]
    assert "Nobody in the liaison pool is free and inside working hours" in note
    assert "they are already liaison on incident #1" in note


def test_working_hours_are_read_in_each_members_own_time_zone(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UDAN", "UEMI", "UANA")
    first = flow.open_incident("CINC1", "inc-sev1-morning")  # 10:00 UTC
    assert _chosen(flow, first.id) == ["UANA"]  # Berlin 11:00
    flow.resolve(first.id)

    flow.clock.advance(timedelta(hours=7, minutes=30))  # 17:30 UTC, Monday
    second = flow.open_incident("CINC2", "inc-sev1-evening")
    assert _chosen(flow, second.id) == ["UDAN"]  # Los Angeles 09:30
    assert "Nobody in the liaison pool" not in _announcements(flow, "CINC2")[0]


def test_when_everyone_is_off_hours_the_best_available_is_taken_and_it_is_said(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UDAN", "UEMI")
    flow.open_incident("CINC1", "inc-sev1-night")
    assert _chosen(flow) == ["UDAN"]  # first in the pool; nobody was ever assigned
    text = _announcements(flow, "CINC1")[0]
    assert "so <@UDAN> was chosen as the best available" in text
    assert "it is Mon 02:00 America/Los_Angeles for them, outside their working hours" in text


def test_weekends_count_as_outside_working_hours(flow_factory: Callable[..., Flow]) -> None:
    flow = _liaison_flow(flow_factory, "UANA", "UBEN")
    flow.clock.advance(timedelta(days=5))  # Saturday 10:00 UTC
    flow.open_incident("CINC1", "inc-sev1-weekend")
    assert "it is Sat 11:00 Europe/Berlin for them" in _announcements(flow, "CINC1")[0]


def test_deactivated_members_are_never_asked(flow_factory: Callable[..., Flow]) -> None:
    flow = _liaison_flow(flow_factory, "UANA", "UBEN", group=False)
    flow.slack.add_user("UANA", "Ana Liaison", tz="Europe/Berlin", deleted=True)
    flow.open_incident("CINC1", "inc-sev1-db")
    assert [(user, status) for user, status, _ in _assignments(flow)] == [("UBEN", "pending")]


def test_an_unreadable_user_group_is_said_and_nothing_crashes(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA")
    flow.slack.fail("usergroup_members", "no_such_subteam")
    flow.open_incident("CINC1", "inc-sev1-db")
    assert _assignments(flow) == []
    [notice] = [
        m.text for m in flow.slack.channel_messages("CINC1") if "no Customer Liaison" in m.text
    ]
    assert "could not be read from Slack (`SPOOL: no_such_subteam`)" in notice
    assert len(flow.slack.dms(ESCALATION)) == 1


@BOTH_DATABASES
def test_a_transient_pool_failure_is_said_once_then_retried(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA")
    flow.slack.fail("usergroup_members", "internal_error")
    flow.open_incident("CINC1", "inc-sev1-db")
    notices = [
        m.text for m in flow.slack.channel_messages("CINC1") if "no Customer Liaison" in m.text
    ]
    assert len(notices) == 1 and "I will keep trying" in notices[0]
    assert _assignments(flow) == []

    flow.advance(timedelta(seconds=30))
    assert [(user, status) for user, status, _ in _assignments(flow)] == [("UANA", "pending")]
    assert len(_announcements(flow, "CINC1")) == 2  # the notice, then the announcement


def test_a_channel_the_app_is_already_in_is_not_joined_again(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA")
    flow.slack.add_channel("CINC1", "inc-sev1-db", member=True)
    incidents.open_from_channel(
        flow.rt, channel_id="CINC1", channel_name="inc-sev1-db", creator="UIC", event_id=None
    )
    assert flow.slack.calls_to("join") == []
    assert [c.args["user_ids"] for c in flow.slack.calls_to("invite")] == [["UANA"]]


def test_the_topic_keeps_what_it_said_and_replaces_the_previous_liaison(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA", "UBEN")
    declared = incidents.declare(
        flow.rt,
        channel_id="CSUPPORT",
        channel_name="support",
        user_id="UIC",
        severity="sev3",
        title="Checkout",
    )
    flow.slack.set_topic("CSUPPORT", "IC: Casey | Bridge: zoom.us/j/1")
    incident_id = declared.incident.id
    incidents.change_severity(flow.rt, incident_id=incident_id, severity="sev1", actor="UIC")
    assert flow.slack.topic("CSUPPORT") == (
        "IC: Casey | Bridge: zoom.us/j/1 | Customer Liaison: Ana Liaison"
    )
    actions.assign_manually(flow.rt, incident_id=incident_id, user_id="UBEN", actor="UIC")
    assert flow.slack.topic("CSUPPORT") == (
        "IC: Casey | Bridge: zoom.us/j/1 | Customer Liaison: Ben Liaison"
    )


def test_an_escalation_user_group_gets_each_member_a_dm(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, liaison_escalation="SESC")
    flow.slack.add_usergroup("SESC", [ESCALATION, "UIC"])
    flow.open_incident("CINC1", "inc-sev1-db")
    [notice] = [m.text for m in flow.slack.channel_messages("CINC1") if "has been told" in m.text]
    assert "<!subteam^SESC> has been told" in notice
    assert len(flow.slack.dms(ESCALATION)) == 1
    assert len(flow.slack.dms("UIC")) == 1


# Web API failures part way through a liaison's setup -------------------------------------


@BOTH_DATABASES
def test_an_invite_refused_because_the_person_left_asks_the_next_member(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA", "UBEN")
    flow.slack.fail("invite", "user_is_inactive")
    flow.open_incident("CINC1", "inc-sev1-payments")

    statuses = [(user, status) for user, status, _ in _assignments(flow)]
    assert statuses == [("UANA", "unreachable"), ("UBEN", "pending")]
    assert flow.slack.dms("UANA") == []  # never told about a role they could not take
    [announcement] = _announcements(flow, "CINC1")
    assert "<@UANA> could not be added to this channel (`user_is_inactive`)" in announcement
    assert "<@UBEN> is the *Customer Liaison*" in announcement
    [escalation] = flow.slack.dms(ESCALATION)
    assert "<@UANA> could not be added to <#CINC1> (`user_is_inactive`)" in escalation.text
    assert flow.slack.topic("CINC1") == "Customer Liaison: Ben Liaison"
    assert flow.slack.members("CINC1") == ["UBEN"]


def test_an_archived_channel_is_reported_and_the_assignment_stays_consistent(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA", "UBEN")
    flow.open_incident("CINC1", "inc-sev1-payments")
    flow.slack.add_channel("CINC2", "inc-sev1-archived", archived=True)
    incidents.declare(
        flow.rt,
        channel_id="CINC2",
        channel_name="inc-sev1-archived",
        user_id="UIC",
        severity="sev1",
        title="Archived",
    )
    assert _chosen(flow, 2) == ["UBEN"]
    assert [c.args["channel"] for c in flow.slack.calls_to("invite")] == ["CINC1"]
    assert flow.slack.channel_messages("CINC2") == []
    assert len(flow.slack.dms("UBEN")) == 1  # the liaison still learns they hold the role
    [escalation] = flow.slack.dms(ESCALATION)
    assert "<@UBEN> is the Customer Liaison for *incident #2*" in escalation.text
    assert "the channel could not be used (`is_archived`)" in escalation.text


def test_a_private_channel_the_app_is_not_in_is_reported(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA")
    flow.slack.add_channel("GPRIV", "inc-sev1-secret", private=True, member=False)
    incidents.declare(
        flow.rt,
        channel_id="GPRIV",
        channel_name="inc-sev1-secret",
        user_id="UIC",
        severity="sev1",
        title="Secret",
    )
    assert [(user, status) for user, status, _ in _assignments(flow)] == [("UANA", "pending")]
    assert flow.slack.calls_to("invite") == []
    [escalation] = flow.slack.dms(ESCALATION)
    assert "I could not join the channel (`not_in_channel`)" in escalation.text
    assert "invite me with `/invite @Liaison`" in escalation.text


def test_a_topic_refused_is_named_in_the_announcement(flow_factory: Callable[..., Flow]) -> None:
    flow = _liaison_flow(flow_factory, "UANA")
    flow.slack.fail("set_topic", "restricted_action")
    flow.open_incident("CINC1", "inc-sev1-payments")
    [announcement] = _announcements(flow, "CINC1")
    assert "I could not put their name in the channel topic (`restricted_action`)" in announcement
    assert len(flow.slack.dms(ESCALATION)) == 1
    assert [(user, status) for user, status, _ in _assignments(flow)] == [("UANA", "pending")]


def test_a_transient_failure_retries_without_a_second_announcement(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA")
    flow.slack.fail("post", "internal_error")  # the first post: the announcement
    flow.open_incident("CINC1", "inc-sev1-payments")
    assert _announcements(flow, "CINC1") == []
    flow.advance(timedelta(seconds=30))
    assert len(_announcements(flow, "CINC1")) == 1
    assert len(flow.slack.dms("UANA")) == 1
    assert len(flow.slack.calls_to("invite")) == 2  # repeated harmlessly
    assert flow.slack.members("CINC1") == ["UANA"]


def test_an_undeliverable_checklist_is_told_to_the_escalation_contact(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA")
    flow.slack.fail("dm", "cannot_dm_bot")
    flow.open_incident("CINC1", "inc-sev1-payments")
    assert flow.slack.dms("UANA") == []
    [checklist] = flow.reminders("liaison.checklist")
    assert checklist.status == "sent"  # reported, not retried: a bot account never reads DMs
    [escalation] = flow.slack.dms(ESCALATION)
    assert "I could not send <@UANA> their Customer Liaison checklist" in escalation.text
    assert "(`cannot_dm_bot`)" in escalation.text


@BOTH_DATABASES
def test_a_pool_failing_at_timeout_leaves_the_asked_person_in_place_and_retries(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA", "UBEN")
    flow.open_incident("CINC1", "inc-sev1-payments")
    messages_before = len(flow.slack.channel_messages("CINC1"))
    flow.slack.fail("usergroup_members", "internal_error")
    flow.advance(timedelta(minutes=5))
    assert [(u, s) for u, s, _ in _assignments(flow)] == [("UANA", "pending")]
    assert len(flow.slack.channel_messages("CINC1")) == messages_before
    flow.advance(timedelta(seconds=30))
    assert [(u, s) for u, s, _ in _assignments(flow)] == [
        ("UANA", "timed_out"),
        ("UBEN", "pending"),
    ]


def test_a_failure_that_keeps_coming_back_is_reported_instead_of_retried_forever(
    flow_factory: Callable[..., Flow],
) -> None:
    flow = _liaison_flow(flow_factory, "UANA")
    flow.slack.fail("set_topic", "internal_error", times=10)
    flow.open_incident("CINC1", "inc-sev1-payments")
    for seconds in (30, 60, 119):
        flow.advance(timedelta(seconds=seconds))
        assert _announcements(flow, "CINC1") == []
    flow.advance(timedelta(seconds=1))  # the fourth attempt goes ahead without the topic
    [announcement] = _announcements(flow, "CINC1")
    assert "I could not put their name in the channel topic (`internal_error`)" in announcement
    assert len(flow.slack.dms("UANA")) == 1
    assert "(`internal_error`)" in flow.slack.dms(ESCALATION)[0].text
