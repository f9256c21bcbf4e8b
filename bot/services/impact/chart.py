"""The chart posted with the full summary: reports per interval, stacked by one dimension.

Rendered with matplotlib's Agg canvas on a bare ``Figure``, never pyplot: pyplot keeps
global figure state and wants a display, while reminder handlers run in worker threads
on headless servers. matplotlib is imported on first use because it costs half a second
at import and most processes (the web workers) never draw a chart.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.durations import format_duration

# Colour-blind-safe palette (Okabe-Ito); "other" is grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
OTHER_COLOUR = "#BBBBBB"


@dataclass(frozen=True)
class ChartSeries:
    label: str
    counts: tuple[int, ...]


@dataclass(frozen=True)
class ChartData:
    title: str
    start: datetime
    interval: timedelta
    series: tuple[ChartSeries, ...]  # stacked bottom-up; a final "other" series is grey
    other_label: str = "other"


def render_png(chart: ChartData) -> bytes:
    """A PNG of stacked bars, one bar per interval, labelled in UTC."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    bars = max((len(s.counts) for s in chart.series), default=0)
    positions = list(range(bars))
    bottom = [0] * bars
    for index, series in enumerate(chart.series):
        colour = (
            OTHER_COLOUR if series.label == chart.other_label else PALETTE[index % len(PALETTE)]
        )
        counts = list(series.counts) + [0] * (bars - len(series.counts))
        axes.bar(positions, counts, bottom=bottom, color=colour, label=series.label[:40])
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_title(chart.title[:120], fontsize=11)
    axes.set_ylabel(f"reports per {format_duration(chart.interval)}")
    axes.set_xticks(positions, _tick_labels(chart.start, chart.interval, bars), fontsize=8)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    if chart.series:
        axes.legend(loc="upper left", fontsize=8, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _tick_labels(start: datetime, interval: timedelta, bars: int) -> Sequence[str]:
    """Every bar's start time in UTC, thinned to about a dozen labels."""
    step = max(1, -(-bars // 12))
    fmt = "%H:%M" if interval < timedelta(days=1) else "%d %b"
    labels = []
    for index in range(bars):
        moment = start + interval * index
        labels.append(moment.strftime(fmt) if index % step == 0 else "")
    if labels:
        labels[0] = (start).strftime("%H:%M UTC") if interval < timedelta(days=1) else labels[0]
    return labels
