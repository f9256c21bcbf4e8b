"""Reading the aggregates the way a support lead would: trend and severity hint.

Pure functions over the aggregated data (no database, no clock). Which segments stand
out is ``findings``; the trend uses the same exact statistics (``stats.rate_change``)
so "rising" means more than chance, not 2 -> 5 reports.
"""

from __future__ import annotations

from bot.config import SEVERITIES, Settings
from bot.services.impact.model import Direction, IncidentInfo, SeverityHint, Totals, Trend
from bot.services.impact.stats import rate_change


def trend_direction(*, recent: int, previous: int, total: int, alpha: float) -> Direction | None:
    """Rising, steady, falling or quiet, comparing the last window with the one before.

    Rising or falling only when the change is beyond chance for the counts involved (at
    the significance level ``alpha``): 2 -> 5 reports is steady, 3 -> 15 is rising.
    """
    if total == 0:
        return None
    if recent == 0 and previous == 0:
        return Direction.quiet
    change = rate_change(recent, previous, alpha)
    if change > 0:
        return Direction.rising
    if change < 0:
        return Direction.falling
    return Direction.steady


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
