"""What an incident's reports are compared with, per dimension: the baselines.

The accounts directory first: accounts per region, tier, account-number partition, and,
where the CSV gave them, per platform, product version and enabled feature. A dimension
the directory says nothing about is compared with the reports of other incidents over
``IMPACT_BASELINE_WINDOW`` (the most recent ``RECENT_REPORTS`` of them: plenty for a
share, and a bounded cost). A dimension with neither has no baseline.

Every count here is a grouped query; Python only adds up the few rows per dimension.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from bot.account_partitions import AccountPartition
from bot.models import Account, AccountFeature, Report, ReportFeature
from bot.services.impact.model import Basis, Dimension, DimensionKey, Segment
from bot.services.impact.sql import partition_expression, report_expression
from bot.services.reports import PLATFORM_LABELS, Platform

RECENT_REPORTS = 5_000
_ABSENT_LISTED = 50


@dataclass(frozen=True)
class Baseline:
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0  # units with a known value (for features: units naming any feature)
    basis: Basis = Basis.none


def directory(
    session: Session, partitions: Sequence[AccountPartition], dialect: str
) -> dict[DimensionKey, Baseline]:
    """Accounts per value of every dimension (an empty Baseline: the CSV had no column)."""
    cube = select(
        Account.region,
        Account.tier,
        partition_expression(Account.account_id, partitions, dialect).label("part"),
        Account.platform,
    ).subquery()
    c = cube.c
    rows = session.execute(
        select(c.region, c.tier, c.part, c.platform, func.count()).group_by(
            c.region, c.tier, c.part, c.platform
        )
    ).all()
    keys = (DimensionKey.region, DimensionKey.tier, DimensionKey.partition, DimensionKey.platform)
    counts: dict[DimensionKey, Counter[str]] = {key: Counter() for key in keys}
    for *values, count in rows:
        for key, value in zip(keys, values, strict=True):
            if value is not None:
                counts[key][str(value)] += int(count)
    result = {key: _baseline(counts[key], Basis.directory) for key in keys}
    versions = session.execute(
        select(Account.product_version, func.count())
        .where(Account.product_version.is_not(None))
        .group_by(Account.product_version)
    ).all()
    result[DimensionKey.version] = _baseline(
        Counter({str(v): int(n) for v, n in versions}), Basis.directory
    )
    features = session.execute(
        select(AccountFeature.feature, func.count()).group_by(AccountFeature.feature)
    ).all()
    with_any = session.scalar(select(func.count(func.distinct(AccountFeature.account_id)))) or 0
    result[DimensionKey.feature] = Baseline(
        {str(f): int(n) for f, n in features}, int(with_any), Basis.directory
    )
    return result


def other_incidents(
    session: Session,
    *,
    incident_id: int,
    keys: Sequence[DimensionKey],
    since: datetime,
    until: datetime,
    partitions: Sequence[AccountPartition],
    dialect: str,
) -> dict[DimensionKey, Baseline]:
    """The mix of other incidents' recent reports, for the dimensions in ``keys``."""
    if not keys:
        return {}
    recent = (
        select(
            Report.id.label("id"),
            *(
                report_expression(key, partitions, dialect).label(key.value)
                for key in keys
                if key is not DimensionKey.feature
            ),
        )
        .where(
            Report.incident_id != incident_id,
            Report.created_at >= since,
            Report.created_at <= until,
        )
        .order_by(Report.created_at.desc())
        .limit(RECENT_REPORTS)
        .subquery()
    )
    result: dict[DimensionKey, Baseline] = {}
    for key in keys:
        if key is DimensionKey.feature:
            grouped: Select[tuple[object, int]] = (
                select(ReportFeature.feature, func.count())
                .join(recent, recent.c.id == ReportFeature.report_id)
                .group_by(ReportFeature.feature)
            )
            naming = select(func.count(func.distinct(ReportFeature.report_id))).join(
                recent, recent.c.id == ReportFeature.report_id
            )
            counts = {str(v): int(n) for v, n in session.execute(grouped).all()}
            total = int(session.scalar(naming) or 0)
        else:
            column: ColumnElement[object] = recent.c[key.value]
            rows = session.execute(
                select(column, func.count()).where(column.is_not(None)).group_by(column)
            ).all()
            counts = {str(v): int(n) for v, n in rows}
            total = sum(counts.values())
        if total:
            result[key] = Baseline(counts, total, Basis.incidents)
    return result


def attach(
    dimension: Dimension, baseline: Baseline | None, partitions: Sequence[AccountPartition]
) -> Dimension:
    """The dimension with each segment's baseline count, and the baseline's silent values."""
    if baseline is None or not baseline.total:
        return replace(dimension, basis=Basis.none)
    counts = baseline.counts
    segments = tuple(replace(s, baseline=counts.get(s.value, 0)) for s in dimension.segments)
    seen = {s.value for s in segments}
    absent = tuple(
        Segment(value, segment_label(dimension.key, value, partitions), 0, 0, 0, count, 0.0)
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if value not in seen
    )
    if dimension.key in (DimensionKey.version, DimensionKey.feature):
        absent = absent[:_ABSENT_LISTED]
    return replace(
        dimension,
        segments=segments,
        absent=absent,
        baseline_total=baseline.total,
        basis=baseline.basis,
    )


def segment_label(key: DimensionKey, value: str, partitions: Sequence[AccountPartition]) -> str:
    """How a stored value is shown: ``android`` -> ``Android``, partition ``4`` -> ``4…``."""
    if key is DimensionKey.platform and value in Platform.__members__.values():
        return PLATFORM_LABELS[Platform(value)]
    if key is DimensionKey.partition and not partitions:
        return f"{value}…"
    return value


def _baseline(counts: Counter[str], basis: Basis) -> Baseline:
    total = sum(counts.values())
    return Baseline(dict(counts), total, basis if total else Basis.none)
