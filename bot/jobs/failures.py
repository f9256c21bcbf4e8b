"""How a job's handler tells the dispatcher whether trying again can help.

Any exception carrying ``permanent: bool`` (and optionally ``retry_after`` in seconds)
speaks this protocol, whatever system it comes from: the dispatcher never imports a
client's exception class. Anything else raised by a handler counts as transient (a bug
or an outage is retried with backoff until the kind's retry policy gives up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@runtime_checkable
class DeliveryFailure(Protocol):
    """What the dispatcher reads from a failure (an outgoing call that did not work)."""

    permanent: bool


class JobFailure(Exception):
    """Base class for failures of outgoing calls: ``permanent`` means never retry;
    ``retry_after`` (seconds) is the soonest a retry makes sense (a rate limit)."""

    permanent: bool = False
    retry_after: float | None = None


@dataclass(frozen=True)
class Verdict:
    permanent: bool
    retry_after: float | None
    expected: bool  # a failure of an outgoing call, not a bug: logged without traceback


def verdict(exc: BaseException) -> Verdict:
    """Classify what a handler raised by the protocol's attributes alone."""
    permanent = getattr(exc, "permanent", None)
    if not isinstance(permanent, bool):
        return Verdict(permanent=False, retry_after=None, expected=False)
    retry_after = getattr(exc, "retry_after", None)
    delay = float(retry_after) if isinstance(retry_after, int | float) else None
    return Verdict(permanent=permanent, retry_after=delay, expected=True)
