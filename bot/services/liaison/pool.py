"""The liaison pool and the choice of who is asked next.

The pool is a Slack user group (``LIAISON_USERGROUP``), a list of user ids
(``LIAISON_USERS``), or both, read through the Web API each time so that group changes
apply at once. The choice itself (``choose``) is a pure function: fairness first (the
member assigned least recently), skipping members who are liaison on another open
incident, deactivated, or outside their working hours in their own time zone, unless
nobody else is left; then the best of the rest is taken and the compromise is named.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.business_time import BusinessCalendar, parse_hours, parse_timezone, parse_weekdays
from bot.config import Settings
from bot.slack.client import SlackDeliveryError
from bot.slack.errors import UserGone
from bot.slack.notifier import Notifier

log = logging.getLogger(__name__)

# A pool larger than this is cut (first members kept): a misconfigured "everyone" group
# must not turn one assignment into thousands of Web API calls.
POOL_LOOKUP_LIMIT = 200


class PoolProblem(StrEnum):
    not_configured = "not_configured"  # neither LIAISON_USERGROUP nor LIAISON_USERS
    unreadable = "unreadable"  # the user group could not be read through the Web API
    empty = "empty"  # configured, but nobody in it can be asked


@dataclass(frozen=True)
class Member:
    """A pool member as Slack describes them right now."""

    user_id: str
    name: str
    tz: str = "UTC"
    deleted: bool = False
    is_bot: bool = False
    profile_error: str | None = None  # users.info failed: working hours unknown


@dataclass(frozen=True)
class Pool:
    """The pool's member ids (in order), or why it could not be read."""

    ids: tuple[str, ...]
    problem: PoolProblem | None = None
    detail: str = ""  # the Slack error or the group id, for people to act on
    transient: bool = False  # the problem may go away when asked again


@dataclass(frozen=True)
class Choice:
    """Who is asked, and the compromises made if nobody better was left."""

    user_id: str
    name: str
    preferred: bool = False  # the previous liaison, asked again first on reopen
    off_hours: bool = False
    local_time: str | None = None  # "03:10 America/New_York" when off hours
    busy_with: tuple[int, ...] = ()
    profile_unknown: bool = False

    @property
    def compromised(self) -> bool:
        return self.off_hours or bool(self.busy_with) or self.profile_unknown

    def concerns(self) -> dict[str, object]:
        """JSON-safe description of the compromises, for templates and reminder payloads."""
        return {
            "name": self.name,
            "preferred": self.preferred,
            "off_hours": self.off_hours,
            "local_time": self.local_time,
            "busy_with": list(self.busy_with),
            "profile_unknown": self.profile_unknown,
            "compromised": self.compromised,
        }


@dataclass(frozen=True)
class WorkingHours:
    """``LIAISON_WORKING_HOURS`` on ``BUSINESS_DAYS``, applied in a member's own time zone."""

    hours: str = "09:00-18:00"
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    _cache: dict[str, BusinessCalendar] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkingHours:
        return cls(hours=settings.liaison_working_hours, days=tuple(settings.business_days))

    def calendar(self, tz: str) -> BusinessCalendar:
        if tz not in self._cache:
            try:
                zone = parse_timezone(tz)
            except ValueError:
                zone = parse_timezone("UTC")
            self._cache[tz] = BusinessCalendar(
                timezone=zone, workdays=parse_weekdays(self.days), hours=parse_hours(self.hours)
            )
        return self._cache[tz]

    def is_working(self, tz: str, now: datetime) -> bool:
        return self.calendar(tz).is_open(now)

    def local_time(self, tz: str, now: datetime) -> str:
        calendar = self.calendar(tz)
        return f"{now.astimezone(calendar.timezone):%a %H:%M} {calendar.timezone.key}"


def read_pool(settings: Settings, notifier: Notifier) -> Pool:
    """Member ids from the user group, then the list (deduplicated), or the problem."""
    if not settings.liaison_usergroup and not settings.liaison_users:
        return Pool((), PoolProblem.not_configured)
    ids: list[str] = []
    if settings.liaison_usergroup:
        try:
            ids.extend(notifier.usergroup_members(settings.liaison_usergroup))
        except SlackDeliveryError as exc:
            log.warning("Liaison pool %s unreadable: %s", settings.liaison_usergroup, exc.error)
            return Pool(
                (),
                PoolProblem.unreadable,
                detail=f"{settings.liaison_usergroup}: {exc.error}",
                transient=not exc.permanent,
            )
    ids.extend(settings.liaison_users)
    unique = tuple(dict.fromkeys(ids))[:POOL_LOOKUP_LIMIT]
    if not unique:
        return Pool((), PoolProblem.empty, detail=settings.liaison_usergroup)
    return Pool(unique)


