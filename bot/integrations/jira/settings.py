"""Jira Cloud settings; bot/config.py's Settings inherits them.

Jira is off until ``JIRA_URL``, ``JIRA_EMAIL`` and ``JIRA_API_TOKEN`` are set.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings

from bot.setting_types import CsvList


class JiraSettings(BaseSettings):
    # https://<site>.atlassian.net
    jira_url: str = ""
    jira_email: str = ""
    jira_api_token: str = ""
    jira_project: str = ""
    jira_issue_type: str = "Bug"
    # Issue type of the post-incident report ticket (`/liaison jira pir`).
    jira_pir_issue_type: str = "Task"
    # Secret of the Jira admin webhook (X-Hub-Signature); empty: the webhook is refused.
    jira_webhook_secret: str = ""
    jira_labels: CsvList = [
        "customer-impact",
        "liaison",
    ]
    # Custom field (e.g. customfield_10042) that holds the number of affected customers.
    jira_customers_field: str = ""

    @property
    def jira_enabled(self) -> bool:
        return bool(self.jira_url and self.jira_email and self.jira_api_token and self.jira_project)
