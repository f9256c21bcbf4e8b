"""Webhook subscribers: systems that want every public update as signed JSON.

Each gets its own secret; the body is signed with HMAC-SHA256 over ``<timestamp>.<body>``
(headers ``X-Liaison-Timestamp`` and ``X-Liaison-Signature: sha256=<hex>``), so the
receiver can check it came from this page and is not a replay. A subscription may be
limited to components; an update touching none of them is not sent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.errors import InvalidInput, NotFound
from bot.models import PageSubscriber
from bot.runtime import Runtime
from bot.services.statuspage.addresses import AddressUnresolved, internal_addresses
from bot.services.statuspage.publishing import components

URL_MAX = 500


@dataclass(frozen=True)
class Subscription:
    id: int
    url: str
    components: list[str]
    secret: str | None = None  # shown once, when subscribing
    held_since: datetime | None = None  # deliveries held (statuspage/webhook_hold.py)
    held_reason: str | None = None


def subscribe(rt: Runtime, *, url: str, keys: list[str], actor: str) -> Subscription:
    url = url.strip().strip("<>").split("|")[0]
    if not url.lower().startswith(("https://", "http://")) or len(url) > URL_MAX:
        raise InvalidInput(
            "Give the webhook's http(s) address, e.g. https://hooks.example.com/status."
        )
    if not rt.settings.status_webhooks_allow_private:
        _check_public(url)
    known = {c.key for c in components(rt)}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise InvalidInput(
            f"Unknown components: {', '.join(unknown)}. Known: {', '.join(sorted(known))}."
        )
    secret = secrets.token_hex(24)
    try:
        with rt.sessions.begin() as session:
            row = PageSubscriber(
                url=url, secret=secret, components=keys, created_at=rt.clock.now(),
                created_by=actor,
            )  # fmt: skip
            session.add(row)
            session.flush()
            return Subscription(row.id, url, keys, secret)
    except IntegrityError as exc:
        raise InvalidInput(f"{url} is already subscribed.") from exc


def _check_public(url: str) -> None:
    host = urlsplit(url).hostname or url
    try:
        inside = internal_addresses(url)
    except AddressUnresolved as exc:
        raise InvalidInput(
            f"{host} does not resolve to an address; check the webhook's address."
        ) from exc
    if inside:
        raise InvalidInput(
            f"{host} is an internal address ({', '.join(inside)}): webhooks go to public"
            " addresses. An administrator can allow internal receivers with"
            " STATUS_WEBHOOKS_ALLOW_PRIVATE=true."
        )


def unsubscribe(rt: Runtime, *, url: str) -> None:
    url = url.strip().strip("<>").split("|")[0]
    with rt.sessions.begin() as session:
        result = session.execute(delete(PageSubscriber).where(PageSubscriber.url == url))
        if not result.rowcount:
            raise NotFound(f"{url} is not subscribed.")


def listed(rt: Runtime) -> list[Subscription]:
    with rt.sessions() as session:
        rows = session.scalars(select(PageSubscriber).order_by(PageSubscriber.id))
        return [
            Subscription(
                r.id,
                r.url,
                list(r.components),
                held_since=r.held_since,
                held_reason=r.held_reason,
            )
            for r in rows
        ]
