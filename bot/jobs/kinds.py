"""The declaration of a kind of durable job: everything the dispatcher needs to run it.

A kind is declared once, as a module-level ``JobKind``: its name, the pydantic model of
its payload, how pending jobs of it merge (``coalesce``, ``fold``), its retry policy and
whether its side effects are harmless to repeat. Services schedule jobs of a kind through
``bot.jobs.api``. Its handler needs the runtime, so the capability's ``install`` binds it
(``rt.dispatcher.declare(KIND, partial(handler, rt))``): that one line per kind is where
a reader finds what runs it, and a kind scheduled without it fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict


class Outcome(StrEnum):
    sent = "sent"
    obsolete = "cancelled"


class Coalesce(StrEnum):
    """What the dispatcher does when several jobs of one group fell due together."""

    none = "none"  # each runs
    # Only the newest (due time, id) of an incident, kind and target runs; the older ones are
    # recorded as cancelled (reminders that piled up while the app was down go out once).
    newest = "newest"


class Fold(StrEnum):
    """What scheduling does when a job of the same group is already pending."""

    none = "none"  # every schedule is its own job (deduplicated by its key only)
    # Merge into the pending job of the same incident, kind and target: it keeps the sooner
    # of the two due times and takes the newer payload. A burst of causes (reports, ticket
    # changes) ends in one run, at the due time of the first: a debounce that cannot starve.
    first = "first"


@dataclass(frozen=True)
class RetryPolicy:
    """Transient failures are retried after ``base * 2**(attempt-1)`` (at most ``cap``, at
    least a failure's ``retry_after``) until ``max_attempts``; then recorded as failed."""

    max_attempts: int = 6
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(minutes=15)

    def delay(self, attempt: int, retry_after: float | None = None) -> timedelta:
        backoff = min(self.base * 2 ** max(0, attempt - 1), self.cap)
        if retry_after is not None:
            backoff = max(backoff, timedelta(seconds=retry_after))
        return backoff


class Payload(BaseModel):
    """Base of job payloads: JSON-safe, immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class NoPayload(Payload):
    """For kinds whose job says everything through its incident, report and target."""


P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class Job(Generic[P]):
    """A claimed job, detached from any session, handed to its kind's handler."""

    id: int
    kind: str
    dedupe_key: str
    incident_id: int | None
    report_id: int | None
    target: str | None
    payload: P
    due_at: datetime
    attempts: int
    # When the job was first claimed: its earlier attempts' side effects are not older.
    first_claimed_at: datetime | None = None
    last_attempt: bool = False

    @property
    def reclaimed(self) -> bool:
        """An earlier attempt ran (and may have reached people before it died or failed)."""
        return self.attempts > 1


Handler = Callable[[Job[Any]], Outcome]


@dataclass(frozen=True)
class JobKind(Generic[P]):
    """One kind of durable job, declared once (see the module docstring)."""

    name: str
    payload: type[P]
    coalesce: Coalesce = Coalesce.none
    fold: Fold = Fold.none
    # None: the dispatcher's default policy.
    retry: RetryPolicy | None = None
    # Its side effects are harmless to repeat (chat.update, views.publish, pins.add): a
    # reclaimed job runs again without first looking for what its earlier attempt did.
    repeat_safe: bool = False

    def dump(self, payload: BaseModel | None) -> dict[str, Any]:
        """The payload as stored (JSON), checked against the kind's model."""
        if payload is None:
            payload = self.payload()
        if not isinstance(payload, self.payload):
            raise TypeError(f"{self.name} takes a {self.payload.__name__} payload")
        return payload.model_dump(mode="json", by_alias=True, exclude_defaults=True)

    def load(self, stored: dict[str, Any] | None) -> P:
        return self.payload.model_validate(stored or {})
