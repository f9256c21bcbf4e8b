"""The figures of one period, as plain data, and how durations are summarised.

Percentiles use the nearest-rank method (the p-th percentile of n sorted values is the
value at rank ceil(p/100 * n)), so every figure is one that was actually observed and a
test can compute it by hand. A figure with no data is None, shown as "no data", never 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta


def percentile(values: Sequence[timedelta], p: int) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class DurationFigure:
    p50: timedelta | None
    p90: timedelta | None
    count: int

    @classmethod
    def of(cls, values: Sequence[timedelta]) -> DurationFigure:
        return cls(percentile(values, 50), percentile(values, 90), len(values))


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole``; ``percent`` is None when there is nothing to share."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return None if self.whole == 0 else round(100 * self.part / self.whole, 1)


@dataclass(frozen=True)
class Figures:
    incidents: int
    by_severity: dict[str, int]
    without_liaison: int
    mtta: DurationFigure
    first_update: DurationFigure
    assessment: DurationFigure
    mttr: DurationFigure
    cadence: Share
    cadence_by_severity: dict[str, Share]
    sla_by_tier: dict[str, Share]  # first responses in time, per tier
    sla_breaches: int
    told_within_day: Share
    credits: int
    credit_accounts: int
    csat: Share  # satisfied of rated
    reactions: dict[str, int]
    fcr: Share  # told reporting customers who needed no further reply
    weekly: list[tuple[str, int, timedelta | None]] = field(default_factory=list)
