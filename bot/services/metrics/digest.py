"""The weekly metrics digest (``METRICS_DIGEST_CHANNEL`` at ``METRICS_DIGEST_SCHEDULE``).

A durable job keyed by its due time: every process that starts schedules the next one
(the key makes that one row however many replicas start), and each digest schedules the
one after it, so a restart or a missed week loses nothing and posts nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from bot import jobs
from bot.jobs import Coalesce, Job, JobKind, NoPayload, Outcome
from bot.runtime import Runtime
from bot.services.metrics.home import paragraphs
from bot.services.metrics.report import chart_filename, metrics_report, render_summary, trend_png
from bot.slack.blocks import section

# Digests that piled up while the app was down go out once (the newest).
DIGEST: JobKind[NoPayload] = JobKind("metrics.digest", NoPayload, coalesce=Coalesce.newest)
DIGEST_PERIOD = "7d"


def install(rt: Runtime) -> None:
    if not rt.settings.metrics_digest_channel:
        return
    rt.dispatcher.declare(DIGEST, partial(send_digest, rt))
    schedule_next(rt, rt.clock.now())


def schedule_next(rt: Runtime, after: datetime) -> None:
    due = rt.settings.metrics_digest_schedule.next_after(after)
    with rt.sessions.begin() as session:
        jobs.schedule(
            session,
            DIGEST,
            key=due.isoformat(),
            due_at=due,
            now=after,
            target=rt.settings.metrics_digest_channel,
        )


def send_digest(rt: Runtime, job: Job[NoPayload]) -> Outcome:
    channel = rt.settings.metrics_digest_channel
    if not channel or job.target != channel:
        return Outcome.obsolete
    report = metrics_report(rt, DIGEST_PERIOD)
    summary = render_summary(rt, report)
    rt.notifier.post(channel, summary, [section(text) for text in paragraphs(summary)])
    if report.current.incidents:
        rt.notifier.upload(
            channel,
            filename=chart_filename(report, rt.clock.now()),
            content=trend_png(rt, report),
            title=rt.renderer.render("metrics/chart_title.txt.j2", period=report.query.period),
        )
    schedule_next(rt, max(job.due_at, rt.clock.now()))
    return Outcome.sent
