"""What every help-desk source translates a ticket into, and the port to reach one.

A webhook tells us *that* a ticket changed; the snapshot is the ticket as it is now (read
back through the help desk's API, or sent whole by the generic webhook). ``updated_at`` is
its version: an older snapshot never overwrites a newer one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Protocol

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from bot.inbound import OptionalCleanText
from bot.integrations.health import CheckResult


class TicketSource(StrEnum):
    zendesk = "zendesk"
    salesforce = "salesforce"
    generic = "generic"


SOURCE_LABELS = {
    TicketSource.zendesk: "Zendesk",
    TicketSource.salesforce: "Salesforce",
    TicketSource.generic: "Help desk",
}

# Help-desk statuses (normalised to lower case) that mean the customer was answered.
ANSWERED_STATUSES = frozenset({"solved", "closed"})


class Party(BaseModel):
    """A requester or an organization as the help desk names it."""

    model_config = ConfigDict(str_strip_whitespace=True)

    id: str | None = None
    name: OptionalCleanText = None
    email: str | None = None
    domain: str | None = None


class TicketSnapshot(BaseModel):
    """One ticket at one version; field names are the generic webhook's JSON body."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    id: str = Field(min_length=1, max_length=64)
    updated_at: AwareDatetime
    created_at: AwareDatetime | None = None
    url: str | None = Field(default=None, max_length=500)
    ref: str | None = Field(default=None, max_length=100)  # what people call it: "#4821"
    subject: OptionalCleanText = None
    description: OptionalCleanText = None
    status: str = "open"
    tags: list[str] = []
    # Logical report fields (incident, tier, region, version, platform, feature) by name.
    fields: dict[str, str | list[str] | None] = {}
    requester: Party | None = None
    organization: Party | None = None
    assignee_email: str | None = None
    # The first public reply written by an agent (not the requester), if any.
    first_public_reply_at: AwareDatetime | None = None
    # The newest public comment after the opening one, by the customer or an agent but not
    # by Liaison itself: one after the resolution reply means the customer needed more.
    last_public_reply_at: AwareDatetime | None = None
    # The customer's satisfaction rating, as a follow-up reaction (see ``reaction_of``).
    rating: Annotated[str | None, BeforeValidator(lambda v: reaction_of(v))] = None
    rating_comment: OptionalCleanText = None

    @property
    def answered(self) -> bool:
        return self.status.lower() in ANSWERED_STATUSES


# What help desks call a rating, as the follow-up board's reactions. Zendesk sends
# good/bad (offered: asked, not answered yet); surveys often send 1-5.
_REACTIONS = {
    "good": "satisfied", "satisfied": "satisfied", "positive": "satisfied", "5": "satisfied",
    "4": "satisfied", "neutral": "neutral", "3": "neutral", "bad": "dissatisfied",
    "dissatisfied": "dissatisfied", "negative": "dissatisfied", "2": "dissatisfied",
    "1": "dissatisfied",
}  # fmt: skip


def reaction_of(value: object) -> str | None:
    """The reaction a help desk's rating stands for; None for no answer (``offered``)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    return _REACTIONS.get(text)


class Comment(BaseModel):
    """One comment to add to one ticket (bodies differ: the customer's name is in them)."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str
    body: str
    public: bool


class HelpdeskClient(Protocol):
    """The outgoing port of one help desk; its implementation raises IntegrationError."""

    def read_ticket(self, ticket_id: str) -> TicketSnapshot: ...

    def add_comments(
        self, comments: Sequence[Comment], *, status: str | None = None
    ) -> frozenset[str]:
        """Add each comment to its ticket, in as few calls as the help desk allows; the
        ids of tickets the help desk refused (a closed ticket takes no comment)."""
        ...

    def comment_present(self, comment: Comment, since: datetime) -> bool:
        """Whether this comment is already on the ticket (a reclaimed job's check)."""
        ...

    def link(self, ticket_id: str, *, incident_number: int, tag: str, note: str) -> None:
        """Mark the ticket as linked to the incident (tag or field) with an internal note."""
        ...

    def check(self) -> CheckResult:
        """One cheap authenticated call; never raises (start-up and /liaison health)."""
        ...
