"""Accept, hand off, assign by hand, who, and reopen: what people do with the role."""

from __future__ import annotations

from datetime import timedelta

from bot.ids import LiaisonIds
from bot.rendering import slack_date
from tests.handlers.liaison_helpers import (
    announcements,
    assignments,
    buttons,
    click,
    dms,
    invited,
    liaison_app,
    open_hand_off,
    sqlite_only,
    states,
)


def _major_incident(app_factory, *members: str):
    harness = liaison_app(app_factory, *members)
    harness.channel_created("CINC1", "inc-sev1-checkout")
    [assignment] = assignments(harness)
    [announcement] = announcements(harness, "CINC1")
    return harness, assignment, announcement


def _press_accept(harness, assignment, announcement, *, user: str) -> None:
    click(
        harness, LiaisonIds.accept, assignment.id, user=user, channel="CINC1", message=announcement
    )


def test_only_the_assigned_liaison_can_accept(app_factory) -> None:
    harness, assignment, announcement = _major_incident(app_factory, "UANA", "UBEN")
    _press_accept(harness, assignment, announcement, user="UBEN")
    assert states(harness) == [("UANA", "pending")]
    reply = harness.fake.calls_to("response_url")[-1].params
    assert reply["response_type"] == "ephemeral"
    assert reply.get("replace_original") in (False, "false", None)
    assert "Only <@UANA> can accept this" in reply["text"]
    assert "`/liaison assign <@UBEN>`" in reply["text"]


def test_accepting_records_the_time_and_updates_the_announcement(app_factory) -> None:
    harness, assignment, announcement = _major_incident(app_factory, "UANA")
    harness.clock.advance(timedelta(minutes=3))
    pressed_at = harness.clock.now()
    _press_accept(harness, assignment, announcement, user="UANA")
    [accepted] = assignments(harness)
    assert accepted.status == "accepted"
    assert accepted.accepted_at - accepted.assigned_at == timedelta(minutes=3)
    [updated] = announcements(harness, "CINC1")
    assert updated["edited"] and buttons(updated) == []
    assert ":white_check_mark: <@UANA> is the *Customer Liaison*" in updated["text"]
    assert f"accepted {slack_date(pressed_at)}." in updated["text"]

    _press_accept(harness, assignment, announcement, user="UANA")
    assert "You already accepted" in harness.last_reply()


@sqlite_only
def test_accepting_from_the_dm_removes_its_buttons_and_updates_the_channel(app_factory) -> None:
    harness, assignment, _ = _major_incident(app_factory, "UANA")
    [dm] = harness.fake.messages("UANA")
    click(harness, LiaisonIds.accept, assignment.id, user="UANA", channel="DUANA", message=dm)
    [dm] = harness.fake.messages("UANA")
    assert dm["edited"] and buttons(dm) == []
    assert "*Your commitments*" in dm["text"]
    [announcement] = announcements(harness, "CINC1")
    assert buttons(announcement) == []


def test_hand_off_invites_announces_and_briefs_the_colleague_and_keeps_history(
    app_factory,
) -> None:
    harness, assignment, announcement = _major_incident(app_factory, "UANA", "UBEN")
    _press_accept(harness, assignment, announcement, user="UANA")
    harness.clock.advance(timedelta(minutes=20))
    modal = open_hand_off(harness, assignment, announcement)
    assert modal["callback_id"] == LiaisonIds.hand_off_modal
    harness.view_submission(
        modal,
        {
            LiaisonIds.hand_off_user_block: "UCAM",
            LiaisonIds.hand_off_note_block: "Acme & Globex were promised an update at 11:30",
        },
        user="UANA",
    )
    assert states(harness) == [("UANA", "handed_off"), ("UCAM", "pending")]
    cam = assignments(harness)[1]
    assert (cam.assigned_by, cam.note) == ("UANA", "Acme & Globex were promised an update at 11:30")
    assert invited(harness)[-1] == ("CINC1", "UCAM")
    old, new = announcements(harness, "CINC1")
    assert "<@UANA> handed the Customer Liaison role for *incident #1* to <@UCAM>" in old["text"]
    assert "Handed over by <@UANA>. Their note: _Acme &amp; Globex were promised" in new["text"]
    [briefing] = dms(harness, "UCAM")
    assert "<@UANA> handed the role to you" in briefing
    assert "Acme &amp; Globex" in briefing
    assert harness.fake.channels["CINC1"].topic == "Customer Liaison: Cam Liaison"

    harness.command("who", channel="CINC1", user="UIC")
    who = harness.last_reply()
    assert "*Customer Liaison for incident #1*: <@UCAM> — asked" in who
    assert "• <@UANA> — asked" in who and "automatically · accepted" in who
    assert "· handed off" in who
    assert "• <@UCAM> — asked" in who and "by <@UANA>" in who


