"""Slack's error codes as a small family of exceptions, so callers ask ``isinstance``.

Slack answers a failed call with a code (``is_archived``, ``user_not_found`` ...); which
codes mean the same thing to Liaison is decided here once, instead of in sets of strings
kept by every caller. Every class says whether retrying can help (``permanent``), which is
all the reminder dispatcher needs; callers that treat a case specially (a liaison who left
the workspace, a live summary someone deleted) catch its class.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import ClassVar

from bot.jobs.failures import JobFailure


class SlackDeliveryError(JobFailure):
    """A Web API call failed after retries. ``permanent`` says whether retrying can help
    (the durable jobs' failure protocol, bot/jobs/failures.py).

    ``error`` is Slack's code (or the connection failure's name), ``method`` the Web API
    method. Codes Liaison has no class for are transient: one more try later costs little,
    and the dispatcher gives up after its attempts anyway.
    """

    codes: ClassVar[frozenset[str]] = frozenset()
    default_permanent: ClassVar[bool] = False

    def __init__(self, method: str, error: str, *, permanent: bool | None = None) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error
        self.permanent = self.default_permanent if permanent is None else permanent


class _Permanent(SlackDeliveryError):
    default_permanent = True


class ChannelArchived(_Permanent):
    codes = frozenset({"is_archived"})


class ChannelNotFound(_Permanent):
    codes = frozenset({"channel_not_found"})


class NotInChannel(_Permanent):
    """The app is not a member (a public channel can be joined; a private one cannot)."""

    codes = frozenset({"not_in_channel"})


class UserGone(_Permanent):
    """The person left, was deactivated, or cannot be seen from this workspace."""

    codes = frozenset(
        {
            "account_inactive",
            "user_disabled",
            "user_is_inactive",
            "user_not_found",
            "user_not_visible",
            "users_not_found",
        }
    )


class DmBlocked(_Permanent):
    """The person exists, but the app cannot DM them (a bot, or DMs closed)."""

    codes = frozenset({"cannot_dm_bot", "messages_tab_disabled"})


class CannotInvite(_Permanent):
    """The person cannot be added to this channel (guest, channel limit, policy)."""

    codes = frozenset({"cant_invite", "user_is_restricted", "ura_max_channels"})


class NoPermission(_Permanent):
    """The app lacks a scope or the workspace forbids the action."""

    codes = frozenset(
        {
            "method_not_supported_for_channel_type",
            "missing_scope",
            "no_permission",
            "not_allowed_token_type",
            "restricted_action",
        }
    )


class InvalidAuth(_Permanent):
    """The token is wrong: nothing works until an admin fixes the setting."""

    codes = frozenset({"invalid_auth", "not_authed"})


class TokenRevoked(InvalidAuth):
    codes = frozenset({"token_revoked", "token_expired"})


class InvalidRequest(_Permanent):
    """Slack refused what was sent (blocks, arguments, length): sending it again fails too."""

    codes = frozenset({"invalid_arguments", "invalid_blocks", "msg_too_long"})


class UsergroupNotFound(_Permanent):
    codes = frozenset({"no_such_subteam"})


class MessageGone(_Permanent):
    """The message to edit was deleted or can no longer be edited: post a new one."""

    codes = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


class Unpinnable(_Permanent):
    codes = frozenset({"not_pinnable", "too_many_pins", "no_pin_permission"})


class AlreadyInChannel(_Permanent):
    """Inviting someone who is a member already: the wanted state holds."""

    codes = frozenset({"already_in_channel"})


class AlreadyPinned(_Permanent):
    codes = frozenset({"already_pinned"})


class NameTaken(_Permanent):
    """conversations.create: a channel of that name exists already."""

    codes = frozenset({"name_taken"})


class RateLimited(SlackDeliveryError):
    """Still rate limited after the client's own retries: try later."""

    codes = frozenset({"ratelimited", "http_429"})


class SlackUnreachable(SlackDeliveryError):
    """No answer at all (connection refused or reset, timeout)."""


FAMILY: tuple[type[SlackDeliveryError], ...] = (
    ChannelArchived,
    ChannelNotFound,
    NotInChannel,
    UserGone,
    DmBlocked,
    CannotInvite,
    NoPermission,
    InvalidAuth,
    TokenRevoked,
    InvalidRequest,
    UsergroupNotFound,
    MessageGone,
    Unpinnable,
    AlreadyInChannel,
    AlreadyPinned,
    NameTaken,
    RateLimited,
)
_BY_CODE = MappingProxyType({code: kind for kind in FAMILY for code in kind.codes})


def error_for(method: str, error: str) -> SlackDeliveryError:
    """The typed error for Slack's answer ``error`` to ``method``."""
    return _BY_CODE.get(error, SlackDeliveryError)(method, error)
