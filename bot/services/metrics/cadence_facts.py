"""Whether the promised update cadence was kept: one fact per update deadline.

An update promises the next one by ``next_update_at``. That deadline was met when the
next update (or the resolution) came no later than it; missed when it passed without
either; and not counted yet while it is still in the future.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Deadlines:
    met: int
    total: int


def deadlines(
    updates: Sequence[tuple[datetime, datetime | None]],
    resolved_at: datetime | None,
    now: datetime,
) -> Deadlines:
    """``updates`` are (posted_at, next_update_at) in posting order."""
    met = total = 0
    for index, (_, due) in enumerate(updates):
        if due is None:
            continue
        following = updates[index + 1][0] if index + 1 < len(updates) else None
        answered = min((t for t in (following, resolved_at) if t is not None), default=None)
        if answered is not None and answered <= due:
            met += 1
            total += 1
        elif answered is not None or due < now:
            total += 1
    return Deadlines(met, total)
