"""The grouped queries behind the impact summary; every count is computed by the database.

An incident can gather 100,000 reports, so nothing here loads reports into Python: one
scan of the incident's reports yields totals, trend bars, exposure and distinct counts;
one grouped query per dimension yields its segments; the accounts directory gives the
baseline. The same SQL runs on SQLite and PostgreSQL (the few dialect differences, like
recognising a numeric account id, are isolated in ``_numeric_id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Numeric,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    not_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.account_partitions import OTHER_PARTITION, AccountPartition
from bot.models import Account, Report, ReportFeature
from bot.services.impact.model import Dimension, DimensionKey, Exposure, Segment, Totals
from bot.services.reports import PLATFORM_LABELS, Platform

# Segments fetched per dimension: enough for any summary, bounded for 10,000 versions.
SEGMENT_ROWS = 100
VIP_NAMES = 25
BASELINE_DIMENSIONS = (DimensionKey.region, DimensionKey.tier, DimensionKey.partition)


@dataclass(frozen=True)
class BucketPlan:
    """Trend bars: ``count`` intervals of ``interval`` from ``start`` (the last one running)."""

    start: datetime
    interval: timedelta
    count: int

    def edges(self) -> list[datetime]:
        return [self.start + self.interval * i for i in range(self.count + 1)]


def plan_buckets(start: datetime, end: datetime, base: timedelta, bars: int) -> BucketPlan:
    """Bars of ``base`` width since ``start``; widened (whole multiples) past ``bars`` bars."""
    elapsed = max(end - start, timedelta(0))
    count = elapsed // base + 1
    interval = base
    if count > bars:
        interval = base * -(-count // bars)
        count = elapsed // interval + 1
    return BucketPlan(start=start, interval=interval, count=count)


@dataclass(frozen=True)
class Scan:
    """What one pass over the incident's reports yields."""

    totals: Totals
    bars: tuple[int, ...]
    recent: int
    previous: int
    due_soon: int
    breached: int
    known: dict[DimensionKey, int]
    distinct: dict[DimensionKey, int]


def scan_reports(
    session: Session,
    *,
    incident_id: int,
    now: datetime,
    plan: BucketPlan,
    window: timedelta,
    exposure_window: timedelta,
    partitions: Sequence[AccountPartition],
) -> Scan:
    """Totals, trend bars, trend windows and SLA exposure in a single query."""
    r = Report
    dialect = session.get_bind().dialect.name
    partition = partition_expression(r.account_id, partitions, dialect)
    columns: dict[str, Any] = {
        "reports": func.count(r.id),
        "customers": func.count(distinct(r.customer_key)),
        "tickets": func.count(distinct(r.ticket_ref)),
        "vips": func.count(distinct(case((r.vip == true(), r.customer_key)))),
        "accounts": func.count(distinct(r.account_id)),
        "first": func.min(r.created_at),
        "last": func.max(r.created_at),
        "recent": _count_if(and_(r.created_at > now - window, r.created_at <= now)),
        "previous": _count_if(and_(r.created_at > now - 2 * window, r.created_at <= now - window)),
        "due_soon": _count_if(
            and_(
                r.responded_at.is_(None),
                r.breached_at.is_(None),
                r.first_response_due_at >= now,
                r.first_response_due_at < now + exposure_window,
            )
        ),
        "breached": _count_if(
            (r.breached_at.is_not(None))
            | (r.responded_at.is_(None) & (r.first_response_due_at < now))
        ),
    }
    plain = _plain_columns()
    for key, column in plain.items():
        columns[f"known_{key}"] = func.count(column)
        columns[f"distinct_{key}"] = func.count(distinct(column))
    columns["known_partition"] = func.count(partition)
    columns["distinct_partition"] = func.count(distinct(partition))
    edges = plan.edges()
    for index in range(plan.count):
        lower = r.created_at >= edges[index] if index else true()
        upper = r.created_at < edges[index + 1] if index < plan.count - 1 else true()
        columns[f"bar_{index}"] = _count_if(and_(lower, upper))
    row = (
        session.execute(
            select(*(column.label(name) for name, column in columns.items())).where(
                r.incident_id == incident_id
            )
        )
        .one()
        ._mapping
    )
    directory = session.scalar(select(func.count()).select_from(Account)) or 0
    totals = Totals(
        reports=int(row["reports"]),
        customers=int(row["customers"]),
        tickets=int(row["tickets"]),
        vip_customers=int(row["vips"]),
        accounts_reporting=int(row["accounts"]),
        directory_accounts=int(directory),
        first_report_at=row["first"],
        last_report_at=row["last"],
    )
    keys = [*plain, DimensionKey.partition]
    return Scan(
        totals=totals,
        bars=tuple(int(row[f"bar_{i}"] or 0) for i in range(plan.count)),
        recent=int(row["recent"] or 0),
        previous=int(row["previous"] or 0),
        due_soon=int(row["due_soon"] or 0),
        breached=int(row["breached"] or 0),
        known={key: int(row[f"known_{key}"]) for key in keys},
        distinct={key: int(row[f"distinct_{key}"]) for key in keys},
    )


