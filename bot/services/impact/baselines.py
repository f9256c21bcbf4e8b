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

from sqlalchemy import func, select
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
    ).subquery()
    c = cube.c
    rows = session.execute(
        select(c.region, c.tier, c.part, func.count()).group_by(c.region, c.tier, c.part)
    ).all()
    keys = (DimensionKey.region, DimensionKey.tier, DimensionKey.partition)
    counts: dict[DimensionKey, Counter[str]] = {key: Counter() for key in keys}
    for *values, count in rows:
        for key, value in zip(keys, values, strict=True):
            if value is not None:
                counts[key][str(value)] += int(count)
    result = {key: _baseline(counts[key], Basis.directory) for key in keys}
    for key, column in ((DimensionKey.platform, Account.platform),
                        (DimensionKey.version, Account.product_version)):  # fmt: skip
        grouped = session.execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        ).all()
        result[key] = _baseline(Counter({str(v): int(n) for v, n in grouped}), Basis.directory)
    features = session.execute(
        select(AccountFeature.feature, func.count()).group_by(AccountFeature.feature)
    ).all()
    # Grouping by the key's first column walks the primary key in order: no distinct sort.
    having = select(AccountFeature.account_id).group_by(AccountFeature.account_id).subquery()
    with_any = session.scalar(select(func.count()).select_from(having)) or 0
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
    """The mix of other incidents' recent reports, for the dimensions in ``keys``.

    Two reads whatever the history: the most recent ``RECENT_REPORTS`` reports (the
    created_at index, newest first) with their values, then their features.
    """
    if not keys:
        return {}
    columns = [k for k in keys if k is not DimensionKey.feature]
    rows = session.execute(
        select(Report.id, *(report_expression(k, partitions, dialect) for k in columns))
        .where(
            Report.incident_id != incident_id,
            Report.created_at >= since,
            Report.created_at <= until,
        )
        .order_by(Report.created_at.desc())
        .limit(RECENT_REPORTS)
    ).all()
    counts: dict[DimensionKey, Counter[str]] = {k: Counter() for k in keys}
    for _, *values in rows:
        for key, value in zip(columns, values, strict=True):
            if value is not None:
                counts[key][str(value)] += 1
    totals = {key: sum(counts[key].values()) for key in columns}
    if DimensionKey.feature in keys and rows:
        ids = [row[0] for row in rows]
        features = session.execute(
            select(ReportFeature.report_id, ReportFeature.feature).where(
                ReportFeature.report_id.in_(ids)
            )
        ).all()
        counts[DimensionKey.feature].update(str(feature) for _, feature in features)
        totals[DimensionKey.feature] = len({report_id for report_id, _ in features})
    return {
        key: Baseline(dict(counts[key]), totals[key], Basis.incidents)
        for key in keys
        if totals.get(key)
    }


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
