"""Block Kit for the impact summaries: the live message, the full summary, the hint button.

Pure functions of an ImpactSummary and the renderer. Every text goes through the
blocks.py helpers, and long segment lists are cut to fit, so a 5,000-report incident with
300 product versions still yields a message Slack accepts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel, ValidationError

from bot.config import SEVERITIES
from bot.errors import InvalidInput
from bot.ids import ImpactIds, IncidentActions
from bot.inbound import RowId
from bot.rendering import Mrkdwn, Renderer
from bot.services.impact.model import (
    Basis,
    Dimension,
    DimensionKey,
    Finding,
    ImpactSummary,
    ReportSample,
    Segment,
)
from bot.slack.blocks import (
    TEXT_LIMIT,
    Block,
    actions,
    bullet_list,
    button,
    clip,
    context,
    divider,
    fit_blocks,
    section,
)

LIVE_FINDINGS = 3
LABEL_LIMIT = 80
SAMPLE_WORDS = 160  # characters of a sample report's own words
URL_LIMIT = 250  # a longer ticket URL is not linked (the line would crowd out the report)


@dataclass(frozen=True)
class SlackMessage:
    text: str  # the notification / accessibility fallback
    blocks: list[Block]


class RaiseSeverityValue(BaseModel):
    """What the hint button carries back: which incident, raised to what."""

    incident_id: RowId
    severity: str


def hint_value(incident_id: int, severity: str) -> str:
    return RaiseSeverityValue(incident_id=incident_id, severity=severity).model_dump_json()


def parse_hint_value(value: str) -> RaiseSeverityValue:
    try:
        parsed = RaiseSeverityValue.model_validate(json.loads(value or "{}"))
    except (ValueError, ValidationError) as exc:
        raise InvalidInput("That button is from an older version of Liaison.") from exc
    if parsed.severity not in SEVERITIES:
        raise InvalidInput("That button is from an older version of Liaison.")
    return parsed


def percent(value: float) -> str:
    """18%, 0.4%, <0.1%: precise enough to compare small segments, never "100%" by rounding."""
    if value <= 0:
        return "0%"
    if value < 0.001:
        return "<0.1%"
    if value < 0.1:
        return f"{value * 100:.1f}".rstrip("0").rstrip(".") + "%"
    rounded = round(value * 100)
    if rounded >= 100 and value < 1:
        rounded = 99
    return f"{rounded}%"


def live_summary_message(
    summary: ImpactSummary, renderer: Renderer, *, refresh: timedelta
) -> SlackMessage:
    """The pinned message edited in place: the lead, totals, trend, exposure, hint."""
    if summary.empty:
        return _empty(summary, renderer, kind="live", refresh=refresh)
    blocks = [section(_heading(summary, renderer), block_id=ImpactIds.live)]
    more = [finding_text(f, renderer) for f in summary.findings[1:LIVE_FINDINGS]]
    if more:
        blocks.append(section(bullet_list(more)))
    blocks.append(section(trend_text(summary, renderer)))
    exposure = exposure_text(summary, renderer)
    if exposure:
        blocks.append(section(exposure))
    blocks.extend(hint_blocks(summary, renderer))
    blocks.append(context(_footer(summary, renderer, kind="live", refresh=refresh)))
    return SlackMessage(fallback_text(summary, renderer), fit_blocks(blocks))


def full_summary_message(
    summary: ImpactSummary,
    renderer: Renderer,
    *,
    segments_shown: int,
    extra_actions: Sequence[Block] = (),
) -> SlackMessage:
    """Every dimension's leading segments, for the cadence post and `/liaison impact`."""
    if summary.empty:
        return _empty(summary, renderer, kind="full")
    blocks = [section(_heading(summary, renderer), block_id=ImpactIds.full)]
    more = [finding_text(f, renderer) for f in summary.findings[1:]]
    if more:
        blocks.append(section(bullet_list(more)))
    blocks.append(divider())
    for dimension in summary.dimensions:
        if dimension.segments:
            blocks.append(section(dimension_text(dimension, renderer, shown=segments_shown)))
    blocks.append(divider())
    samples = samples_text(summary, renderer)
    if samples:
        blocks.append(section(samples))
    blocks.append(section(trend_text(summary, renderer)))
    exposure = exposure_text(summary, renderer)
    if exposure:
        blocks.append(section(exposure))
    blocks.extend(hint_blocks(summary, renderer))
    blocks.extend(extra_actions)  # paging on-call, filing in the backlog (when configured)
    blocks.append(context(_footer(summary, renderer, kind="full")))
    return SlackMessage(fallback_text(summary, renderer), fit_blocks(blocks))


