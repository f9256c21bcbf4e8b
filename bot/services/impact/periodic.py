"""The full summary: posted on the update cadence, on demand, and once more at resolution.

``impact.full`` jobs form a chain: each posts (only if reports arrived since the
previous post, so a quiet incident does not fill the channel with copies) and schedules
the next one ``CADENCE_UPDATE_INTERVALS[severity]`` later. Resolution cancels the chain
and schedules a final post with the final count. Each post schedules its chart as a
separate ``impact.chart`` reminder, so a failed upload is retried on its own instead of
posting the summary twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import jobs
from bot.config import Settings
from bot.jobs import Job, JobKind, Outcome, Payload
from bot.models import Incident, Report
from bot.runtime import Runtime
from bot.services.impact import sql
from bot.services.impact.chart import ChartData, ChartSeries, render_png
from bot.services.impact.summary import build_summary, leading_dimension, summarize
from bot.slack.errors import ChannelNotFound
from bot.slack.impact_blocks import chart_comment, full_summary_message
from bot.slack.notifier import PostedMessage
from bot.slack.oncall_blocks import summary_actions

FULL = "impact.full"
CHART = "impact.chart"
CHART_SERIES = 5


class FullPayload(Payload):
    final: bool = False  # the post at resolution, with the final count
    reports: int | None = None  # the count the previous post showed


class ChartPayload(Payload):
    final: bool = False
    summary_ts: str


FULL_KIND: JobKind[FullPayload] = JobKind(FULL, FullPayload)
# Uploads carry no message metadata: after a crash mid-upload the chart may come twice.
CHART_KIND: JobKind[ChartPayload] = JobKind(CHART, ChartPayload)


def update_interval(settings: Settings, severity: str) -> timedelta:
    return settings.cadence_update_intervals[severity]


def report_count(session: Session, incident_id: int) -> int:
    return int(
        session.scalar(select(func.count(Report.id)).where(Report.incident_id == incident_id)) or 0
    )


def chain_running(session: Session, incident_id: int) -> bool:
    """Whether the periodic chain's next link is pending or being handled right now."""
    return jobs.has_jobs(session, [FULL_KIND], incident_id=incident_id)


def schedule_full(
    session: Session,
    *,
    incident_id: int,
    due: datetime,
    now: datetime,
    payload: FullPayload,
    tag: str = "",
) -> None:
    jobs.schedule(
        session,
        FULL_KIND,
        payload,
        key=f"{incident_id}:{tag}{due.isoformat()}",
        due_at=due,
        now=now,
        incident_id=incident_id,
    )


def post_full_summary(rt: Runtime, incident_id: int, *, final: bool = False) -> PostedMessage:
    """Post the full summary in the incident's channel now and have its chart uploaded."""
    summary = summarize(rt, incident_id)
    channel = summary.incident.channel_id
    if not channel:
        raise ChannelNotFound("chat.postMessage", "channel_not_found")
    message = full_summary_message(
        summary, rt.renderer, segments_shown=rt.settings.impact_segments_shown,
        extra_actions=summary_actions(rt.settings, incident_id),
    )  # fmt: skip
    posted = rt.notifier.post(channel, message.text, message.blocks)
    if not summary.empty:
        now = rt.clock.now()
        with rt.sessions.begin() as session:
            _schedule_chart(session, incident_id, posted, now=now, final=final)
        rt.wake()
    return posted


def handle_full(rt: Runtime, reminder: Job[FullPayload]) -> Outcome:
    """One link of the cadence chain (or the final post at resolution)."""
    final = reminder.payload.final
    now = rt.clock.now()
    with rt.sessions() as session:
        incident = session.get(Incident, reminder.incident_id) if reminder.incident_id else None
        if incident is None or not incident.channel_id or incident.is_open == final:
            return Outcome.obsolete  # resolved since (chain) or reopened since (final)
        severity = incident.severity
        reports = report_count(session, incident.id)
    if reports == 0:
        return Outcome.obsolete
    changed = final or reminder.payload.reports != reports
    posted = None
    if changed:
        summary = summarize(rt, incident.id)
        message = full_summary_message(
            summary, rt.renderer, segments_shown=rt.settings.impact_segments_shown,
            extra_actions=summary_actions(rt.settings, incident.id),
        )  # fmt: skip
        posted = rt.notifier.post(incident.channel_id, message.text, message.blocks)
    with rt.sessions.begin() as session:
        if posted is not None:
            _schedule_chart(session, incident.id, posted, now=now, final=final)
        if not final:
            due = reminder.due_at + update_interval(rt.settings, severity)
            if due <= now:  # the process was down for a while: start afresh
                due = now + update_interval(rt.settings, severity)
            schedule_full(
                session,
                incident_id=incident.id,
                due=due,
                now=now,
                payload=FullPayload(reports=reports),
            )
    rt.wake()
    return Outcome.sent if changed else Outcome.obsolete


def handle_chart(rt: Runtime, reminder: Job[ChartPayload]) -> Outcome:
    """Upload the chart of reports over time by the leading dimension."""
    now = rt.clock.now()
    with rt.sessions() as session:
        incident = session.get(Incident, reminder.incident_id) if reminder.incident_id else None
        if incident is None or not incident.channel_id:
            return Outcome.obsolete
        summary = build_summary(session, rt.settings, incident, now)
        if summary.empty:
            return Outcome.obsolete
        dimension = leading_dimension(summary)
        values = [segment.value for segment in dimension.segments[:CHART_SERIES]]
        labels = {segment.value: segment.label for segment in dimension.segments}
        trend = summary.trend
        plan = sql.BucketPlan(trend.start, trend.interval, len(trend.counts))
        series = sql.bar_series(
            session,
            incident_id=incident.id,
            key=dimension.key,
            plan=plan,
            values=values,
            partitions=rt.settings.account_partitions(),
        )
        channel = incident.channel_id
    comment = chart_comment(summary, rt.renderer, dimension=dimension, final=reminder.payload.final)
    stacked = [ChartSeries(labels[v], tuple(series[v])) for v in values if v in series]
    if any(series.get(None, [])):
        stacked.append(ChartSeries("other", tuple(series[None])))
    png = render_png(
        ChartData(title=comment, start=trend.start, interval=trend.interval, series=tuple(stacked))
    )
    rt.notifier.upload(
        channel,
        filename=f"impact-incident-{incident.id}.png",
        content=png,
        title=f"Incident #{incident.id} impact",
        initial_comment=comment,
        alt_text=comment,
    )
    return Outcome.sent


def _schedule_chart(
    session: Session, incident_id: int, posted: PostedMessage, *, now: datetime, final: bool
) -> None:
    jobs.schedule(
        session,
        CHART_KIND,
        ChartPayload(final=final, summary_ts=posted.ts),
        key=f"{incident_id}:{posted.ts}",
        due_at=now,
        now=now,
        incident_id=incident_id,
    )
