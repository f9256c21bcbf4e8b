"""Which Slack surface a request comes from, for the request and ack-latency metrics.

One label per way people reach Liaison (a slash command, a button, a modal, a shortcut, a
select's options, an event), read from the envelope the edge (or the Socket Mode
connection) has already parsed; never from anything a person typed, so the label set
stays small whatever arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SLASH_COMMAND = "slash_command"
OTHER = "other"
_BY_TYPE = {
    "block_actions": "block_actions",
    "view_submission": "view_submission",
    "view_closed": "view_closed",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "block_suggestion": "options",
    "event_callback": "event",
    "app_rate_limited": "event",
    "url_verification": "url_verification",
}
SURFACES = (SLASH_COMMAND, *sorted(set(_BY_TYPE.values())), OTHER)


def surface_of(payload: Mapping[str, Any] | None, *, command: bool = False) -> str:
    """``command``: the body was a slash command's flat form (it has no ``type``)."""
    if command:
        return SLASH_COMMAND
    kind = (payload or {}).get("type")
    return _BY_TYPE.get(kind, OTHER) if isinstance(kind, str) else OTHER


def socket_mode_surface(kind: str, payload: Mapping[str, Any] | None) -> str:
    """The same labels for a Socket Mode envelope (``slash_commands``, ``interactive``,
    ``events_api``)."""
    if kind == "slash_commands":
        return SLASH_COMMAND
    return surface_of(payload)