def load_dimensions(
    session: Session,
    *,
    incident_id: int,
    scan: Scan,
    partitions: Sequence[AccountPartition],
) -> tuple[Dimension, ...]:
    """Every dimension's segments (most reports first), with directory baselines."""
    dialect = session.get_bind().dialect.name
    total = scan.totals.reports
    dimensions = []
    for key in DimensionKey:
        if key is DimensionKey.feature:
            dimensions.append(_feature_dimension(session, incident_id, total))
            continue
        expression = _report_expression(key, partitions, dialect)
        rows = _grouped(session, expression, incident_id)
        baseline = (
            _baseline(session, key, partitions, dialect)
            if key in BASELINE_DIMENSIONS and scan.totals.directory_accounts
            else None
        )
        segments = tuple(
            Segment(
                value=value,
                label=segment_label(key, value, partitions),
                reports=reports,
                customers=customers,
                accounts=accounts,
                baseline=(baseline.get(value, 0) if baseline is not None else None),
                share=reports / total if total else 0.0,
            )
            for value, reports, customers, accounts in rows
        )
        absent: tuple[Segment, ...] = ()
        if baseline is not None:
            reported = {segment.value for segment in segments}
            absent = tuple(
                Segment(value, segment_label(key, value, partitions), 0, 0, 0, count, 0.0)
                for value, count in sorted(baseline.items(), key=lambda item: (-item[1], item[0]))
                if value not in reported
            )
        dimensions.append(
            Dimension(
                key=key,
                segments=segments,
                distinct=scan.distinct[key],
                known_reports=scan.known[key],
                baseline_total=sum(baseline.values()) if baseline is not None else None,
                absent=absent,
            )
        )
    return tuple(dimensions)


def load_exposure(session: Session, *, incident_id: int, scan: Scan, window: timedelta) -> Exposure:
    """SLA exposure from the scan, plus the VIP customers among the reporters by name."""
    names = session.scalars(
        select(func.min(Report.customer_name))
        .where(Report.incident_id == incident_id, Report.vip == true())
        .group_by(Report.customer_key)
        .order_by(func.min(Report.customer_name))
        .limit(VIP_NAMES)
    ).all()
    return Exposure(
        due_soon=scan.due_soon,
        breached=scan.breached,
        window=window,
        vip_names=tuple(names),
        vip_count=scan.totals.vip_customers,
    )


def bar_series(
    session: Session,
    *,
    incident_id: int,
    key: DimensionKey,
    plan: BucketPlan,
    values: Sequence[str],
    partitions: Sequence[AccountPartition],
) -> dict[str | None, list[int]]:
    """Reports per trend bar for each of ``values`` of one dimension; the rest under None."""
    dialect = session.get_bind().dialect.name
    r = Report
    if key is DimensionKey.feature:
        base = select(ReportFeature.feature.label("seg"), r.created_at).join(
            r, r.id == ReportFeature.report_id
        )
    else:
        base = select(_report_expression(key, partitions, dialect).label("seg"), r.created_at)
    inner = base.where(r.incident_id == incident_id).subquery()
    folded = (
        case((inner.c.seg.in_(list(values)), inner.c.seg), else_=literal(None))
        if values
        else literal(None)
    )
    grouped = select(folded.label("seg"), inner.c.created_at).subquery()
    edges = plan.edges()
    bars = []
    for index in range(plan.count):
        lower = grouped.c.created_at >= edges[index] if index else true()
        upper = grouped.c.created_at < edges[index + 1] if index < plan.count - 1 else true()
        bars.append(_count_if(and_(lower, upper)).label(f"bar_{index}"))
    rows = session.execute(select(grouped.c.seg, *bars).group_by(grouped.c.seg)).all()
    return {row[0]: [int(count or 0) for count in row[1:]] for row in rows}


def segment_label(key: DimensionKey, value: str, partitions: Sequence[AccountPartition]) -> str:
    """How a stored value is shown: ``android`` -> ``Android``, partition ``4`` -> ``4…``."""
    if key is DimensionKey.platform and value in Platform.__members__.values():
        return PLATFORM_LABELS[Platform(value)]
    if key is DimensionKey.partition and not partitions:
        return f"{value}…"
    return value


