"""A metrics question answered: both periods computed, rendered, and the weekly chart.

Used by ``/liaison metrics``, the App Home's Metrics section and the weekly digest, so
all three say the same thing the same way.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.runtime import Runtime
from bot.services.metrics.compute import compute
from bot.services.metrics.figures import Figures
from bot.services.metrics.period import MetricsQuery, Window, parse_query


@dataclass(frozen=True)
class MetricsReport:
    query: MetricsQuery
    current: Figures
    previous: Figures


def metrics_report(rt: Runtime, args: str = "") -> MetricsReport:
    now = rt.clock.now()
    query = parse_query(args, now)
    current, previous = compute_periods(rt.sessions, query, now)
    return MetricsReport(query, current, previous)


def compute_periods(
    sessions: sessionmaker[Session], query: MetricsQuery, now: datetime
) -> tuple[Figures, Figures]:
    """Both periods at once, each on its own connection: the database reads them side by
    side (both drivers release the GIL while a query runs), which nearly halves the wait
    for a year of history on a machine with two cores."""

    def figures_of(window: Window) -> Figures:
        with sessions() as session:
            return compute(session, window, query.severity, now)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="metrics") as pool:
        current, previous = pool.map(figures_of, (query.current, query.previous))
    return current, previous


def render_summary(rt: Runtime, report: MetricsReport) -> str:
    return rt.renderer.render(
        "metrics/summary.j2",
        period=report.query.period,
        severity=report.query.severity,
        cur=report.current,
        prev=report.previous,
    )


def trend_png(rt: Runtime, report: MetricsReport) -> bytes:
    """Incidents per week (bars) and the week's customer-visible MTTR p50 (line, hours).

    Drawn on a bare Figure with the Agg canvas (never pyplot: no global state, no display),
    and matplotlib is imported here only, as bot/services/impact/chart.py explains.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    weeks = report.current.weekly
    figure = Figure(figsize=(9, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    positions = list(range(len(weeks)))
    axes.bar(positions, [count for _, count, _ in weeks], color="#0072B2", label="incidents")
    axes.set_ylabel("incidents per week")
    axes.yaxis.get_major_locator().set_params(integer=True)
    step = max(1, len(weeks) // 12)
    axes.set_xticks(positions[::step], [label for label, _, _ in weeks][::step], fontsize=8)
    hours = axes.twinx()
    mttr = [(i, _hours(p50)) for i, (_, _, p50) in enumerate(weeks) if p50 is not None]
    if mttr:
        hours.plot([i for i, _ in mttr], [h for _, h in mttr], color="#D55E00", marker="o",
                   label="MTTR p50 (h)")  # fmt: skip
    hours.set_ylabel("MTTR p50, hours")
    axes.set_title(rt.renderer.render("metrics/chart_title.txt.j2", period=report.query.period))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_filename(report: MetricsReport, now: datetime) -> str:
    severity = f"-{report.query.severity}" if report.query.severity else ""
    return f"liaison-metrics-{report.query.period}{severity}-{now:%Y-%m-%d}.png"


def _hours(value: timedelta) -> float:
    return round(value.total_seconds() / 3600, 2)