@sqlite_only
def test_hand_off_errors_show_on_the_field(app_factory) -> None:
    harness, assignment, announcement = _major_incident(app_factory, "UANA", "UBEN")
    modal = open_hand_off(harness, assignment, announcement)
    harness.fake.add_user("UGONE", "gone", real_name="Gone Person", deleted=True)

    for target, message in (
        ("UANA", "Pick someone else: you hold the role already."),
        ("UGONE", "Gone Person is deactivated."),
        ("UBOT", "Liaison is an app, not a person."),
    ):
        response = harness.view_submission(
            modal, {LiaisonIds.hand_off_user_block: target}, user="UANA"
        )
        assert response.json() == {
            "response_action": "errors",
            "errors": {LiaisonIds.hand_off_user_block: message},
        }
    assert states(harness) == [("UANA", "pending")]


@sqlite_only
def test_only_the_liaison_can_hand_off(app_factory) -> None:
    harness, assignment, announcement = _major_incident(app_factory, "UANA", "UBEN")
    assert open_hand_off(harness, assignment, announcement, user="UBEN") is None
    assert "Only <@UANA> can hand off this role" in harness.last_reply()


def test_assign_by_hand_replaces_the_liaison_and_records_who_did_it(app_factory) -> None:
    harness, assignment, announcement = _major_incident(app_factory, "UANA", "UBEN")
    harness.command("assign <@UCAM|cam>", channel="CINC1", user="UIC")
    assert states(harness) == [("UANA", "replaced"), ("UCAM", "pending")]
    assert assignments(harness)[1].assigned_by == "UIC"
    assert "<@UCAM> is asked to be the Customer Liaison for *incident #1* instead of <@UANA>" in (
        harness.last_reply()
    )
    old, new = announcements(harness, "CINC1")
    assert (
        "<@UIC> named <@UCAM> Customer Liaison for *incident #1* instead of <@UANA>"
        in (old["text"])
    )
    assert "Named by <@UIC>." in new["text"]
    assert len(dms(harness, "UCAM")) == 1

    _press_accept(harness, assignment, announcement, user="UANA")
    assert "has ended: someone named another liaison. <@UCAM> holds it now." in (
        harness.last_reply()
    )


