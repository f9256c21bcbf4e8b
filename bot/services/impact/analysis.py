"""Reading the aggregates the way a support lead would: patterns, trend, severity hint.

Pure functions over the aggregated data (no database, no clock), so every rule can be
checked against hand-computed numbers. Thresholds come from settings:
``IMPACT_MIN_REPORTS``, ``IMPACT_DOMINANT_SHARE``, ``IMPACT_OVERREPRESENTED``,
``IMPACT_TREND_*`` and ``IMPACT_HINT_*``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import SEVERITIES, Settings
from bot.services.impact.model import (
    Dimension,
    DimensionKey,
    Direction,
    Highlight,
    HighlightKind,
    IncidentInfo,
    Segment,
    SeverityHint,
    Totals,
    Trend,
)

# How highlights are ranked: a segment that is all there is beats one that dominates, which
# beats a group that concentrates, which beats an over-represented minority.
_RANK = {
    HighlightKind.only: 4.0,
    HighlightKind.dominant: 3.0,
    HighlightKind.concentrate: 2.0,
    HighlightKind.overrepresented: 1.0,
}
_OVERREPRESENTED_PER_DIMENSION = 2
_ABSENT_NAMED = 3


def trend_direction(
    *, recent: int, previous: int, total: int, change_percent: int, min_change: int
) -> Direction | None:
    """Rising, steady, falling or quiet, comparing the last window with the one before.

    A change counts when it is both relative (``change_percent``) and absolute
    (``min_change`` reports), so 1 -> 2 reports is not called "rising".
    """
    if total == 0:
        return None
    if recent == 0 and previous == 0:
        return Direction.quiet
    delta = recent - previous
    if delta >= min_change and recent * 100 >= previous * (100 + change_percent):
        return Direction.rising
    if -delta >= min_change and recent * 100 <= previous * max(100 - change_percent, 0):
        return Direction.falling
    return Direction.steady


def find_highlights(
    settings: Settings, dimensions: Sequence[Dimension], total: int
) -> tuple[Highlight, ...]:
    """The segments that stand out, most striking first, across all dimensions."""
    if total < settings.impact_min_reports:
        return ()
    found: list[Highlight] = []
    for dimension in dimensions:
        found.extend(_dimension_highlights(settings, dimension, total))
    order = list(DimensionKey)
    found.sort(key=lambda h: (-h.score, order.index(h.dimension)))
    return tuple(found)


def severity_hint(
    settings: Settings, incident: IncidentInfo, totals: Totals, trend: Trend
) -> SeverityHint | None:
    """Suggest a major severity when the impact crosses a configured threshold."""
    if not incident.is_open:
        return None
    target = hint_target(settings, incident.severity)
    if target is None:
        return None
    reasons = []
    customers = settings.impact_hint_customers
    if customers and totals.customers >= customers:
        reasons.append("customers")
    vips = settings.impact_hint_vips
    if vips and totals.vip_customers >= vips:
        reasons.append("vips")
    if settings.impact_hint_rising and trend.direction is Direction.rising:
        reasons.append("rising")
    if not reasons:
        return None
    return SeverityHint(
        current=incident.severity,
        suggested=target,
        reasons=tuple(reasons),
        customers=totals.customers,
        vips=totals.vip_customers,
        customer_threshold=customers,
        vip_threshold=vips,
    )


def hint_target(settings: Settings, severity: str) -> str | None:
    """The least severe major severity, if ``severity`` is below it (else no hint).

    Without major severities configured, one step up. Once the incident is major the
    hint stops: the liaison and cadence machinery is already engaged.
    """
    rank = SEVERITIES.index(severity)
    majors = [s for s in SEVERITIES if s in settings.major_severities]
    if majors:
        target = majors[-1]
        return target if rank > SEVERITIES.index(target) else None
    return SEVERITIES[rank - 1] if rank > 0 else None


def is_more_severe(severity: str, than: str) -> bool:
    return SEVERITIES.index(severity) < SEVERITIES.index(than)


def _dimension_highlights(settings: Settings, dimension: Dimension, total: int) -> list[Highlight]:
    segments = dimension.segments
    if not segments:
        return []
    dominant = settings.impact_dominant_share / 100
    factor = settings.impact_overrepresented
    top = segments[0]
    found: list[Highlight] = []
    mentioned: set[str] = set()
    if top.reports == total and _stands_out(dimension, [top], factor, whole=True):
        found.append(_group(HighlightKind.only, dimension, [top]))
        mentioned.add(top.value)
    elif top.share >= dominant and _stands_out(dimension, [top], factor):
        found.append(_group(HighlightKind.dominant, dimension, [top]))
        mentioned.add(top.value)
    elif dimension.key is not DimensionKey.feature:  # features overlap: shares do not add up
        for size in (2, 3):
            group = list(segments[:size])
            more = dimension.distinct + len(dimension.absent) > size
            share = sum(s.share for s in group)
            # A tie with the next segment would make the cut arbitrary.
            clear_cut = len(segments) <= size or segments[size].reports < group[-1].reports
            if len(group) == size and more and clear_cut and share >= dominant:
                if _stands_out(dimension, group, factor):
                    found.append(_group(HighlightKind.concentrate, dimension, group))
                    mentioned.update(s.value for s in group)
                break
    if dimension.has_baseline:
        found.extend(_overrepresented(settings, dimension, mentioned))
    return found


def _stands_out(
    dimension: Dimension, group: Sequence[Segment], factor: float, *, whole: bool = False
) -> bool:
    """With a directory baseline, a big share only matters if it beats the segment's size.

    (Half the reports from eu-west says nothing when half the customers are in eu-west.)
    """
    if not dimension.baseline_total:
        return True
    accounts = sum(s.baseline or 0 for s in group)
    if whole and accounts >= dimension.baseline_total:
        return False  # every account is in this segment: "only" would be trivially true
    if accounts == 0:
        return True
    share_of_accounts = accounts / dimension.baseline_total
    share_of_reports = sum(s.share for s in group)
    return share_of_reports >= share_of_accounts * factor


def _group(kind: HighlightKind, dimension: Dimension, group: Sequence[Segment]) -> Highlight:
    share = sum(s.share for s in group)
    absent: tuple[str, ...] = ()
    if dimension.absent:
        # Name unaffected segments at least as big as the affected ones: a telling contrast.
        smallest = min((s.baseline or 0) for s in group)
        absent = tuple(
            s.label for s in dimension.absent if (s.baseline or 0) >= smallest and s.baseline
        )[:_ABSENT_NAMED]
    return Highlight(
        kind=kind,
        dimension=dimension.key,
        segments=tuple(s.label for s in group),
        share=share,
        score=_RANK[kind] + min(share, 1.0),
        absent=absent,
    )


def _overrepresented(
    settings: Settings, dimension: Dimension, mentioned: set[str]
) -> list[Highlight]:
    found: list[Highlight] = []
    for segment in dimension.segments:
        if segment.value in mentioned or segment.accounts < settings.impact_min_reports:
            continue
        rate = segment.rate
        elsewhere = dimension.elsewhere_rate(segment)
        if rate is None or elsewhere is None:
            continue
        if elsewhere and rate < elsewhere * settings.impact_overrepresented:
            continue
        lift = rate / elsewhere if elsewhere else float("inf")
        found.append(
            Highlight(
                kind=HighlightKind.overrepresented,
                dimension=dimension.key,
                segments=(segment.label,),
                share=segment.share,
                score=_RANK[HighlightKind.overrepresented] + min(lift, 100.0) / 100,
                accounts=segment.accounts,
                baseline=segment.baseline,
                rate=rate,
                elsewhere=elsewhere,
            )
        )
    found.sort(key=lambda h: -h.score)
    return found[:_OVERREPRESENTED_PER_DIMENSION]
