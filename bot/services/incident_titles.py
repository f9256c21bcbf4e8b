"""An incident's two titles: the internal one the team uses, and the one customers read.

The internal title of an incident opened from a channel is made from the channel's name
("inc-sev2-checkout-eu" becomes "Checkout eu"): fine in Slack, wrong in a message to a
customer. Everything customers read goes through ``customer_title``, which never falls
back to the internal title: without a public title it uses a neutral wording from a
template operators can reword.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotFound
from bot.models import Incident, StatusUpdate
from bot.rendering import Renderer
from bot.runtime import Runtime
from bot.services import incidents

PUBLIC_TITLE_TEMPLATE = "incidents/public_title.txt.j2"
TITLE_MAX = 300  # both columns' length
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_OPENING_QUOTES = "\"'“‘"
_CLOSING_QUOTES = "\"'”’"


class HasPublicTitle(Protocol):
    """An incident row or snapshot: anything that knows its public title and severity."""

    @property
    def public_title(self) -> str | None: ...

    @property
    def severity(self) -> str: ...


@dataclass(frozen=True)
class TitleChanged:
    incident: incidents.IncidentSnapshot
    previous: str  # as it read before (for the public title: what customers read)
    public: bool


def customer_title(renderer: Renderer, incident: HasPublicTitle) -> str:
    """The incident's title as customers read it: the one people set, else the neutral
    wording of ``incidents/public_title.txt.j2`` (never the internal title)."""
    if incident.public_title:
        return incident.public_title
    return renderer.render(PUBLIC_TITLE_TEMPLATE, severity=incident.severity)


def set_title(rt: Runtime, *, incident_id: int, title: str, public: bool) -> TitleChanged:
    """Change the internal title, or (``public``) the title customers read."""
    title = clean_title(title)
    if not title:
        which = "public " if public else ""
        raise InvalidInput(
            f"Give the new title, e.g. `/liaison title {which}Checkout errors for EU customers`."
        )
    if len(title) > TITLE_MAX:
        raise InvalidInput(
            f"A title has at most {TITLE_MAX} characters; this one has {len(title)}."
        )
    with rt.sessions.begin() as session:
        incident = session.scalars(
            select(Incident).where(Incident.id == incident_id).with_for_update()
        ).one_or_none()
        if incident is None:
            raise NotFound(f"Incident #{incident_id} does not exist.")
        if public:
            previous = customer_title(rt.renderer, incident)
            incident.public_title = title
        else:
            previous = incident.title
            incident.title = title
    return TitleChanged(incidents.get(rt, incident_id), previous=previous, public=public)


def clean_title(title: str) -> str:
    """One line without control characters, and without the quotes people type around a
    title (`/liaison title public "Checkout errors"`)."""
    text = " ".join(_CONTROL.sub(" ", title).split())
    if len(text) >= 2 and text[0] in _OPENING_QUOTES and text[-1] in _CLOSING_QUOTES:
        text = text[1:-1].strip()
    return text


def customer_resolution(session: Session, incident_id: int) -> str | None:
    """The liaison's words to customers about the resolution, if an update gave them.

    The note given to ``/liaison resolve`` is the responders' own ("rolled back
    db-shard-3"); what customers read is the customer message of the update posted with
    status Resolved, or nothing.
    """
    return session.scalars(
        select(StatusUpdate.customer_message)
        .where(StatusUpdate.incident_id == incident_id, StatusUpdate.status == "resolved")
        .order_by(StatusUpdate.posted_at.desc(), StatusUpdate.id.desc())
        .limit(1)
    ).first()
