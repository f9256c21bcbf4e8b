"""The grouped queries behind the impact summary; every count is computed by the database.

An incident can gather 100,000 reports, so nothing here loads reports into Python, and
the number of passes over them is fixed whatever their count:

1. report count, trend bars and windows, first and last report: counts over ranges of
   the (incident, created_at) index;
2. one row per customer, from the (incident, customer, region, tier, account, vip)
   index alone, grouped again by region, tier and account partition: reports, customers,
   directory accounts, VIPs;
3. the one read of the reports' rows: tickets, SLA exposure, and how many reports name
   each dimension;
4. reports and customers per product version and per platform (the (incident, value,
   customer) indexes alone, in order);
5. reports and customers per feature (a join of two indexes); 6. the VIP customers' names;
7. the baselines (``baselines``): the accounts directory per region, tier, partition,
   platform, version and feature, and other incidents' recent reports where the
   directory says nothing.

Queries 2 and 7 group by a combination of small dimensions (a dozen regions, three
tiers, a few partitions) and Python adds up those few rows per dimension, because SQLite
has no GROUPING SETS.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from bot.account_partitions import AccountPartition
from bot.models import Account, Report, ReportFeature
from bot.services.helpdesk.model import SOURCE_LABELS, TicketSource
from bot.services.impact import baselines
from bot.services.impact.baselines import segment_label
from bot.services.impact.model import Dimension, DimensionKey, Exposure, Segment, Totals
from bot.services.impact.sql import (
    BucketPlan,
    aware,
    count_if,
    created_between,
    partition_expression,
    per_value,
)

# Segments fetched for unbounded dimensions: plenty for any summary, bounded for 10,000
# free-text versions (their number is still counted).
SEGMENT_ROWS = 100
VIP_NAMES = 25
# SQLite reads the whole table rather than search the incident index row by row when the
# incident holds more than 1/FULL_SCAN_SHARE of all reports (see _tickets).
FULL_SCAN_SHARE = 5
# Dimensions rolled up from the per-customer query (2) and the directory baseline (7).
CUBE = (DimensionKey.region, DimensionKey.tier, DimensionKey.partition)
# Dimensions counted from their own (incident, value, customer) index (4).
LISTED = {
    DimensionKey.version: Report.product_version,
    DimensionKey.platform: Report.platform,
}


@dataclass(frozen=True)
class Timeline:
    """Query 1: when the incident's reports came in."""

    reports: int
    first: datetime | None
    last: datetime | None
    bars: tuple[int, ...]
    recent: int  # in the last trend window
    previous: int  # in the window before


def timeline(
    session: Session, *, incident_id: int, now: datetime, plan: BucketPlan, window: timedelta
) -> Timeline:
    """Counts over ranges of the (incident, created_at) index: no pass over the reports."""
    r = Report
    edges = plan.edges()
    bars = [
        created_between(incident_id, lower=edges[i] if i else None, upper=edges[i + 1])
        for i in range(plan.count - 1)
    ]
    bars.append(created_between(incident_id, lower=edges[-2] if plan.count > 1 else None))
    in_incident = r.incident_id == incident_id
    reports, first, last, recent, previous, *bar_counts = session.execute(
        select(
            created_between(incident_id),
            select(func.min(r.created_at)).where(in_incident).scalar_subquery(),
            select(func.max(r.created_at)).where(in_incident).scalar_subquery(),
            created_between(incident_id, lower=now - window, upper=now, closed="right"),
            created_between(
                incident_id, lower=now - 2 * window, upper=now - window, closed="right"
            ),
            *bars,
        )
    ).one()
    return Timeline(
        reports=int(reports),
        first=aware(first),
        last=aware(last),
        bars=tuple(int(count) for count in bar_counts),
        recent=int(recent),
        previous=int(previous),
    )


