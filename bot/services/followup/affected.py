"""VIPs the incident touched who never wrote in: they go on the follow-up board too.

A VIP account of the directory is *affected* when:
- the impact analysis called out segments (findings: a region, tier, account-number range,
  product version, platform or feature that stands out among the reports), and the
  account is in one of them by its directory record (its region, tier, account number,
  version, platform or enabled features); or
- the analysis called nothing out (too few reports, or an even spread), the incident was
  major (it is, or it became major) and customer-visible (customers reported it, or it was
  published on the status page): then every VIP of the directory may have seen it.

Accounts that reported are on the board already (as reporters), so only the silent ones
are added, marked ``vip,affected`` with the segments that put them there. The same
findings the live impact summary shows are reused (``build_summary``), computed once when
the incident resolves, in the resolution's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from bot.account_partitions import AccountPartition
from bot.config import Settings
from bot.lifecycle import LifecycleEvent
from bot.models import Account, AccountFeature, Followup, Incident, PageIncident, Report
from bot.services import incidents
from bot.services.impact.model import DimensionKey, Finding, ImpactSummary
from bot.services.impact.sql import partition_expression
from bot.services.impact.summary import build_summary

# A board is read by people: past this many silent VIPs the liaison needs a mailing, not
# a list. The most affected come first (most matching segments, then by name).
VIP_LIMIT = 200
MAJOR = "major"
_SEPARATOR = "|"


def add_on_resolution(session: Session, event: LifecycleEvent, *, settings: Settings) -> None:
    """Lifecycle subscriber (after the reporters are on the board): add the silent VIPs."""
    add_affected_vips(session, settings, event.incident, now=event.now)


def add_affected_vips(
    session: Session, settings: Settings, incident: Incident, *, now: datetime
) -> int:
    """Put the affected VIPs who did not report on the board; returns how many were added."""
    summary = build_summary(session, settings, incident, now)
    matched = _matched_vips(session, settings, summary, incident)
    if not matched:
        return 0
    on_board = {
        key
        for line in session.scalars(select(Followup).where(Followup.incident_id == incident.id))
        for key in (line.customer_key, (line.account_id or "").lower())
    }
    ranked = sorted(matched.items(), key=lambda item: (-len(item[1][1]), item[1][0], item[0]))
    added = 0
    for account_id, (name, segments) in ranked[:VIP_LIMIT]:
        key = account_id.strip().lower()[:200]
        if key in on_board:
            continue
        session.add(
            Followup(
                incident_id=incident.id,
                customer_key=key,
                customer_name=name[:200],
                account_id=account_id,
                reasons="vip,affected",
                affected_by=_SEPARATOR.join(segments)[:300],
                state="to_tell",
                created_at=now,
            )
        )
        added += 1
    session.flush()
    return added


def parse_affected_by(value: str | None) -> tuple[tuple[str, str], ...]:
    """``region:eu-west|version:5.1`` -> (("region", "eu-west"), ("version", "5.1"))."""
    pairs = []
    for item in (value or "").split(_SEPARATOR):
        dimension, _, label = item.partition(":")
        if dimension:
            pairs.append((dimension, label))
    return tuple(pairs)


def _matched_vips(
    session: Session, settings: Settings, summary: ImpactSummary, incident: Incident
) -> dict[str, tuple[str, list[str]]]:
    """Account id -> (name, ["dimension:label", ...]) of the silent VIPs in scope."""
    reported = select(Report.account_id).where(
        Report.incident_id == incident.id, Report.account_id.is_not(None)
    )
    silent_vips = [Account.vip == true(), Account.account_id.not_in(reported)]
    matched: dict[str, tuple[str, list[str]]] = {}
    if summary.findings:
        partitions = settings.account_partitions()
        dialect = session.get_bind().dialect.name
        for finding in summary.findings:
            labels = _labels(summary, finding)
            value = _directory_value(finding, partitions, dialect)
            query = select(Account.account_id, Account.name, value).where(*silent_vips)
            if finding.dimension is DimensionKey.feature:
                query = query.join(AccountFeature, AccountFeature.account_id == Account.account_id)
            rows = session.execute(
                query.where(value.in_(finding.values))
                .order_by(Account.name, Account.account_id)
                .limit(VIP_LIMIT)
            )
            for account_id, name, found in rows:
                entry = matched.setdefault(account_id, (name, []))
                segment = f"{finding.dimension}:{labels.get(str(found), str(found))}"
                if segment not in entry[1]:
                    entry[1].append(segment)
        return matched
    if not _major(settings, incident) or not _customer_visible(session, incident):
        return matched
    rows = session.execute(
        select(Account.account_id, Account.name)
        .where(*silent_vips)
        .order_by(Account.name, Account.account_id)
        .limit(VIP_LIMIT)
    )
    return {account_id: (name, [MAJOR]) for account_id, name in rows}


def _directory_value(
    finding: Finding, partitions: Sequence[AccountPartition], dialect: str
) -> ColumnElement[Any]:
    """The account's own value in a finding's dimension, as the finding names values."""
    dimension = finding.dimension
    if dimension is DimensionKey.partition and not partitions:
        # Leading digits, or two of them when the range was narrowed ("34…–35…").
        return func.substr(Account.account_id, 1, len(finding.values[0]))
    if dimension is DimensionKey.partition:
        return partition_expression(Account.account_id, partitions, dialect)
    columns: dict[DimensionKey, Any] = {
        DimensionKey.region: Account.region,
        DimensionKey.tier: Account.tier,
        DimensionKey.version: Account.product_version,
        DimensionKey.platform: Account.platform,
        DimensionKey.feature: AccountFeature.feature,
    }
    return columns[dimension]


def _labels(summary: ImpactSummary, finding: Finding) -> dict[str, str]:
    """Segment values as the impact summary shows them (a platform's name, a range)."""
    dimension = summary.dimension(finding.dimension)
    labels = {s.value: s.label for s in (*dimension.segments, *dimension.absent)}
    if len(finding.segments) == 1:
        # One label for the whole finding: an account-number range spanning partitions.
        return dict.fromkeys(finding.values, finding.segments[0])
    return labels


def _major(settings: Settings, incident: Incident) -> bool:
    return incident.became_major_at is not None or incidents.is_major(settings, incident.severity)


def _customer_visible(session: Session, incident: Incident) -> bool:
    """Customers saw it: someone reported it, or it was on the status page."""
    if incident.report_count or session.scalar(
        select(Report.id).where(Report.incident_id == incident.id).limit(1)
    ):
        return True
    return (
        session.scalar(select(PageIncident.id).where(PageIncident.incident_id == incident.id))
        is not None
    )
