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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.business_time import BusinessCalendar, parse_hours, parse_timezone, parse_weekdays
from bot.config import Settings
from bot.slack.client import SlackDeliveryError
from bot.slack.notifier import Notifier

log = logging.getLogger(__name__)

# users.info answers meaning "this person cannot be liaison any more".
GONE_ERRORS = frozenset({"user_not_found", "users_not_found", "user_disabled", "user_is_inactive"})
# More members than this are not looked up one by one: the first ones are used.
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
    members: tuple[Member, ...]
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
    pool_size: int = 0
    available: int = 0  # members free and inside working hours right now

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


def pool_ids(settings: Settings, notifier: Notifier) -> tuple[list[str], Pool | None]:
    """Member ids from the user group and the list, in that order; or the Pool problem."""
    if not settings.liaison_usergroup and not settings.liaison_users:
        return [], Pool((), PoolProblem.not_configured)
    ids: list[str] = []
    if settings.liaison_usergroup:
        try:
            ids.extend(notifier.usergroup_members(settings.liaison_usergroup))
        except SlackDeliveryError as exc:
            log.warning("Liaison pool %s unreadable: %s", settings.liaison_usergroup, exc.error)
            return [], Pool(
                (),
                PoolProblem.unreadable,
                detail=f"{settings.liaison_usergroup}: {exc.error}",
                transient=not exc.permanent,
            )
    ids.extend(settings.liaison_users)
    return list(dict.fromkeys(ids))[:POOL_LOOKUP_LIMIT], None


def resolve_pool(settings: Settings, notifier: Notifier, *, also: Sequence[str] = ()) -> Pool:
    """Read the pool and each member's profile (name, time zone, deactivated).

    ``also`` adds people outside the pool who may be asked (the previous liaison on
    reopen). A member whose profile cannot be read stays in the pool with unknown hours.
    """
    ids, problem = pool_ids(settings, notifier)
    extra = [user_id for user_id in also if user_id and user_id not in ids]
    if problem is not None and not extra:
        return problem
    members = tuple(_member(notifier, user_id) for user_id in [*ids, *extra])
    if problem is not None:
        return Pool(members, problem.problem, problem.detail, problem.transient)
    if not any(_askable(m) for m in members if m.user_id in ids):
        return Pool(members, PoolProblem.empty, detail=settings.liaison_usergroup)
    return Pool(members)


def _member(notifier: Notifier, user_id: str) -> Member:
    try:
        user = notifier.user(user_id)
    except SlackDeliveryError as exc:
        if exc.error in GONE_ERRORS:
            return Member(user_id, user_id, deleted=True)
        log.warning("users.info %s failed: %s", user_id, exc.error)
        return Member(user_id, user_id, profile_error=exc.error)
    return Member(user.id, user.name, tz=user.tz, deleted=user.deleted, is_bot=user.is_bot)


def _askable(member: Member) -> bool:
    return not member.deleted and not member.is_bot


def choose(
    members: Sequence[Member],
    *,
    now: datetime,
    hours: WorkingHours,
    busy: Mapping[str, Sequence[int]],
    last_assigned: Mapping[str, tuple[datetime, int]],
    exclude: set[str] | frozenset[str] = frozenset(),
    prefer: str | None = None,
) -> Choice | None:
    """Pick who to ask; None when nobody can be asked (empty or exhausted pool).

    Order: the preferred person if they can be asked at all; else members free and in
    working hours, least recently assigned first (never assigned before anyone); else the
    best of the rest (in working hours over free, a readable profile over an unreadable
    one, then fewest other incidents).
    """
    candidates = [m for m in members if _askable(m) and m.user_id not in exclude]
    if not candidates:
        return None

    def facts(member: Member) -> tuple[bool, tuple[int, ...]]:
        off = member.profile_error is not None or not hours.is_working(member.tz, now)
        return off, tuple(busy.get(member.user_id, ()))

    available = sum(1 for m in candidates if facts(m) == (False, ()))
    preferred = next((m for m in candidates if m.user_id == prefer), None)
    if preferred is not None:
        return _choice(preferred, facts(preferred), hours, now, len(members), available, True)

    order = {m.user_id: index for index, m in enumerate(members)}

    def rank(member: Member) -> tuple[object, ...]:
        off, others = facts(member)
        last = last_assigned.get(member.user_id)
        recency = (0, 0.0, 0) if last is None else (1, last[0].timestamp(), last[1])
        unknown = member.profile_error is not None
        return (off, unknown, bool(others), len(others), recency, order[member.user_id])

    best = min(candidates, key=rank)
    return _choice(best, facts(best), hours, now, len(members), available, False)


def _choice(
    member: Member,
    facts: tuple[bool, tuple[int, ...]],
    hours: WorkingHours,
    now: datetime,
    pool_size: int,
    available: int,
    preferred: bool,
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
        pool_size=pool_size,
        available=available,
    )
