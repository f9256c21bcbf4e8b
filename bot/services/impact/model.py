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


class Basis(StrEnum):
    """What a dimension's reports are compared with."""

    directory = "directory"  # the accounts directory: accounts per value
    incidents = "incidents"  # other incidents' reports over IMPACT_BASELINE_WINDOW
    none = "none"  # nothing to compare with: the split is only described


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
    # Reports per source ("Zendesk", "Salesforce", "Help desk", "Slack"), most first.
    sources: tuple[tuple[str, int], ...] = ()

    @property
    def from_help_desks(self) -> bool:
        """Whether any report came in from a help desk (then the sources are worth showing)."""
        return any(label != "Slack" for label, _ in self.sources)

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
    baseline: int | None  # the value's count in the baseline (None: no baseline)
    share: float  # of all the incident's reports

    @property
    def units(self) -> int:
        """What the statistics count: customers where known (a customer filing ten
        tickets is one customer), else reports."""
        return self.customers if self.customers is not None else self.reports

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
    baseline_total: int | None = None  # the baseline's units with a known value
    absent: tuple[Segment, ...] = ()  # baseline segments without any report, biggest first
    basis: Basis = Basis.directory
    units_total: int | None = None  # units with a known value (what shares are taken of)

    @property
    def has_baseline(self) -> bool:
        return bool(self.baseline_total)

    @property
    def hidden(self) -> int:
        return max(self.distinct - len(self.segments), 0)

    @property
    def counts_customers(self) -> bool:
        return bool(self.segments) and self.segments[0].customers is not None

    @property
    def counts_accounts(self) -> bool:
        """Reporting accounts per segment are counted (region, tier, account numbers)."""
        return self.key in (DimensionKey.region, DimensionKey.tier, DimensionKey.partition)

    def elsewhere_rate(self, segment: Segment) -> float | None:
        """Share of the directory accounts outside ``segment`` that reported."""
        if self.basis is not Basis.directory or not self.counts_accounts:
            return None
        if not self.baseline_total or segment.baseline is None:
            return None
        others = self.baseline_total - segment.baseline
        if others <= 0:
            return None
        reporting = sum(s.accounts for s in self.segments) - segment.accounts
        return max(reporting, 0) / others


@dataclass(frozen=True)
class Finding:
    """A segment (or a range or group of them) that stands out: one sentence of the lead.

    ``units`` of ``total`` reporting customers (or reports) fell in it, where the baseline
    expects the share ``expected``; ``p_value`` is the adjusted chance of that by luck.
    """

    dimension: DimensionKey
    values: tuple[str, ...]
    segments: tuple[str, ...]  # labels as shown; an account-number range is one label
    units: int
    total: int
    expected: float | None  # baseline share (None: no baseline, an overwhelming split)
    basis: Basis
    p_value: float | None
    customers: bool  # units are customers (else reports)
    absent: tuple[str, ...] = ()

    @property
    def share(self) -> float:
        return self.units / self.total if self.total else 0.0

    @property
    def only(self) -> bool:
        return self.units == self.total


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
class ReportSample:
    """One recent report as the full summary shows it: who, from where, saying what."""

    customer: str
    tier: str | None
    region: str | None
    source: str  # "Zendesk", "Salesforce", "Help desk", "Slack"
    ticket_ref: str | None
    ticket_url: str | None
    summary: str
    created_at: datetime


@dataclass(frozen=True)
class ImpactSummary:
    incident: IncidentInfo
    computed_at: datetime
    totals: Totals
    dimensions: tuple[Dimension, ...]
    trend: Trend
    exposure: Exposure
    findings: tuple[Finding, ...] = ()
    hint: SeverityHint | None = None
    # Dimensions compared with a baseline (what "nothing stands out" speaks for), and
    # whether any of them fell back to other incidents' reports.
    tested: tuple[DimensionKey, ...] = ()
    enough_reports: bool = True
    # The newest reports, with where each came from (the full summary lists them).
    samples: tuple[ReportSample, ...] = ()

    @property
    def empty(self) -> bool:
        return self.totals.reports == 0

    def dimension(self, key: DimensionKey) -> Dimension:
        return next(d for d in self.dimensions if d.key == key)
