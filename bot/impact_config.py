"""Settings of the impact summary; bot/config.py's Settings inherits them.

Kept apart so config.py stays readable; load_settings reports their errors like any other.
How the thresholds decide what stands out is explained in README, "Impact summary".
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from bot.account_partitions import AccountPartition, parse_partitions
from bot.setting_types import CsvList, PositiveDuration


class ImpactSettings(BaseSettings):
    # The live summary in the incident channel changes at most once per this interval.
    impact_refresh: PositiveDuration = timedelta(seconds=60)
    # Account-number ranges ("legacy=0-99999, 100000-", ...); empty: by leading digit.
    impact_account_partitions: CsvList = []
    # Severity hint: offered while the incident is below a major severity and any of these
    # holds (0 switches a threshold off).
    impact_hint_customers: int = Field(default=25, ge=0)
    impact_hint_vips: int = Field(default=3, ge=0)
    impact_hint_rising: bool = True
    # Trend: bar width of the sparkline and chart, bars shown at most (the bar widens on long
    # incidents), and intervals compared (last N vs the N before).
    impact_trend_interval: PositiveDuration = timedelta(minutes=5)
    impact_trend_bars: int = Field(default=24, ge=4, le=60)
    impact_trend_window: int = Field(default=3, ge=1)
    # Exposure: tickets whose first-response deadline falls within this window.
    impact_exposure_window: PositiveDuration = timedelta(hours=1)
    # What stands out (README, "Impact summary"): beyond chance at this false-discovery
    # rate, by at least this lift over the baseline share and this many customers.
    impact_significance: float = Field(default=0.05, gt=0, lt=0.5)
    impact_min_lift: float = Field(default=1.5, ge=1.0)
    impact_min_excess: float = Field(default=3.0, ge=0)
    # Without a directory column, the baseline is other incidents' reports of this window.
    impact_baseline_window: PositiveDuration = timedelta(days=30)
    # No lead before this many reports; without any baseline, a value is named only when it
    # holds this share (percent) of the reports.
    impact_min_reports: int = Field(default=5, ge=1)
    impact_dominant_share: int = Field(default=90, ge=50, le=100)
    # Segments listed per dimension in the full summary.
    impact_segments_shown: int = Field(default=5, ge=1, le=20)

    @field_validator("impact_account_partitions")
    @classmethod
    def _valid_partitions(cls, value: list[str]) -> list[str]:
        parse_partitions(value)
        return value

    def account_partitions(self) -> list[AccountPartition]:
        """The configured account-number ranges (empty: group by leading digit)."""
        return parse_partitions(self.impact_account_partitions)
