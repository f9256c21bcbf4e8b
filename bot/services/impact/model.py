"""What the impact summary knows about one incident: plain, frozen data.

The aggregation (``aggregate``) fills these from grouped queries, the analysis
(``analysis``) derives patterns, trend and the severity hint from them, and the Block Kit
builders and templates only read them, so each step can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

SPARK_BARS = "▁▂▃▄▅▆▇█"


class DimensionKey(StrEnum):
    """The ways reports are broken down, in the order the full summary lists them."""

    region = "region"
    partition = "partition"
    version = "version"
    platform = "platform"
    feature = "feature"
    tier = "tier"


class Direction(StrEnum):
    rising = "rising"
    steady = "steady"
    falling = "falling"
    quiet = "quiet"  # no report in the last two windows


class HighlightKind(StrEnum):
    only = "only"  # every report is in one segment
    dominant = "dominant"  # one segment holds most reports
    concentrate = "concentrate"  # two or three segments hold most reports
    overrepresented = "overrepresented"  # far more of the segment's accounts report


@dataclass(frozen=True)
class IncidentInfo:
    id: int
    title: str
    severity: str
    status: str
    channel_id: str | None
    opened_at: datetime
    resolved_at: datetime | None
    is_major: bool

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class Totals:
    reports: int
    customers: int
    tickets: int  # reports carrying a ticket reference
    vip_customers: int  # VIP accounts of the directory among the reporters
    # Distinct reporting accounts found in the accounts directory, and its size.
    accounts_reporting: int
    directory_accounts: int
    first_report_at: datetime | None
    last_report_at: datetime | None

    @property
    def share_of_base(self) -> float | None:
        """Share of the customer base reporting; None until a directory is loaded."""
        if not self.directory_accounts:
            return None
        return self.accounts_reporting / self.directory_accounts


@dataclass(frozen=True)
class Segment:
    """One value of a dimension (eu-south, version 5.1) and who reported from it."""

    value: str
    label: str
    reports: int
    customers: int | None  # counted for region, tier and account partition
    accounts: int  # distinct directory accounts among its reports
    baseline: int | None  # accounts in the directory with this value (None: no baseline)
    share: float  # of all the incident's reports

    @property
    def rate(self) -> float | None:
        """Share of the segment's accounts that reported."""
        if not self.baseline:
            return None
        return self.accounts / self.baseline


@dataclass(frozen=True)
class Dimension:
    key: DimensionKey
    segments: tuple[Segment, ...]  # most reports first
    distinct: int  # distinct known values among the reports
    known_reports: int | None  # reports with a value in this dimension (None: not counted)
    baseline_total: int | None = None  # directory accounts with a known value
    absent: tuple[Segment, ...] = ()  # directory segments without any report, biggest first

    @property
    def has_baseline(self) -> bool:
        return bool(self.baseline_total)

    @property
    def hidden(self) -> int:
        return max(self.distinct - len(self.segments), 0)

    def elsewhere_rate(self, segment: Segment) -> float | None:
        """Share of the accounts outside ``segment`` that reported."""
        if not self.baseline_total or segment.baseline is None:
            return None
        others = self.baseline_total - segment.baseline
        if others <= 0:
            return None
        reporting = sum(s.accounts for s in self.segments) - segment.accounts
        return max(reporting, 0) / others


@dataclass(frozen=True)
class Highlight:
    """A pattern worth leading with, rendered as one sentence by impact/highlight.j2."""

    kind: HighlightKind
    dimension: DimensionKey
    segments: tuple[str, ...]
    share: float
    score: float
    absent: tuple[str, ...] = ()
    accounts: int | None = None
    baseline: int | None = None
    rate: float | None = None
    elsewhere: float | None = None


@dataclass(frozen=True)
class Trend:
    start: datetime
    interval: timedelta
    counts: tuple[int, ...]
    window: timedelta
    recent: int
    previous: int
    direction: Direction | None
    since_last: timedelta | None

    @property
    def sparkline(self) -> str:
        peak = max(self.counts, default=0)
        if not peak:
            return SPARK_BARS[0] * len(self.counts)
        top = len(SPARK_BARS) - 1
        return "".join(
            SPARK_BARS[0 if not c else max(1, round(c / peak * top))] for c in self.counts
        )


@dataclass(frozen=True)
class Exposure:
    due_soon: int  # open tickets whose first response is due within ``window``
    breached: int  # tickets past their first-response deadline
    window: timedelta
    vip_names: tuple[str, ...]
    vip_count: int


@dataclass(frozen=True)
class SeverityHint:
    current: str
    suggested: str
    reasons: tuple[str, ...]  # "customers", "vips", "rising"
    customers: int
    vips: int
    customer_threshold: int
    vip_threshold: int


@dataclass(frozen=True)
class ImpactSummary:
    incident: IncidentInfo
    computed_at: datetime
    totals: Totals
    dimensions: tuple[Dimension, ...]
    trend: Trend
    exposure: Exposure
    highlights: tuple[Highlight, ...] = ()
    hint: SeverityHint | None = None

    @property
    def empty(self) -> bool:
        return self.totals.reports == 0

    def dimension(self, key: DimensionKey) -> Dimension:
        return next(d for d in self.dimensions if d.key == key)
