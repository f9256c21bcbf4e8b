"""Signed links in status emails: confirm a subscription, unsubscribe.

Signed with HMAC-SHA256 under a key derived from ``SLACK_SIGNING_SECRET`` and bound to the
subscriber's row and address, so a link for a deleted address never works for another,
and a confirmation link carries the components asked for (nobody can change what a
confirmed address receives without its owner following a new link).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from bot.models import PageEmailSubscriber
from bot.runtime import Runtime

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
NEVER = 0
# Between component keys in a link: unreserved in URLs, and never part of a key.
SEPARATOR = "~"


def _key(rt: Runtime) -> bytes:
    secret = rt.settings.slack_signing_secret or "liaison"
    return hmac.new(secret.encode(), b"status page email links", hashlib.sha256).digest()


@dataclass(frozen=True)
class Link:
    """What a signed link stands for, once its signature checked out."""

    subscriber_id: int
    email: str
    components: list[str]


class LinkInvalid(Exception):
    """A link that is forged, expired or for an address no longer subscribed."""


def _signature(rt: Runtime, purpose: str, ident: int, email: str, keys: str, expires: int) -> str:
    message = f"{purpose}\n{ident}\n{email}\n{keys}\n{expires}".encode()
    return hmac.new(_key(rt), message, hashlib.sha256).hexdigest()[:40]


def make_token(
    rt: Runtime, purpose: str, *, ident: int, email: str, keys: list[str], expires: int
) -> str:
    joined = SEPARATOR.join(keys)
    return f"{ident}.{expires}.{joined}.{_signature(rt, purpose, ident, email, joined, expires)}"


def read_token(rt: Runtime, purpose: str, token: str, *, now: datetime) -> Link:
    parts = (token or "").strip().split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit():
        raise LinkInvalid("malformed")
    ident, expires, joined, signature = int(parts[0]), int(parts[1]), parts[2], parts[3]
    with rt.sessions() as session:
        row = session.get(PageEmailSubscriber, ident)
        email = row.email if row is not None else ""
    expected = _signature(rt, purpose, ident, email, joined, expires)
    if row is None or not hmac.compare_digest(expected, signature):
        raise LinkInvalid("not signed by this page")
    if expires != NEVER and expires < now.timestamp():
        raise LinkInvalid("expired")
    return Link(ident, email, [k for k in joined.split(SEPARATOR) if k])


def unsubscribe_token(rt: Runtime, row: PageEmailSubscriber) -> str:
    return make_token(rt, UNSUBSCRIBE, ident=row.id, email=row.email, keys=[], expires=NEVER)