def finding_text(finding: Finding, renderer: Renderer) -> str:
    return renderer.render(
        "impact/finding.j2",
        dimension=str(finding.dimension),
        segments=[clip(label, LABEL_LIMIT) for label in finding.segments],
        only=finding.only,
        units=finding.units,
        total=finding.total,
        share=percent(finding.share),
        expected=percent(finding.expected) if finding.expected is not None else None,
        basis=str(finding.basis),
        customers=finding.customers,
        absent=[clip(label, LABEL_LIMIT) for label in finding.absent],
    )


def lead_text(summary: ImpactSummary, renderer: Renderer) -> str:
    """The first thing a reader sees: the strongest finding, or that nothing stands out.

    Empty below IMPACT_MIN_REPORTS: two reports say nothing either way.
    """
    if summary.findings:
        return finding_text(summary.findings[0], renderer)
    if not summary.enough_reports:
        return ""
    # Tier is tested like the others but left out of the sentence people know by heart.
    tested = [str(k) for k in summary.tested if k is not DimensionKey.tier] or [
        str(k) for k in summary.tested
    ]
    directory_only = all(summary.dimension(k).basis is Basis.directory for k in summary.tested)
    return renderer.render(
        "impact/lead_none.j2",
        tested=tested,
        directory_only=directory_only,
    )


