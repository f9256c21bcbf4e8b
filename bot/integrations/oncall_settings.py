"""The on-call and backlog settings (PagerDuty, conference bridge, Jira) as one mixin of
bot/config.py's Settings."""

from __future__ import annotations

from bot.integrations.jira.settings import JiraSettings
from bot.integrations.pagerduty.settings import PagerDutySettings


class OnCallSettings(PagerDutySettings, JiraSettings):
    """PAGERDUTY_*, CONFERENCE_BRIDGE_URL and JIRA_* (see .env.example)."""
