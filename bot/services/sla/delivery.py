"""Getting an SLA message to a person, or to the escalation contact when that is impossible.

Before a DM the owner is looked up (``users.info``): a deactivated account, or a DM Slack
refuses for good (DMs closed, account gone), sends the message to the tier's escalation
contact with the reason instead, so nobody learns of a breach only from the metrics.
Transient failures are raised for the dispatcher to retry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot import jobs
from bot.jobs import Job
from bot.runtime import Runtime
from bot.services.escalation import escalation_members
from bot.services.sla.schedule import KINDS, Kind, UndeliverablePayload
from bot.slack.client import SlackDeliveryError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """One DM: mrkdwn fallback text and its blocks."""

    text: str
    blocks: list[dict[str, Any]]


def escalation_contact(rt: Runtime, tier: str | None) -> str | None:
    """``SLA_ESCALATION`` for this tier, else its default entry, else nobody."""
    contacts = rt.settings.sla_escalation_map()
    return contacts.get((tier or "").lower()) or contacts.get(None)


def escalation_recipients(rt: Runtime, tier: str | None, *, limit: int | None = None) -> list[str]:
    """The people behind the tier's escalation contact (a user group is expanded)."""
    return escalation_members(rt.notifier, escalation_contact(rt, tier), limit=limit)


def is_escalation_contact(rt: Runtime, tier: str | None, user_id: str) -> bool:
    """Whether ``user_id`` is (in) the tier's escalation contact; False if Slack can't say."""
    try:
        return user_id in escalation_recipients(rt, tier)
    except SlackDeliveryError as exc:
        log.warning("Could not read the SLA escalation group: %s", exc.error)
        return False


def undeliverable_reason(rt: Runtime, user_id: str) -> str | None:
    """Why a DM to this user cannot work, or None when it can be tried."""
    try:
        user = rt.notifier.user(user_id)
    except SlackDeliveryError as exc:
        if exc.permanent:  # UserGone, DmBlocked, NoPermission ...: DMs cannot work
            return f"Slack does not know this account ({exc.error})"
        raise
    if user.deleted:
        return "their Slack account is deactivated"
    if user.is_bot:
        return "it is a bot account"
    return None


def dm_or_escalate(
    rt: Runtime,
    reminder: Job[Any],
    *,
    user_id: str,
    message: Outgoing,
    tier: str | None,
) -> None:
    """DM ``user_id``; when that cannot work, forward the message to the escalation contact."""
    reason = undeliverable_reason(rt, user_id)
    if reason is None:
        try:
            rt.notifier.dm(user_id, message.text, message.blocks)
            return
        except SlackDeliveryError as exc:
            if not exc.permanent:
                raise
            reason = f"Slack refused the DM ({exc.error})"
    forward(rt, reminder, user_id=user_id, reason=reason, text=message.text, tier=tier)


def forward(
    rt: Runtime, reminder: Job[Any], *, user_id: str, reason: str, text: str, tier: str | None
) -> None:
    """Schedule the undelivered message for each escalation recipient (each retried alone)."""
    recipients = [r for r in escalation_recipients(rt, tier) if r != user_id]
    if not recipients:
        raise SlackDeliveryError(
            "chat.postMessage",
            f"could not reach {user_id} ({reason}) and SLA_ESCALATION names nobody else",
            permanent=True,
        )
    now = rt.clock.now()
    payload = UndeliverablePayload(user=user_id, reason=reason, text=text, source=reminder.kind)
    with rt.sessions.begin() as session:
        jobs.fan_out(
            session, KINDS[Kind.undeliverable], recipients, payload, key=str(reminder.id),
            now=now, incident_id=reminder.incident_id, report_id=reminder.report_id,
        )  # fmt: skip
    log.warning("SLA message for %s forwarded to %s: %s", user_id, recipients, reason)
