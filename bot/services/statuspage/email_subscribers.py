"""Email subscribers of the status page: subscribe, confirm (double opt-in), unsubscribe.

Subscribing writes (or refreshes) the address's row and schedules a confirmation email
with a signed link that expires (``STATUS_EMAIL_CONFIRM_TTL``); only an address whose
link was followed receives updates. The form answers the same whatever the address's
state, and an address is sent at most ``STATUS_EMAIL_ATTEMPTS`` confirmations per
``STATUS_EMAIL_ATTEMPTS_WINDOW``, so the form tells nobody who is subscribed and cannot
be used to flood an inbox. Every email carries a one-click unsubscribe link (RFC 8058);
unsubscribing deletes the row, so the address is forgotten.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.errors import InvalidInput
from bot.models import PageEmailDelivery, PageEmailSubscriber
from bot.runtime import Runtime
from bot.services.statuspage import email_delivery
from bot.services.statuspage.components import parse_components
from bot.services.statuspage.email_links import CONFIRM, UNSUBSCRIBE, Link, LinkInvalid, read_token

EMAIL_MAX = 254
_EMAIL = re.compile(r"^[^@\s<>\"',;()\[\]\\]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def normalise(email: str) -> str:
    """The address as stored: trimmed, its domain lower-cased (the local part is the
    mailbox's business)."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if local else email.strip()


def subscribe(rt: Runtime, *, email: str, keys: list[str]) -> None:
    """Ask for a confirmation email; silent about whether the address is subscribed."""
    email = normalise(email)
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise InvalidInput("That does not look like an email address.")
    known = [c.key for c in parse_components(rt.settings.status_components)]
    keys = [k for k in known if k in set(keys)]  # in page order; unknown ones dropped
    try:
        _request_confirmation(rt, email, keys)
    except IntegrityError:  # the same new address sent twice at once: the row exists now
        _request_confirmation(rt, email, keys)
    rt.wake()


def _request_confirmation(rt: Runtime, email: str, keys: list[str]) -> None:
    now = rt.clock.now()
    settings = rt.settings
    with rt.sessions.begin() as session:
        row = session.scalars(  # locked: two replicas never both count the same attempt
            select(PageEmailSubscriber).where(PageEmailSubscriber.email == email).with_for_update()
        ).first()
        if row is None:
            row = PageEmailSubscriber(
                email=email, components=keys, created_at=now, attempts=0, attempts_since=now
            )
            session.add(row)
        if now - row.attempts_since >= settings.status_email_attempts_window:
            row.attempts, row.attempts_since = 0, now
        if row.attempts >= settings.status_email_attempts:
            return  # the same answer: nothing tells the sender it was not sent
        row.attempts += 1
        if row.confirmed_at is None:
            row.components = keys
        session.flush()
        expires = int((now + settings.status_email_confirm_ttl).timestamp())
        email_delivery.schedule_confirmation(
            session, row.id, keys=keys, expires=expires, attempt=row.attempts, now=now
        )


def confirm(rt: Runtime, token: str) -> Link:
    """Follow a confirmation link: the address receives updates from now on."""
    link = read_token(rt, CONFIRM, token, now=rt.clock.now())
    with rt.sessions.begin() as session:
        row = session.get(PageEmailSubscriber, link.subscriber_id)
        if row is None:
            raise LinkInvalid("gone")
        row.components = link.components
        row.confirmed_at = row.confirmed_at or rt.clock.now()
    return link


def unsubscribe(rt: Runtime, token: str) -> None:
    """Follow an unsubscribe link: the address is forgotten."""
    link = read_token(rt, UNSUBSCRIBE, token, now=rt.clock.now())
    with rt.sessions.begin() as session:
        session.execute(
            delete(PageEmailDelivery).where(PageEmailDelivery.subscriber_id == link.subscriber_id)
        )
        session.execute(
            delete(PageEmailSubscriber).where(PageEmailSubscriber.id == link.subscriber_id)
        )


def confirmed_count(rt: Runtime) -> int | None:
    """How many addresses receive updates (None: email subscriptions are off). A count
    only: the addresses stay out of Slack."""
    if not rt.settings.status_email_enabled:
        return None
    with rt.sessions() as session:
        return len(
            session.scalars(
                select(PageEmailSubscriber.id).where(PageEmailSubscriber.confirmed_at.is_not(None))
            ).all()
        )