def breakdown(
    session: Session,
    *,
    incident_id: int,
    reports: int,
    partitions: Sequence[AccountPartition],
    now: datetime,
    exposure_window: timedelta,
    baseline_window: timedelta,
) -> tuple[tuple[Dimension, ...], Totals, Exposure]:
    """Queries 2 to 8: every dimension's segments and baseline, the totals and exposure."""
    dialect = session.get_bind().dialect.name
    people = _customers(session, incident_id, partitions, dialect)
    sums = _row_sums(session, incident_id, reports, dialect, now, exposure_window)
    directory = baselines.directory(session, partitions, dialect)
    directory_accounts = directory[DimensionKey.partition].total
    missing = [key for key in DimensionKey if not directory[key].total]
    fallback = baselines.other_incidents(
        session,
        incident_id=incident_id,
        keys=missing,
        since=now - baseline_window,
        until=now,
        partitions=partitions,
        dialect=dialect,
    )
    known = sums.known
    dimensions = []
    for key in DimensionKey:
        base = directory[key] if directory[key].total else fallback.get(key)
        if key in CUBE:
            dimension = _cube_dimension(key, people.cube[key], known[key], reports, partitions)
        elif key in LISTED:
            rows, groups, named, customers = _listed_counts(session, incident_id, LISTED[key])
            dimension = _listed(key, rows, groups, named, customers, reports)
        else:
            rows, groups, customers = _features(session, incident_id)
            dimension = _listed(key, rows, groups, None, customers, reports)
        dimensions.append(baselines.attach(dimension, base, partitions))
    totals = Totals(
        reports=reports,
        customers=people.customers,
        tickets=sums.tickets,
        sources=sums.sources,
        vip_customers=people.vips,
        accounts_reporting=people.accounts,
        directory_accounts=directory_accounts,
        first_report_at=None,
        last_report_at=None,
    )
    exposure = Exposure(
        due_soon=sums.due_soon,
        breached=sums.breached,
        window=exposure_window,
        vip_names=_vip_names(session, incident_id),
        vip_count=people.vips,
    )
    return tuple(dimensions), totals, exposure


def directory_size(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Account)) or 0)


CubeRows = dict[DimensionKey, dict[str, list[int]]]


@dataclass(frozen=True)
class _People:
    cube: CubeRows
    customers: int
    accounts: int
    vips: int


@dataclass(frozen=True)
class _RowSums:
    tickets: int
    due_soon: int
    breached: int
    known: dict[DimensionKey, int]
    sources: tuple[tuple[str, int], ...]  # ("Zendesk", 30), ("Slack", 12): most first


def _customers(
    session: Session, incident_id: int, partitions: Sequence[AccountPartition], dialect: str
) -> _People:
    """Query 2: reports, customers, accounts and VIPs per region, tier and partition.

    One row per customer first, read from the (incident, customer, ...) index alone and in
    its order, so neither the reports' rows nor a sort are needed; those rows are then
    grouped by the customer's region, tier and partition. A customer's region and tier are
    their account's (directory customers) or the value their reports give (the greatest,
    if several differ).
    """
    r = Report
    per_customer = (
        select(
            func.max(r.region).label("region"),
            func.max(r.tier).label("tier"),
            func.max(r.account_id).label("account"),
            func.max(case((r.vip == true(), 1), else_=0)).label("vip"),
            func.count().label("reports"),
        )
        .where(r.incident_id == incident_id)
        .group_by(r.customer_key)
        .subquery()
    )
    c = per_customer.c
    cells = select(c, partition_expression(c.account, partitions, dialect).label("part"))
    k = cells.subquery().c
    rows = session.execute(
        select(
            k.region,
            k.tier,
            k.part,
            func.sum(k.reports),
            func.count(),
            func.count(k.account),
            func.sum(case((k.account.is_not(None), k.vip), else_=0)),
        ).group_by(k.region, k.tier, k.part)
    ).all()
    cube: CubeRows = {key: defaultdict(lambda: [0, 0, 0]) for key in CUBE}
    customers = accounts = vips = 0
    for region, tier, part, reports, people, account_count, vip_count in rows:
        customers += int(people)
        accounts += int(account_count)
        vips += int(vip_count or 0)
        for key, value in zip(CUBE, (region, tier, part), strict=True):
            if value is not None:
                cell = cube[key][str(value)]
                cell[0] += int(reports)
                cell[1] += int(people)
                cell[2] += int(account_count)
    return _People(cube=cube, customers=customers, accounts=accounts, vips=vips)


