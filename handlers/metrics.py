"""``/liaison metrics [7d|30d|90d|quarter] [sev1..sev4]``: the figures, privately, and the
weekly trend chart shared in the channel where it was asked."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from bot.services.metrics.home import paragraphs
from bot.services.metrics.report import chart_filename, metrics_report, render_summary, trend_png
from bot.slack.blocks import section
from handlers.commands import CommandCall, CommandRouter


def handle_metrics_command(call: CommandCall) -> None:
    rt = call.rt
    report = metrics_report(rt, call.args)
    summary = render_summary(rt, report)
    call.reply(summary, [section(text) for text in paragraphs(summary)])
    if report.current.incidents and call.channel_id:
        rt.notifier.upload(
            call.channel_id,
            filename=chart_filename(report, rt.clock.now()),
            content=trend_png(rt, report),
            title=rt.renderer.render("metrics/chart_title.txt.j2", period=report.query.period),
            alt_text=rt.renderer.render("metrics/chart_title.txt.j2", period=report.query.period),
        )


def register(app: App, rt: Runtime, commands: CommandRouter) -> None:
    commands.add(
        "metrics",
        handle_metrics_command,
        usage="metrics [7d|30d|90d|quarter] [sev1..sev4]",
        summary="Support metrics (MTTA, MTTR, cadence, SLA, CSAT, FCR) against the period before.",
    )
