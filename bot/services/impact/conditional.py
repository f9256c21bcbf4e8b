"""Explain, don't repeat: does a finding still stand out inside and outside a stronger one?

When every report comes from eu-south, the tiers of eu-south's accounts stand out too,
but only as an echo. The question that separates an echo from a second cause is
conditional: within eu-south's reports, is Android still over-represented against the
Android share of eu-south's accounts (and outside eu-south against the rest)?

Region, tier, account numbers and platform are counted together already (customers and
accounts per combination, ``baselines.Joint``), so those questions cost no query. A
question involving version or feature takes two grouped counts, one over the incident's
reports and one over the directory; on incidents of more than ``QUERY_LIMIT`` reports it
is not asked (the finding is kept), so the summary stays fast at 100,000 reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, select, true
from sqlalchemy.orm import Session

from bot.account_partitions import AccountPartition
from bot.models import Account, AccountFeature, Report, ReportFeature
from bot.services.impact.baselines import JOINT_KEYS, Joint
from bot.services.impact.findings import Splitter
from bot.services.impact.model import Basis, DimensionKey, Finding
from bot.services.impact.sql import partition_expression, report_expression
from bot.services.impact.stats import Test, smoothed_share

QUERY_LIMIT = 5_000


def splitter(
    session: Session,
    *,
    incident_id: int,
    partitions: Sequence[AccountPartition],
    joint: Joint | None,
    reports: int,
) -> Splitter:
    """The counts behind ``findings``' conditional question, for one incident."""
    dialect = session.get_bind().dialect.name

    def split(given: Finding, target: Finding) -> tuple[Test, Test] | None:
        if given.basis is not Basis.directory or target.basis is not Basis.directory:
            return None  # no joint baseline to compare with: keep the finding
        if joint is not None and {given.dimension, target.dimension} <= set(JOINT_KEYS):
            return _from_joint(joint, given, target)
        if reports > QUERY_LIMIT:
            return None
        counted = _counts(
            session,
            Report.customer_key,
            _report_filter(given, partitions, dialect),
            _report_filter(target, partitions, dialect),
            _report_known(target.dimension, partitions, dialect),
            Report.incident_id == incident_id,
        )
        accounts = _counts(
            session,
            Account.account_id,
            _account_filter(given, partitions, dialect),
            _account_filter(target, partitions, dialect),
            _account_known(target.dimension),
            true(),
        )
        return _tests(counted, accounts)

    return split


def _tests(
    customers: tuple[int, int, int, int], accounts: tuple[int, int, int, int]
) -> tuple[Test, Test]:
    return (
        Test(customers[0], customers[1], smoothed_share(accounts[0], accounts[1])),
        Test(customers[2], customers[3], smoothed_share(accounts[2], accounts[3])),
    )


def _from_joint(joint: Joint, given: Finding, target: Finding) -> tuple[Test, Test]:
    a, b = JOINT_KEYS.index(given.dimension), JOINT_KEYS.index(target.dimension)
    inside, hits = set(given.values), set(target.values)

    def split(cells: dict[tuple[str | None, ...], int]) -> tuple[int, int, int, int]:
        counts = [0, 0, 0, 0]
        for cell, count in cells.items():
            if cell[b] is None:
                continue
            offset = 0 if cell[a] in inside else 2
            counts[offset + 1] += count
            if cell[b] in hits:
                counts[offset] += count
        return counts[0], counts[1], counts[2], counts[3]

    return _tests(split(joint.reports), split(joint.accounts))


def _counts(
    session: Session,
    unit: Any,
    given: ColumnElement[bool],
    target: ColumnElement[bool],
    known: ColumnElement[bool],
    where: ColumnElement[bool],
) -> tuple[int, int, int, int]:
    """(target inside, known inside, target outside, known outside) of ``given``, counting
    distinct ``unit``: customers for reports, so a few accounts filing many tickets do not
    make their other traits look concentrated."""

    def distinct(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.count(func.distinct(case((condition, unit), else_=None)))

    row = session.execute(
        select(
            distinct(given & target & known),
            distinct(given & known),
            distinct(target & known),
            distinct(known),
        ).where(where)
    ).one()
    inside, inside_known, target_all, known_all = (int(v or 0) for v in row)
    return inside, inside_known, target_all - inside, known_all - inside_known


def _report_filter(
    finding: Finding, partitions: Sequence[AccountPartition], dialect: str
) -> ColumnElement[bool]:
    if finding.dimension is DimensionKey.feature:
        return exists().where(
            ReportFeature.report_id == Report.id, ReportFeature.feature.in_(finding.values)
        )
    return report_expression(finding.dimension, partitions, dialect).in_(finding.values)


def _report_known(
    key: DimensionKey, partitions: Sequence[AccountPartition], dialect: str
) -> ColumnElement[bool]:
    if key is DimensionKey.feature:
        return exists().where(ReportFeature.report_id == Report.id)
    return report_expression(key, partitions, dialect).is_not(None)


def _account_column(key: DimensionKey) -> Any:
    return {
        DimensionKey.region: Account.region,
        DimensionKey.tier: Account.tier,
        DimensionKey.platform: Account.platform,
        DimensionKey.version: Account.product_version,
    }[key]


def _account_filter(
    finding: Finding, partitions: Sequence[AccountPartition], dialect: str
) -> ColumnElement[bool]:
    key = finding.dimension
    if key is DimensionKey.feature:
        return exists().where(
            AccountFeature.account_id == Account.account_id,
            AccountFeature.feature.in_(finding.values),
        )
    if key is DimensionKey.partition:
        return partition_expression(Account.account_id, partitions, dialect).in_(finding.values)
    return _account_column(key).in_(finding.values)


def _account_known(key: DimensionKey) -> ColumnElement[bool]:
    if key is DimensionKey.feature:
        return exists().where(AccountFeature.account_id == Account.account_id)
    if key is DimensionKey.partition:
        return true()
    column: ColumnElement[Any] = _account_column(key)
    return column.is_not(None)
