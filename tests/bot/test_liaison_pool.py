"""Choosing who is asked: fairness, skipping, compromises, working hours per time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.liaison.pool import Member, WorkingHours, choose

MONDAY_10_UTC = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HOURS = WorkingHours("09:00-18:00")

BERLIN = Member("UANA", "Ana", tz="Europe/Berlin")  # 11:00
LONDON = Member("UBEN", "Ben", tz="Europe/London")  # 10:00
LOS_ANGELES = Member("UDAN", "Dan", tz="America/Los_Angeles")  # 02:00
TOKYO = Member("UEMI", "Emi", tz="Asia/Tokyo")  # 19:00


def _choose(members, *, looked_up: list[str] | None = None, extra=(), **kwargs):
    """Choose among ``members`` (pool order); ``extra`` are people known but not in the pool."""
    known = {m.user_id: m for m in [*members, *extra]}

    def profile(user_id: str) -> Member:
        if looked_up is not None:
            looked_up.append(user_id)
        return known.get(user_id) or Member(user_id, user_id, deleted=True)

    defaults = {"now": MONDAY_10_UTC, "hours": HOURS, "busy": {}, "last_assigned": {}}
    return choose([m.user_id for m in members], profile, **{**defaults, **kwargs})


def _at(minutes_ago: int, row_id: int = 1) -> tuple[datetime, int]:
    return (MONDAY_10_UTC - timedelta(minutes=minutes_ago), row_id)


def test_never_assigned_members_go_first_in_pool_order() -> None:
    choice = _choose([BERLIN, LONDON], last_assigned={"UANA": _at(60)})
    assert choice is not None and choice.user_id == "UBEN"
    assert not choice.compromised


def test_the_member_assigned_least_recently_goes_first() -> None:
    choice = _choose([BERLIN, LONDON], last_assigned={"UANA": _at(10), "UBEN": _at(90)})
    assert choice is not None and choice.user_id == "UBEN"


def test_equal_assignment_times_are_ordered_by_the_later_row() -> None:
    same = {"UANA": _at(0, row_id=7), "UBEN": _at(0, row_id=3)}
    choice = _choose([BERLIN, LONDON], last_assigned=same)
    assert choice is not None and choice.user_id == "UBEN"


def test_members_busy_elsewhere_are_skipped() -> None:
    choice = _choose([BERLIN, LONDON], busy={"UANA": [4]})
    assert choice is not None and choice.user_id == "UBEN"


def test_members_outside_their_working_hours_are_skipped() -> None:
    choice = _choose([LOS_ANGELES, TOKYO, BERLIN])
    assert choice is not None and choice.user_id == "UANA"


def test_profiles_are_read_lazily_in_fairness_order() -> None:
    looked_up: list[str] = []
    choice = _choose(
        [LOS_ANGELES, TOKYO, BERLIN, LONDON],
        looked_up=looked_up,
        busy={"UEMI": [2]},
        last_assigned={"UDAN": _at(30)},
    )
    assert choice is not None and choice.user_id == "UANA"
    # Emi is busy (known from the database), Dan went most recently: Ana is read first.
    assert looked_up == ["UANA"]


def test_working_hours_follow_each_members_time_zone_through_the_day() -> None:
    evening = MONDAY_10_UTC + timedelta(hours=7, minutes=30)  # 17:30 UTC
    assert HOURS.is_working("America/Los_Angeles", evening)  # 09:30
    assert not HOURS.is_working("Europe/Berlin", evening)  # 18:30
    assert HOURS.is_working("Asia/Tokyo", MONDAY_10_UTC - timedelta(hours=9))  # Mon 10:00
    assert not HOURS.is_working("Europe/Berlin", MONDAY_10_UTC + timedelta(days=5))  # Saturday


def test_an_unknown_time_zone_is_read_as_utc() -> None:
    assert HOURS.is_working("Mars/Olympus", MONDAY_10_UTC)
    assert HOURS.local_time("Mars/Olympus", MONDAY_10_UTC) == "Mon 10:00 UTC"


def test_around_the_clock_hours_never_skip_anyone() -> None:
    hours = WorkingHours("24/7", days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    choice = _choose([LOS_ANGELES], hours=hours)
    assert choice is not None and not choice.off_hours


def test_when_nobody_is_ideal_in_hours_beats_free_and_fewer_incidents_beat_more() -> None:
    choice = _choose([LOS_ANGELES, BERLIN], busy={"UANA": [1]})
    assert choice is not None and choice.user_id == "UANA"
    assert choice.busy_with == (1,) and not choice.off_hours and choice.compromised

    choice = _choose([BERLIN, LONDON], busy={"UANA": [1, 2], "UBEN": [3]})
    assert choice is not None and choice.user_id == "UBEN"


def test_an_off_hours_choice_says_the_local_time() -> None:
    choice = _choose([TOKYO])
    assert choice is not None
    assert (choice.off_hours, choice.local_time) == (True, "Mon 19:00 Asia/Tokyo")
    assert choice.concerns()["compromised"] is True


def test_deactivated_members_and_apps_are_never_chosen() -> None:
    gone = Member("UOLD", "Old", tz="Europe/Berlin", deleted=True)
    app = Member("UAPP", "App", tz="Europe/Berlin", is_bot=True)
    assert _choose([gone, app]) is None
    choice = _choose([gone, app, TOKYO])
    assert choice is not None and choice.user_id == "UEMI"


def test_excluded_members_are_not_asked_again() -> None:
    assert _choose([BERLIN, LONDON], exclude={"UANA", "UBEN"}) is None
    choice = _choose([BERLIN, LONDON], exclude={"UANA"})
    assert choice is not None and choice.user_id == "UBEN"


def test_the_preferred_person_is_asked_first_even_when_others_are_better() -> None:
    choice = _choose([BERLIN, TOKYO], prefer="UEMI")
    assert choice is not None and choice.user_id == "UEMI"
    assert choice.preferred and choice.off_hours


def test_a_preferred_person_who_left_is_passed_over() -> None:
    gone = Member("UOLD", "Old", deleted=True)
    choice = _choose([BERLIN], extra=[gone], prefer="UOLD")
    assert choice is not None and choice.user_id == "UANA" and not choice.preferred


def test_the_preferred_person_need_not_be_in_the_pool() -> None:
    outsider = Member("UIC", "Casey", tz="America/New_York")
    choice = _choose([BERLIN], extra=[outsider], prefer="UIC")
    assert choice is not None and choice.user_id == "UIC" and choice.preferred
    assert _choose([], extra=[outsider], prefer="UIC").user_id == "UIC"


def test_a_member_whose_profile_could_not_be_read_is_a_last_resort() -> None:
    unknown = Member("UUNK", "UUNK", profile_error="ratelimited")
    choice = _choose([unknown, TOKYO])
    assert choice is not None and choice.user_id == "UEMI"
    choice = _choose([unknown])
    assert choice is not None and choice.profile_unknown and not choice.off_hours
