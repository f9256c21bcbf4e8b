"""Who an escalation contact is: one person, or the members of a user group.

Every escalation (cadence overdue, liaison trouble, SLA breach, undeliverable DM) is sent
the same way: the contact is expanded here, then one durable job per person is written
with ``bot.jobs.fan_out``, so a failure for one member is retried alone and never repeats
the messages the others already got.
"""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger(__name__)

# A user group reaches at most this many members, each by DM.
ESCALATION_GROUP_LIMIT = 25


class GroupReader(Protocol):
    def usergroup_members(self, usergroup_id: str) -> list[str]: ...


def is_group(contact: str) -> bool:
    return contact.startswith("S")


def escalation_members(
    notifier: GroupReader, contact: str | None, *, limit: int | None = ESCALATION_GROUP_LIMIT
) -> list[str]:
    """The people to tell: the contact itself, or its group's members (at most ``limit``;
    None for all, to ask whether someone belongs)."""
    contact = (contact or "").strip()
    if not contact:
        return []
    if not is_group(contact):
        return [contact]
    members = notifier.usergroup_members(contact)[:limit]
    if not members:
        log.warning("Escalation group %s has no members to tell", contact)
    return members