def dimension_text(dimension: Dimension, renderer: Renderer, *, shown: int) -> str:
    """Heading plus the leading segments; whatever does not fit is counted, never cut off."""
    heading = renderer.render(
        "impact/dimension.j2",
        dimension=str(dimension.key),
        distinct=dimension.distinct,
        known=dimension.known_reports,
    )
    segments = dimension.segments[:shown]
    hidden = max(dimension.distinct, len(dimension.segments)) - len(segments)
    more = renderer.render("impact/more.j2", count=hidden) if hidden else ""
    budget = TEXT_LIMIT - len(heading) - len(more) - 2
    # Each line gets an equal share of the budget so the list is never cut mid-way.
    per_line = max(budget // max(len(segments), 1) - 3, 20)
    lines = [clip(_segment_line(dimension, s, renderer), per_line) for s in segments]
    parts = [heading, bullet_list(lines, limit=budget)]
    if more:
        parts.append(more)
    return "\n".join(parts)


def samples_text(summary: ImpactSummary, renderer: Renderer) -> str:
    """The newest reports in the customers' words, each with where it came from."""
    if not summary.samples:
        return ""
    heading = renderer.render("impact/samples_heading.j2", count=len(summary.samples))
    budget = TEXT_LIMIT - len(heading) - 1
    # Every line fits whole; a long one loses the end of its summary, which comes last.
    per_line = (budget - 20) // len(summary.samples) - 3
    lines = [
        clip(
            renderer.render(
                "impact/sample.j2",
                customer=clip(sample.customer, LABEL_LIMIT),
                tier=clip(sample.tier or "", 40),
                region=clip(sample.region or "", 40),
                source=sample.source,
                ticket={"ref": _ticket_label(sample.ticket_ref), "url": _link_url(sample)},
                summary=clip(" ".join(sample.summary.split()), SAMPLE_WORDS),
                ago=max(summary.computed_at - sample.created_at, timedelta(0)),
            ),
            per_line,
        )
        for sample in summary.samples
    ]
    return f"{heading}\n{bullet_list(lines, limit=budget)}"


def _link_url(sample: ReportSample) -> str | None:
    """The ticket's URL, unless it is too long to leave room for the report itself."""
    url = sample.ticket_url
    return url if url and len(url) <= URL_LIMIT else None


def _ticket_label(ref: str | None) -> str:
    """The ticket's reference as a link's label; a bare URL (help-desk tickets keep theirs
    as the reference) reads as "ticket"."""
    if not ref:
        return ""
    return "ticket" if ref.startswith(("http://", "https://")) else clip(ref, LABEL_LIMIT)


def sources_text(summary: ImpactSummary, renderer: Renderer) -> str:
    """Reports per source, shown once a help desk feeds the incident."""
    if not summary.totals.from_help_desks:
        return ""
    return renderer.render("impact/sources.j2", sources=list(summary.totals.sources))


def trend_text(summary: ImpactSummary, renderer: Renderer) -> str:
    trend = summary.trend
    return renderer.render(
        "impact/trend.j2",
        sparkline=trend.sparkline,
        interval=trend.interval,
        direction=str(trend.direction) if trend.direction else "steady",
        recent=trend.recent,
        previous=trend.previous,
        window=trend.window,
        quiet_for=trend.window * 2,
        since_last=trend.since_last,
    )


def exposure_text(summary: ImpactSummary, renderer: Renderer) -> str:
    exposure = summary.exposure
    return renderer.render(
        "impact/exposure.j2",
        due_soon=exposure.due_soon,
        breached=exposure.breached,
        window=exposure.window,
        vip_count=exposure.vip_count,
        vip_names=[clip(name, LABEL_LIMIT) for name in exposure.vip_names],
    )


def hint_blocks(summary: ImpactSummary, renderer: Renderer) -> list[Block]:
    """The severity hint and its button (pressing it goes through /liaison severity's path)."""
    hint = summary.hint
    if hint is None:
        return []
    text = renderer.render(
        "impact/hint.j2",
        current=hint.current,
        suggested=hint.suggested,
        reasons=list(hint.reasons),
        customers=hint.customers,
        vips=hint.vips,
        customer_threshold=hint.customer_threshold,
        vip_threshold=hint.vip_threshold,
    )
    label = renderer.render("impact/hint_button.j2", suggested=hint.suggested)
    return [
        section(text),
        actions(
            button(
                label,
                IncidentActions.raise_severity,
                hint_value(summary.incident.id, hint.suggested),
                style="danger",
            ),
            block_id=ImpactIds.hint,
        ),
    ]


def fallback_text(summary: ImpactSummary, renderer: Renderer) -> str:
    lead = lead_text(summary, renderer)
    return clip(
        renderer.render(
            "impact/fallback.j2",
            incident={"id": summary.incident.id},
            totals=summary.totals,
            lead=Mrkdwn(lead),
        )
    )


def chart_comment(
    summary: ImpactSummary, renderer: Renderer, *, dimension: Dimension, final: bool
) -> str:
    return renderer.render(
        "impact/chart_comment.j2",
        interval=summary.trend.interval,
        dimension=str(dimension.key),
        incident_id=summary.incident.id,
        reports=summary.totals.reports,
        final=final,
    )


def _heading(summary: ImpactSummary, renderer: Renderer) -> str:
    """Title, then the lead in bold, then the totals: the lead is read first."""
    share = summary.totals.share_of_base
    title = renderer.render("impact/title.j2", incident=summary.incident)
    totals = renderer.render(
        "impact/totals.j2",
        totals=summary.totals,
        share_of_base=percent(share) if share is not None else None,
    )
    sources = sources_text(summary, renderer)
    if sources:
        totals = f"{totals}\n{sources}"
    lead = lead_text(summary, renderer)
    return f"{title}\n*{lead}*\n{totals}" if lead else f"{title}\n{totals}"


def _segment_line(dimension: Dimension, segment: Segment, renderer: Renderer) -> str:
    accounts = dimension.counts_accounts and dimension.basis is Basis.directory
    rate = segment.rate if accounts else None
    elsewhere = dimension.elsewhere_rate(segment) if rate is not None else None
    expected = None
    if dimension.baseline_total and segment.baseline is not None:
        expected = percent(segment.baseline / dimension.baseline_total)
    return renderer.render(
        "impact/segment.j2",
        label=clip(segment.label, LABEL_LIMIT),
        reports=segment.reports,
        share=percent(segment.share),
        customers=segment.customers,
        accounts=segment.accounts,
        baseline=segment.baseline,
        rate=percent(rate) if rate is not None else None,
        elsewhere=percent(elsewhere) if elsewhere is not None else None,
        expected=expected,
        basis=str(dimension.basis),
    )


def _footer(
    summary: ImpactSummary, renderer: Renderer, *, kind: str, refresh: timedelta | None = None
) -> str:
    return renderer.render(
        "impact/footer.j2",
        kind=kind,
        computed_at=summary.computed_at,
        resolved_at=summary.incident.resolved_at,
        refresh=refresh,
    )


def _empty(
    summary: ImpactSummary, renderer: Renderer, *, kind: str, refresh: timedelta | None = None
) -> SlackMessage:
    text = renderer.render("impact/empty.j2", incident=summary.incident)
    footer = _footer(summary, renderer, kind=kind, refresh=refresh)
    return SlackMessage(text, [section(text), context(footer)])
