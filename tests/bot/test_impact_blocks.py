"""Impact Block Kit builders and chart: Slack's limits hold however big the incident gets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.ids import ImpactIds, IncidentActions
from bot.rendering import Renderer
from bot.services.impact.chart import ChartData, ChartSeries, render_png
from bot.services.impact.model import (
    Basis,
    Dimension,
    DimensionKey,
    Direction,
    Exposure,
    Finding,
    ImpactSummary,
    IncidentInfo,
    ReportSample,
    Segment,
    SeverityHint,
    Totals,
    Trend,
)
from bot.slack.blocks import MESSAGE_BLOCK_LIMIT, TEXT_LIMIT
from bot.slack.impact_blocks import full_summary_message, live_summary_message

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LONG = "x" * 300 + " <&> "


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def _huge_summary() -> ImpactSummary:
    """5,000 reports, 300 versions with absurd names, every pattern and 25 long VIP names."""
    versions = tuple(
        Segment(f"{LONG}{i}", f"{LONG}{i}", 5000 // 300, 10, 10, None, 1 / 300) for i in range(300)
    )
    regions = tuple(
        Segment(f"{LONG}r{i}", f"{LONG}r{i}", 400, 300, 300, 1000, 0.08) for i in range(12)
    )
    dimensions = tuple(
        Dimension(key, versions if key is DimensionKey.version else regions, 300, 5000, 12000)
        for key in DimensionKey
    )
    findings = tuple(
        Finding(key, (LONG,), (LONG, LONG, LONG), units, 5000, 0.01, basis, 1e-9, True, (LONG,) * 3)
        for units in (5000, 4000)
        for basis in Basis
        for key in DimensionKey
    )
    return ImpactSummary(
        incident=IncidentInfo(
            7, LONG, "sev3", "open", "CINC", NOW - timedelta(days=3), None, False
        ),
        computed_at=NOW,
        totals=Totals(
            5000,
            4000,
            4900,
            25,
            3900,
            12000,
            NOW - timedelta(days=3),
            NOW,
            sources=(("Zendesk", 3000), ("Salesforce", 1000), ("Help desk", 500), ("Slack", 5)),
        ),
        dimensions=dimensions,
        trend=Trend(
            NOW - timedelta(days=3),
            timedelta(hours=3),
            tuple(range(24)),
            timedelta(hours=9),
            90,
            10,
            Direction.rising,
            timedelta(minutes=1),
        ),
        exposure=Exposure(120, 30, timedelta(hours=1), tuple(LONG for _ in range(25)), 60),
        findings=findings,
        hint=SeverityHint("sev3", "sev2", ("customers", "vips", "rising"), 4000, 25, 25, 3),
        samples=tuple(
            ReportSample(
                LONG * 10,
                LONG,
                LONG,
                "Zendesk",
                LONG,
                f"https://help.example/{LONG}",
                LONG * 40,
                NOW - timedelta(minutes=minutes),
            )
            for minutes in range(5)
        ),
    )


def test_a_huge_incident_fits_every_limit_and_counts_what_it_leaves_out() -> None:
    renderer = Renderer()
    summary = _huge_summary()
    for message in (
        full_summary_message(summary, renderer, segments_shown=20),
        live_summary_message(summary, renderer, refresh=timedelta(seconds=60)),
    ):
        assert len(message.blocks) <= MESSAGE_BLOCK_LIMIT
        assert all(len(text) <= TEXT_LIMIT for text in _texts(message.blocks))
        assert len(message.text) <= TEXT_LIMIT
        assert "&lt;&amp;&gt;" in json.dumps(message.blocks)  # user text escaped, once
    full = full_summary_message(summary, renderer, segments_shown=5)
    texts = _texts(full.blocks)
    assert any("Sources: 3000 Zendesk, 1000 Salesforce, 500 Help desk, 5 Slack" in t for t in texts)
    samples = next(t for t in texts if t.startswith("*Latest 5 reports*"))
    assert samples.count("\n• ") == 5 and samples.count(" · via Zendesk · ") == 5
    version_text = next(t for t in _texts(full.blocks) if t.startswith("*Version*"))
    assert version_text.endswith("… and 295 more")
    assert version_text.count("\n• ") == 5


def test_the_live_summary_carries_the_hint_button() -> None:
    message = live_summary_message(_huge_summary(), Renderer(), refresh=timedelta(seconds=60))
    [hint] = [b for b in message.blocks if b.get("block_id") == ImpactIds.hint]
    [button] = hint["elements"]
    assert button["action_id"] == IncidentActions.raise_severity
    assert json.loads(button["value"]) == {"incident_id": 7, "severity": "sev2"}
    assert button["text"]["text"] == "Raise to sev2"


def test_the_chart_is_a_png_without_a_display() -> None:
    png = render_png(
        ChartData(
            title="Reports per 5m by region · incident #7",
            start=NOW,
            interval=timedelta(minutes=5),
            series=(ChartSeries("eu-south", (1, 4, 9, 3)), ChartSeries("other", (0, 1, 0, 2))),
        )
    )
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 5000