def partition_expression(
    column: Any, partitions: Sequence[AccountPartition], dialect: str
) -> ColumnElement[Any]:
    """SQL giving an account id's partition label (NULL for reports without an account)."""
    if not partitions:
        return func.substr(column, 1, 1)
    number = _numeric_id(column, dialect)
    whens = []
    for partition in partitions:
        bounds = [true()]
        if partition.low is not None:
            bounds.append(number >= partition.low)
        if partition.high is not None:
            bounds.append(number <= partition.high)
        whens.append((and_(number.is_not(None), *bounds), literal(partition.label)))
    return case((column.is_(None), literal(None)), *whens, else_=literal(OTHER_PARTITION))


def _numeric_id(column: Any, dialect: str) -> ColumnElement[Any]:
    """The account id as a number when it is all digits, else NULL (never a cast error)."""
    if dialect == "postgresql":
        return case((column.regexp_match("^[0-9]+$"), cast(column, Numeric)), else_=None)
    digits = and_(column != "", not_(column.op("GLOB")("*[^0-9]*")))
    return case((digits, cast(column, Integer)), else_=None)


def _plain_columns() -> dict[DimensionKey, InstrumentedAttribute[Any]]:
    return {
        DimensionKey.region: Report.region,
        DimensionKey.version: Report.product_version,
        DimensionKey.platform: Report.platform,
        DimensionKey.tier: Report.tier,
    }


def _report_expression(
    key: DimensionKey, partitions: Sequence[AccountPartition], dialect: str
) -> ColumnElement[Any]:
    if key is DimensionKey.partition:
        return partition_expression(Report.account_id, partitions, dialect)
    return _plain_columns()[key]


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _grouped(
    session: Session, expression: ColumnElement[Any], incident_id: int
) -> list[tuple[str, int, int, int]]:
    """(value, reports, distinct customers, distinct accounts) per value, biggest first.

    The expression is computed in a subquery and grouped by name: PostgreSQL rejects a
    GROUP BY repeating an expression whose parameters are bound separately.
    """
    r = Report
    inner = (
        select(expression.label("seg"), r.customer_key, r.account_id)
        .where(r.incident_id == incident_id)
        .subquery()
    )
    reports = func.count()
    rows = session.execute(
        select(
            inner.c.seg,
            reports,
            func.count(distinct(inner.c.customer_key)),
            func.count(distinct(inner.c.account_id)),
        )
        .where(inner.c.seg.is_not(None))
        .group_by(inner.c.seg)
        .order_by(reports.desc(), inner.c.seg)
        .limit(SEGMENT_ROWS)
    ).all()
    return [(str(v), int(n), int(c), int(a)) for v, n, c, a in rows]


def _feature_dimension(session: Session, incident_id: int, total: int) -> Dimension:
    r, f = Report, ReportFeature
    joined = select(f.feature, f.report_id, r.customer_key, r.account_id).join(
        r, r.id == f.report_id
    )
    inner = joined.where(r.incident_id == incident_id).subquery()
    reports = func.count(distinct(inner.c.report_id))
    rows = session.execute(
        select(
            inner.c.feature,
            reports,
            func.count(distinct(inner.c.customer_key)),
            func.count(distinct(inner.c.account_id)),
        )
        .group_by(inner.c.feature)
        .order_by(reports.desc(), inner.c.feature)
        .limit(SEGMENT_ROWS)
    ).all()
    distinct_features, known = session.execute(
        select(func.count(distinct(inner.c.feature)), func.count(distinct(inner.c.report_id)))
    ).one()
    segments = tuple(
        Segment(str(v), str(v), int(n), int(c), int(a), None, int(n) / total if total else 0.0)
        for v, n, c, a in rows
    )
    return Dimension(
        key=DimensionKey.feature,
        segments=segments,
        distinct=int(distinct_features),
        known_reports=int(known),
    )


def _baseline(
    session: Session, key: DimensionKey, partitions: Sequence[AccountPartition], dialect: str
) -> dict[str, int]:
    """Accounts in the directory per value of ``key`` (the "share of all accounts")."""
    if key is DimensionKey.partition:
        expression = partition_expression(Account.account_id, partitions, dialect)
    else:
        expression = Account.region if key is DimensionKey.region else Account.tier
    inner = select(expression.label("seg")).subquery()
    rows = session.execute(
        select(inner.c.seg, func.count()).where(inner.c.seg.is_not(None)).group_by(inner.c.seg)
    ).all()
    return {str(value): int(count) for value, count in rows}
