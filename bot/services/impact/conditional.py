"""Explain, don't repeat: does a finding still stand out inside and outside a stronger one?

When every report comes from eu-south, the tiers of eu-south's accounts stand out too,
but only as an echo. The question that separates an echo from a second cause is
conditional: within eu-south's reports, is Android still over-represented against the
Android share of eu-south's accounts (and outside eu-south against the rest)?

Two grouped counts answer it, one over the incident's reports (customer by customer) and
one over the directory; they run only when two dimensions both have a call. Region, tier,
account number and platform are all in the (incident, customer, ...) index, so those
questions read that index alone; a question involving version or feature reads the
reports' rows, and on incidents of more than ``QUERY_LIMIT`` reports it is not asked (the
finding is kept), so the summary stays fast at 100,000 reports.

``outside`` asks the same kind of question for account-number ranges: the customers and
directory accounts per partition outside the strongest other finding (two grouped
counts, once per summary, up to ``QUERY_LIMIT`` reports), so a range sharing the
reports with a second cause is tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, select, true
from sqlalchemy.orm import Session

from bot.account_partitions import AccountPartition
from bot.models import Account, AccountFeature, Report, ReportFeature
from bot.services.impact.findings import Outside, Splitter
from bot.services.impact.model import Basis, DimensionKey, Finding
from bot.services.impact.sql import (
    count_if,
    partition_expression,
    partition_in,
    report_expression,
)
from bot.services.impact.stats import BinomialTest, smoothed_share

QUERY_LIMIT = 5_000
# Questions asked of the database per summary at most; beyond, findings are kept as they
# are (several independent concentrations in one incident are rare, and speed matters).
QUESTIONS = 6


# Dimensions whose report columns the (incident, customer, ...) index holds.
_INDEXED = {DimensionKey.region, DimensionKey.tier, DimensionKey.partition, DimensionKey.platform}


def splitter(
    session: Session,
    *,
    incident_id: int,
    partitions: Sequence[AccountPartition],
    reports: int,
) -> Splitter:
    """The counts behind ``findings``' conditional question, for one incident."""
    dialect = session.get_bind().dialect.name
    asked: list[Finding] = []

    def split(given: Finding, target: Finding) -> tuple[BinomialTest, BinomialTest] | None:
        if given.basis is not Basis.directory or target.basis is not Basis.directory:
            return None  # no joint baseline to compare with: keep the finding
        indexed = {given.dimension, target.dimension} <= _INDEXED
        if (not indexed and reports > QUERY_LIMIT) or len(asked) >= QUESTIONS:
            return None
        asked.append(target)
        customers = _customer_counts(
            session,
            _report_filter(given, partitions, dialect),
            _report_filter(target, partitions, dialect),
            _report_known(target.dimension, partitions, dialect),
            Report.incident_id == incident_id,
        )
        accounts = _account_counts(
            session,
            _account_filter(given, partitions, dialect),
            _account_filter(target, partitions, dialect),
            _account_known(target.dimension),
        )
        return _tests(customers, accounts)

    return split


def outside(
    session: Session,
    *,
    incident_id: int,
    partitions: Sequence[AccountPartition],
    reports: int,
) -> Outside:
    """Customers and directory accounts per account-number partition outside a finding.

    Two causes share an incident's reports: the reports of one (version 4.5) dilute the
    other (account numbers 3…–5…). Without them the range is tested on its own counts.
    """
    dialect = session.get_bind().dialect.name
    # Asked for the same finding twice (the second look, then the range's ends): once.
    asked: dict[tuple[DimensionKey, tuple[str, ...]], list[tuple[str, int, int]] | None] = {}

    def remembered(given: Finding) -> list[tuple[str, int, int]] | None:
        key = (given.dimension, given.values)
        if key not in asked:
            asked[key] = counts(given)
        return asked[key]

    def counts(given: Finding) -> list[tuple[str, int, int]] | None:
        if given.basis is not Basis.directory or given.dimension is DimensionKey.partition:
            return None
        if reports > QUERY_LIMIT:
            return None  # so many reports that a diluted range still shows; stay fast
        part = partition_expression(Report.account_id, partitions, dialect)
        customers = session.execute(
            select(part, func.count(func.distinct(Report.customer_key)))
            .where(
                Report.incident_id == incident_id,
                part.is_not(None),
                ~_report_filter(given, partitions, dialect),
            )
            .group_by(part)
        ).all()
        account_part = partition_expression(Account.account_id, partitions, dialect)
        accounts = session.execute(
            select(account_part, func.count())
            .select_from(Account)
            .where(~_account_filter(given, partitions, dialect))
            .group_by(account_part)
        ).all()
        by_value = {str(v): int(c) for v, c in accounts if v is not None}
        units = {str(v): int(c) for v, c in customers if v is not None}
        return [(v, units.get(v, 0), base) for v, base in by_value.items()]

    return remembered


def _tests(
    customers: tuple[int, int, int, int], accounts: tuple[int, int, int, int]
) -> tuple[BinomialTest, BinomialTest]:
    return (
        BinomialTest(customers[0], customers[1], smoothed_share(accounts[0], accounts[1])),
        BinomialTest(customers[2], customers[3], smoothed_share(accounts[2], accounts[3])),
    )


def _customer_counts(
    session: Session,
    given: ColumnElement[bool],
    target: ColumnElement[bool],
    known: ColumnElement[bool],
    where: ColumnElement[bool],
) -> tuple[int, int, int, int]:
    """Customers (target inside, known inside, target outside, known outside) of ``given``:
    one row per customer first (in the index's order), so a few accounts filing many
    tickets do not make their other traits look concentrated."""

    def flag(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.max(case((condition, 1), else_=0))

    per_customer = (
        select(
            flag(given & target & known).label("inside"),
            flag(given & known).label("inside_known"),
            flag(target & known).label("target"),
            flag(known).label("known"),
        )
        .where(where)
        .group_by(Report.customer_key)
        .subquery()
    )
    c = per_customer.c
    row = session.execute(
        select(func.sum(c.inside), func.sum(c.inside_known), func.sum(c.target), func.sum(c.known))
    ).one()
    inside, inside_known, target_all, known_all = (int(v or 0) for v in row)
    return inside, inside_known, target_all - inside, known_all - inside_known


def _account_counts(
    session: Session,
    given: ColumnElement[bool],
    target: ColumnElement[bool],
    known: ColumnElement[bool],
) -> tuple[int, int, int, int]:
    """Directory accounts, the same four counts."""
    row = session.execute(
        select(
            count_if(given & target & known),
            count_if(given & known),
            count_if(target & known),
            count_if(known),
        ).select_from(Account)
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
    if finding.dimension is DimensionKey.partition:
        return partition_in(Report.account_id, finding.values, partitions, dialect)
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
        return partition_in(Account.account_id, finding.values, partitions, dialect)
    return _account_column(key).in_(finding.values)


def _account_known(key: DimensionKey) -> ColumnElement[bool]:
    if key is DimensionKey.feature:
        return exists().where(AccountFeature.account_id == Account.account_id)
    if key is DimensionKey.partition:
        return true()
    column: ColumnElement[Any] = _account_column(key)
    return column.is_not(None)