class ProfileReader:
    """users.info on demand, each person read at most once per choice.

    The choice walks members in fairness order and usually stops at the first one free
    and in working hours, so a big pool costs a few Web API calls, not one per member.
    """

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier
        self._seen: dict[str, Member] = {}

    def __call__(self, user_id: str) -> Member:
        if user_id not in self._seen:
            self._seen[user_id] = self._read(user_id)
        return self._seen[user_id]

    def _read(self, user_id: str) -> Member:
        try:
            user = self._notifier.user(user_id)
        except UserGone:
            return Member(user_id, user_id, deleted=True)
        except SlackDeliveryError as exc:
            log.warning("users.info %s failed: %s", user_id, exc.error)
            return Member(user_id, user_id, profile_error=exc.error)
        return Member(user.id, user.name, tz=user.tz, deleted=user.deleted, is_bot=user.is_bot)


def _askable(member: Member) -> bool:
    return not member.deleted and not member.is_bot


def choose(
    ids: Sequence[str],
    profile: Callable[[str], Member],
    *,
    now: datetime,
    hours: WorkingHours,
    busy: Mapping[str, Sequence[int]],
    last_assigned: Mapping[str, tuple[datetime, int]],
    exclude: Collection[str] = frozenset(),
    prefer: str | None = None,
) -> Choice | None:
    """Pick who to ask; None when nobody can be asked (empty or exhausted pool).

    Order: the preferred person if they can be asked at all; else members free and in
    working hours, least recently assigned first (never assigned before anyone); else the
    best of the rest (in working hours over free, a readable profile over an unreadable
    one, then fewest other incidents, then fairness). ``profile`` is called lazily.
    """
    if prefer and prefer not in exclude:
        member = profile(prefer)
        if _askable(member):
            return _choice(member, _facts(member, busy, hours, now), hours, now, preferred=True)
    order = {user_id: index for index, user_id in enumerate(ids)}

    def fairness(user_id: str) -> tuple[object, ...]:
        last = last_assigned.get(user_id)
        recency = (0, 0.0, 0) if last is None else (1, last[0].timestamp(), last[1])
        return (*recency, order[user_id])

    candidates = sorted((i for i in ids if i not in exclude), key=fairness)
    for user_id in candidates:
        if busy.get(user_id):
            continue
        member = profile(user_id)
        facts = _facts(member, busy, hours, now)
        if _askable(member) and facts == (False, ()):
            return _choice(member, facts, hours, now)

    def rank(member: Member) -> tuple[object, ...]:
        off, others = _facts(member, busy, hours, now)
        unknown = member.profile_error is not None
        return (off, unknown, bool(others), len(others), fairness(member.user_id))

    askable = [m for m in map(profile, candidates) if _askable(m)]
    if not askable:
        return None
    best = min(askable, key=rank)
    return _choice(best, _facts(best, busy, hours, now), hours, now)


def _facts(
    member: Member, busy: Mapping[str, Sequence[int]], hours: WorkingHours, now: datetime
) -> tuple[bool, tuple[int, ...]]:
    """(off hours or unknown hours, other open incidents they are liaison on)."""
    off = member.profile_error is not None or not hours.is_working(member.tz, now)
    return off, tuple(busy.get(member.user_id, ()))


def _choice(
    member: Member,
    facts: tuple[bool, tuple[int, ...]],
    hours: WorkingHours,
    now: datetime,
    *,
    preferred: bool = False,
) -> Choice:
    off_hours, busy_with = facts
    unknown = member.profile_error is not None
    return Choice(
        user_id=member.user_id,
        name=member.name,
        preferred=preferred,
        off_hours=off_hours and not unknown,
        local_time=hours.local_time(member.tz, now) if off_hours and not unknown else None,
        busy_with=busy_with,
        profile_unknown=unknown,
    )