@sqlite_only
def test_naming_yourself_accepts_at_once(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.command("declare sev3 Slow search", channel="CSUPPORT", user="UIC")
    harness.command("assign <@UIC>", channel="CSUPPORT", user="UIC")
    [assignment] = assignments(harness)
    assert (assignment.user_id, assignment.status, assignment.accepted_at) == (
        "UIC",
        "accepted",
        harness.clock.now(),
    )
    [announcement] = announcements(harness, "CSUPPORT")
    assert buttons(announcement) == []
    harness.advance(timedelta(minutes=10))
    assert states(harness) == [("UIC", "accepted")]


@sqlite_only
def test_assign_explains_bad_arguments(app_factory) -> None:
    harness, _, _ = _major_incident(app_factory, "UANA")
    harness.command("assign @cam", channel="CINC1", user="UIC")
    assert "I could not read a person from `@cam`" in harness.last_reply()
    assert "Usage: `/liaison assign @user`" in harness.last_reply()
    harness.command("assign", channel="CINC1", user="UIC")
    assert "Tell me who" in harness.last_reply()
    harness.command("assign <@UANA|ana>", channel="CINC1", user="UIC")
    assert "<@UANA> is already the Customer Liaison for incident #1" in harness.last_reply()
    harness.command("assign <@UNOBODY>", channel="CINC1", user="UIC")
    assert "Slack does not know that person (user_not_found)" in harness.last_reply()
    harness.command("assign <@UANA>", channel="CGENERAL", user="UIC")
    assert "not an incident channel" in harness.last_reply()
    assert states(harness) == [("UANA", "pending")]


@sqlite_only
def test_who_without_a_liaison_says_how_to_name_one(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    harness.command("declare sev3 Slow search", channel="CSUPPORT", user="UIC")
    harness.command("who", channel="CSUPPORT", user="UIC")
    assert "has no Customer Liaison right now" in harness.last_reply()
    assert "`/liaison assign @someone`" in harness.last_reply()


def test_reopen_asks_the_same_liaison_again_first(app_factory) -> None:
    harness, assignment, announcement = _major_incident(app_factory, "UANA", "UBEN")
    _press_accept(harness, assignment, announcement, user="UANA")
    harness.clock.advance(timedelta(hours=1))
    harness.command("resolve fixed", channel="CINC1", user="UIC")
    assert states(harness) == [("UANA", "accepted")]  # stays on record for the follow-up

    harness.clock.advance(timedelta(hours=2))
    harness.command("reopen", channel="CINC1", user="UIC")
    assert states(harness) == [("UANA", "released"), ("UANA", "pending")]
    latest = announcements(harness, "CINC1")[-1]["text"]
    assert "The incident reopened, so its liaison is asked again first." in latest
    assert "The incident reopened; you held the role before" in dms(harness, "UANA")[-1]

    harness.advance(timedelta(minutes=5))  # not accepted: on to the pool
    assert states(harness) == [("UANA", "released"), ("UANA", "timed_out"), ("UBEN", "pending")]


@sqlite_only
def test_help_lists_the_liaison_subcommands(app_factory) -> None:
    harness = liaison_app(app_factory, "UANA")
    text = harness.command("help").body
    assert "`/liaison who` — Show this incident's Customer Liaison" in text
    assert "`/liaison assign @user` — Name the Customer Liaison by hand" in text


def test_reopening_a_major_incident_that_never_had_a_liaison_names_one(app_factory) -> None:
    harness = liaison_app(app_factory)  # empty pool when the incident opens
    harness.channel_created("CINC1", "inc-sev1-checkout")
    assert states(harness) == []
    harness.command("resolve fixed", channel="CINC1", user="UIC")
    harness.fake.add_usergroup("SPOOL", "liaisons", ["UANA"])
    harness.command("reopen", channel="CINC1", user="UIC")
    assert states(harness) == [("UANA", "pending")]


def _liaison_roles_on_home(harness, user: str) -> str:
    """The "Incidents where you are liaison" part of ``user``'s App Home, as text."""
    blocks = harness.fake.homes[user]["blocks"]
    start = next(i for i, b in enumerate(blocks) if b["type"] == "header" and "liaison" in str(b))
    end = next((i for i in range(start + 1, len(blocks)) if blocks[i]["type"] == "divider"), None)
    return "\n".join(b.get("text", {}).get("text", "") for b in blocks[start + 1 : end])


@sqlite_only
def test_app_home_follows_the_liaison_role(app_factory) -> None:
    settle = timedelta(seconds=5)  # SLA_HOME_REFRESH_DELAY
    harness, assignment, announcement = _major_incident(app_factory, "UANA", "UBEN")
    for user in ("UANA", "UBEN"):  # only Homes opened before are kept current
        harness.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    harness.advance(settle)
    assert "Customer Liaison of 1 open incident" in _liaison_roles_on_home(harness, "UANA")
    assert "waiting for you to accept" in _liaison_roles_on_home(harness, "UANA")

    _press_accept(harness, assignment, announcement, user="UANA")
    harness.advance(settle)
    assert "waiting for you to accept" not in _liaison_roles_on_home(harness, "UANA")

    modal = open_hand_off(harness, assignment, announcement)
    harness.view_submission(modal, {LiaisonIds.hand_off_user_block: "UBEN"}, user="UANA")
    harness.advance(settle)
    assert "Customer Liaison of 1 open incident" not in _liaison_roles_on_home(harness, "UANA")
    assert "Customer Liaison of 1 open incident" in _liaison_roles_on_home(harness, "UBEN")

    harness.command("resolve Fixed", channel="CINC1", user="UIC")
    harness.advance(settle)
    assert "Customer Liaison of 1 open incident" not in _liaison_roles_on_home(harness, "UBEN")
