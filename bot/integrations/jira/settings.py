"""Jira Cloud settings; bot/config.py's Settings inherits them.

Jira is off until ``JIRA_URL``, ``JIRA_EMAIL`` and ``JIRA_API_TOKEN`` are set.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_settings import BaseSettings, NoDecode


def _csv(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


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
    jira_labels: Annotated[list[str], NoDecode, BeforeValidator(_csv)] = [
        "customer-impact",
        "liaison",
    ]
    # Custom field (e.g. customfield_10042) that holds the number of affected customers.
    jira_customers_field: str = ""

    @property
    def jira_enabled(self) -> bool:
        return bool(self.jira_url and self.jira_email and self.jira_api_token and self.jira_project)
