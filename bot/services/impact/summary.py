"""Computing an incident's impact summary, and raising its severity from the hint.

``build_summary`` runs a bounded number of grouped queries whatever the report count
(see ``aggregate``), then derives patterns, trend and hint in Python from the aggregates.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import InvalidTransition, NotFound
from bot.models import Incident
from bot.runtime import Runtime
from bot.services import incidents
from bot.services.impact import aggregate, conditional, finer
from bot.services.impact.analysis import is_more_severe, severity_hint, trend_direction
from bot.services.impact.findings import find_findings, tested_dimensions
from bot.services.impact.model import (
    Dimension,
    DimensionKey,
    Exposure,
    Finding,
    ImpactSummary,
    IncidentInfo,
    Totals,
    Trend,
)
from bot.services.impact.samples import latest_reports
from bot.services.impact.sql import plan_buckets


def summarize(rt: Runtime, incident_id: int) -> ImpactSummary:
    """The current impact summary of one incident."""
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"Incident #{incident_id} does not exist.")
        return build_summary(session, rt.settings, incident, rt.clock.now())


def summarize_channel(rt: Runtime, channel_id: str) -> ImpactSummary:
    """The summary of the incident bound to ``channel_id`` (NotFound explains otherwise)."""
    return summarize(rt, incidents.for_channel(rt, channel_id).id)


def build_summary(
    session: Session, settings: Settings, incident: Incident, now: datetime
) -> ImpactSummary:
    info = IncidentInfo(
        id=incident.id,
        title=incident.title,
        severity=incident.severity,
        status=incident.status,
        channel_id=incident.channel_id,
        opened_at=incident.opened_at,
        resolved_at=incident.resolved_at,
        is_major=incidents.is_major(settings, incident.severity),
    )
    end = min(incident.resolved_at, now) if incident.resolved_at else now
    plan = plan_buckets(
        incident.opened_at, end, settings.impact_trend_interval, settings.impact_trend_bars
    )
    window = settings.impact_trend_interval * settings.impact_trend_window
    times = aggregate.timeline(session, incident_id=incident.id, now=now, plan=plan, window=window)
    if times.reports:
        dimensions, totals, exposure = aggregate.breakdown(
            session,
            incident_id=incident.id,
            reports=times.reports,
            partitions=settings.account_partitions(),
            now=now,
            exposure_window=settings.impact_exposure_window,
            baseline_window=settings.impact_baseline_window,
        )
        totals = replace(totals, first_report_at=times.first, last_report_at=times.last)
    else:
        dimensions = tuple(Dimension(key, (), 0, 0) for key in DimensionKey)
        exposure = Exposure(0, 0, settings.impact_exposure_window, (), 0)
        totals = Totals(0, 0, 0, 0, 0, aggregate.directory_size(session), None, None)
    total = totals.reports
    last = totals.last_report_at
    trend = Trend(
        start=plan.start,
        interval=plan.interval,
        counts=times.bars,
        window=window,
        recent=times.recent,
        previous=times.previous,
        direction=trend_direction(
            recent=times.recent,
            previous=times.previous,
            total=total,
            alpha=settings.impact_significance,
        ),
        since_last=(now - last) if last else None,
    )
    enough = total >= settings.impact_min_reports
    findings: tuple[Finding, ...] = ()
    if enough:
        partitions = settings.account_partitions()
        findings = find_findings(
            settings,
            dimensions,
            partitions=partitions,
            splitter=conditional.splitter(
                session,
                incident_id=incident.id,
                partitions=partitions,
                reports=total,
            ),
            outside=conditional.outside(
                session, incident_id=incident.id, partitions=partitions, reports=total
            ),
            finer=finer.prefixes(session, incident_id=incident.id, reports=total),
        )
    return ImpactSummary(
        incident=info,
        computed_at=now,
        totals=totals,
        dimensions=dimensions,
        trend=trend,
        exposure=exposure,
        findings=findings,
        hint=severity_hint(settings, info, totals, trend),
        tested=tested_dimensions(dimensions),
        enough_reports=enough,
        samples=latest_reports(session, incident.id) if total else (),
    )


def raise_from_hint(
    rt: Runtime, *, incident_id: int, severity: str, actor: str
) -> incidents.SeverityChanged:
    """The hint button: the same change as ``/liaison severity``, but never a lowering.

    Someone may have raised the incident further since the hint was shown; pressing an
    old button must not undo that.
    """
    current = incidents.get(rt, incident_id)
    if current.severity == severity or is_more_severe(current.severity, severity):
        raise InvalidTransition(
            f"Incident #{current.id} is already {current.severity}; nothing to raise."
        )
    if not current.is_open:
        raise InvalidTransition(f"Incident #{current.id} is resolved; its severity stays.")
    return incidents.change_severity(rt, incident_id=incident_id, severity=severity, actor=actor)


def leading_dimension(summary: ImpactSummary) -> Dimension:
    """The dimension the chart breaks reports down by: the lead finding's, else region."""
    key = summary.findings[0].dimension if summary.findings else DimensionKey.region
    dimension = summary.dimension(key)
    if not dimension.segments:
        dimension = next((d for d in summary.dimensions if d.segments), dimension)
    return dimension
