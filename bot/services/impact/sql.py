"""SQL building blocks of the impact queries, and the chart's per-bar query.

Everything that differs between SQLite and PostgreSQL lives here: recognising a numeric
account id (for account-number ranges), a timestamp's exact epoch (for the chart's
bars), and the fastest way to count distinct customers per value. Trend bars themselves
need no dialect: they are counts over ranges of the (incident, created_at) index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Numeric,
    Select,
    and_,
    case,
    cast,
    extract,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from bot.account_partitions import OTHER_PARTITION, AccountPartition
from bot.models import Report, ReportFeature
from bot.services.impact.model import DimensionKey

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


def count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def created_between(
    incident_id: int,
    *,
    lower: datetime | None = None,
    upper: datetime | None = None,
    closed: str = "left",
) -> ColumnElement[Any]:
    """Reports created in [lower, upper) (or (lower, upper]): an index range count."""
    r = Report
    conditions = [r.incident_id == incident_id]
    if lower is not None:
        conditions.append(r.created_at >= lower if closed == "left" else r.created_at > lower)
    if upper is not None:
        conditions.append(r.created_at < upper if closed == "left" else r.created_at <= upper)
    return select(func.count()).where(*conditions).scalar_subquery()


def aware(value: Any) -> datetime | None:
    """Scalar subqueries lose the column type: parse SQLite's text and mark it UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def partition_in(
    column: Any, values: Sequence[str], partitions: Sequence[AccountPartition], dialect: str
) -> ColumnElement[bool]:
    """Whether an account id falls in any of ``values``: partition labels, or (the default
    grouping) leading-digit prefixes of any length, as a narrowed range names them."""
    if partitions:
        return partition_expression(column, partitions, dialect).in_(values)
    by_length: dict[int, list[str]] = {}
    for value in values:
        by_length.setdefault(len(value), []).append(value)
    return or_(
        false(), *(func.substr(column, 1, size).in_(group) for size, group in by_length.items())
    )


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


def report_expression(
    key: DimensionKey, partitions: Sequence[AccountPartition], dialect: str
) -> ColumnElement[Any]:
    """The value a report has in a dimension (features excepted: they are a table)."""
    columns = {
        DimensionKey.region: Report.region,
        DimensionKey.version: Report.product_version,
        DimensionKey.platform: Report.platform,
        DimensionKey.tier: Report.tier,
    }
    if key is DimensionKey.partition:
        return partition_expression(Report.account_id, partitions, dialect)
    return columns[key]


def bar_series(
    session: Session,
    *,
    incident_id: int,
    key: DimensionKey,
    plan: BucketPlan,
    values: Sequence[str],
    partitions: Sequence[AccountPartition],
) -> dict[str | None, list[int]]:
    """The chart's data: reports per bar for each of ``values``; all others under None."""
    dialect = session.get_bind().dialect.name
    r = Report
    bucket = _bucket(r.created_at, plan, dialect).label("bucket")
    if key is DimensionKey.feature:
        base = select(ReportFeature.feature.label("seg"), bucket).join(
            r, r.id == ReportFeature.report_id
        )
    else:
        base = select(report_expression(key, partitions, dialect).label("seg"), bucket)
    inner = base.where(r.incident_id == incident_id).subquery()
    listed = list(values)
    folded = case((inner.c.seg.in_(listed), inner.c.seg), else_=None) if listed else literal(None)
    grouped = select(folded.label("seg"), inner.c.bucket).subquery()
    series: dict[str | None, list[int]] = defaultdict(lambda: [0] * plan.count)
    rows = session.execute(
        select(grouped.c.seg, grouped.c.bucket, func.count()).group_by(
            grouped.c.seg, grouped.c.bucket
        )
    ).all()
    for seg, bucket_index, count in rows:
        series[seg][min(max(int(bucket_index), 0), plan.count - 1)] += int(count)
    return dict(series)


def per_value(
    session: Session, pairs: Select[Any], *, limit: int, naming: bool = False
) -> list[Any]:
    """Reports and distinct customers per value of ``pairs`` (value, customer), the leading
    ``limit``, each with the number of values, the totals over all of them, and the
    number of distinct customers naming any value.

    SQLite counts distinct customers fastest with ``count(DISTINCT)`` over an index in
    order; PostgreSQL sorts for every ``count(DISTINCT)`` but hashes a GROUP BY, so there
    the (value, customer) pairs are grouped once (a CTE) and everything read from them.
    """
    if session.get_bind().dialect.name == "postgresql":
        grouped = pairs.add_columns(func.count().label("n")).group_by(*pairs.selected_columns)
        p = grouped.cte("pairs").c
        reports, customers, value = func.sum(p.n), func.count(), p.value
        anyone = select(p.customer).distinct().subquery()
        naming_count = select(func.count()).select_from(anyone).scalar_subquery()
    else:
        p = pairs.subquery().c
        reports, customers, value = func.count(), func.count(func.distinct(p.customer)), p.value
        naming_count = select(func.count(func.distinct(p.customer))).scalar_subquery()
    return list(
        session.execute(
            select(
                value,
                reports,
                customers,
                func.count().over(),
                func.sum(reports).over(),
                func.sum(customers).over(),
                naming_count if naming else literal(0),
            )
            .group_by(value)
            .order_by(reports.desc(), value)
            .limit(limit)
        ).all()
    )


def _numeric_id(column: Any, dialect: str) -> ColumnElement[Any]:
    """The account id as a number when it is all digits, else NULL (never a cast error)."""
    if dialect == "postgresql":
        return case((column.regexp_match("^[0-9]+$"), cast(column, Numeric)), else_=None)
    digits = and_(column != "", not_(column.op("GLOB")("*[^0-9]*")))
    return case((digits, cast(column, Integer)), else_=None)


def _epoch_us(column: Any, dialect: str) -> ColumnElement[Any]:
    """Microseconds since 1970 of a stored (naive UTC) timestamp, exactly, as an integer.

    SQLite stores ``YYYY-MM-DD HH:MM:SS.ffffff`` text: whole seconds from strftime plus
    the six fraction digits, in integers; floating-point julian days would misplace
    reports that arrive right on a bar's edge.
    """
    if dialect == "postgresql":
        return cast(extract("epoch", column) * 1_000_000, BigInteger)
    # Whole seconds from the text without its fraction: SQLite keeps milliseconds and would
    # round 09:39:59.999999 up to 09:40:00.
    seconds = cast(func.strftime("%s", func.substr(column, 1, 19)), Integer)
    return seconds * 1_000_000 + cast(func.substr(column, 21, 6), Integer)


def _bucket(column: Any, plan: BucketPlan, dialect: str) -> ColumnElement[Any]:
    """The bar a timestamp falls in (may be <0 or past the last bar: callers clamp)."""
    start = (plan.start - _EPOCH) // timedelta(microseconds=1)
    width = plan.interval // timedelta(microseconds=1)
    offset = _epoch_us(column, dialect) - start
    if dialect == "postgresql":
        return cast(func.floor(offset / literal(width, Numeric)), BigInteger)
    # SQLite divides integers by truncating toward zero: send negatives below bar 0 first.
    return case((offset < 0, -1), else_=offset.self_group().op("/")(width))