def _row_sums(
    session: Session,
    incident_id: int,
    reports: int,
    dialect: str,
    now: datetime,
    exposure_window: timedelta,
) -> _RowSums:
    """Query 3: tickets, SLA exposure, and how many reports name each dimension.

    SQLite keeps no statistics unless ANALYZE runs, so it always reaches rows through the
    incident index: one b-tree search per report. When the incident holds a large share of
    all reports, reading the whole table in order is several times faster, so the index is
    then bypassed (``incident_id + 0`` cannot use it). PostgreSQL's planner decides alone.
    """
    r = Report
    incident = r.incident_id == incident_id
    if dialect == "sqlite":
        stored = session.scalar(select(func.max(r.id))) or 0
        if reports * FULL_SCAN_SHARE > stored:
            incident = (r.incident_id + 0) == incident_id
    unanswered = r.responded_at.is_(None)
    due = r.first_response_due_at
    row = session.execute(
        select(
            func.count(r.ticket_ref),
            count_if(
                unanswered & r.breached_at.is_(None) & (due >= now) & (due < now + exposure_window)
            ),
            count_if(r.breached_at.is_not(None) | (unanswered & (due < now))),
            func.count(r.region),
            func.count(r.tier),
            func.count(r.account_id),
            *(count_if(r.submission_key.like(f"{source.value}:%")) for source in TicketSource),
        ).where(incident)
    ).one()
    tickets, due_soon, breached, region, tier, accounts, *desks = (int(v or 0) for v in row)
    counts = {SOURCE_LABELS[source]: n for source, n in zip(TicketSource, desks, strict=True)}
    counts["Slack"] = reports - sum(desks)  # the report modal and the message shortcut
    return _RowSums(
        sources=tuple(sorted(((k, n) for k, n in counts.items() if n), key=lambda i: -i[1])),
        tickets=tickets,
        due_soon=due_soon,
        breached=breached,
        known={
            DimensionKey.region: region,
            DimensionKey.tier: tier,
            DimensionKey.partition: accounts,
        },
    )


def _listed_counts(
    session: Session, incident_id: int, column: Any
) -> tuple[list[tuple[str, int, int]], int, int, int]:
    """Query 4: the leading versions (or platforms) with their reports and customers, how
    many values, and how many reports and customers name one.

    Read from the (incident, value, customer) index alone. A customer naming two versions
    counts once for each: the statistics' unit is a customer with a value.
    """
    rows = per_value(
        session,
        select(column.label("value"), Report.customer_key.label("customer")).where(
            Report.incident_id == incident_id, column.is_not(None)
        ),
        limit=SEGMENT_ROWS,
    )
    if not rows:
        return [], 0, 0, 0
    first = rows[0]
    return (
        [(str(v), int(n), int(c)) for v, n, c, *_ in rows],
        int(first[3]),
        int(first[4]),
        int(first[5]),
    )


def _vip_names(session: Session, incident_id: int) -> tuple[str, ...]:
    """Query 6: the VIP customers who reported, by name (rows read for VIPs only)."""
    name = func.min(Report.customer_name)
    return tuple(
        session.scalars(
            select(name)
            .where(Report.incident_id == incident_id, Report.vip == true())
            .group_by(Report.customer_key)
            .order_by(name)
            .limit(VIP_NAMES)
        )
    )


def _features(session: Session, incident_id: int) -> tuple[list[tuple[str, int, int]], int, int]:
    """Query 5: the most reported features (a report may name several) with their reports
    and customers, how many features, and how many customers name any feature (what a
    feature's share is taken of)."""
    f = ReportFeature
    in_incident = select(f.feature.label("value"), f.customer_key.label("customer")).where(
        f.incident_id == incident_id
    )
    rows = per_value(session, in_incident, limit=SEGMENT_ROWS, naming=True)
    if not rows:
        return [], 0, 0
    return [(str(v), int(n), int(c)) for v, n, c, *_ in rows], int(rows[0][3]), int(rows[0][6])


def _cube_dimension(
    key: DimensionKey,
    cells: dict[str, list[int]],
    known: int,
    total: int,
    partitions: Sequence[AccountPartition],
) -> Dimension:
    ordered = sorted(cells.items(), key=lambda item: (-item[1][0], item[0]))
    segments = tuple(
        Segment(
            value=value,
            label=segment_label(key, value, partitions),
            reports=reports,
            customers=customers,
            accounts=accounts,
            baseline=None,
            share=reports / total if total else 0.0,
        )
        for value, (reports, customers, accounts) in ordered
    )
    return Dimension(
        key=key,
        segments=segments,
        distinct=len(segments),
        known_reports=known,
        units_total=sum(s.units for s in segments),
    )


def _listed(
    key: DimensionKey,
    rows: list[tuple[str, int, int]],
    groups: int,
    known: int | None,
    customers: int,
    total: int,
) -> Dimension:
    ordered = sorted(rows, key=lambda row: (-row[1], row[0]))
    segments = tuple(
        Segment(value, segment_label(key, value, ()), n, c, 0, None, n / total if total else 0)
        for value, n, c in ordered
    )
    return Dimension(
        key=key, segments=segments, distinct=groups, known_reports=known, units_total=customers
    )
