"""The outgoing Jira Cloud port: create an issue (REST v3, ADF description) and check the
credentials (GET /rest/api/3/myself), over the shared integration client (basic auth)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.integrations.health import CheckResult, Health
from bot.integrations.http import ClientConfig, IntegrationClient, IntegrationError
from bot.integrations.jira.settings import JiraSettings

SYSTEM = "Jira"


@dataclass(frozen=True)
class CreatedIssue:
    key: str
    id: str
    url: str


class JiraClient:
    def __init__(self, http: IntegrationClient, site_url: str) -> None:
        self._http = http
        self._site = site_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: JiraSettings) -> JiraClient:
        http = IntegrationClient(
            ClientConfig(
                system=SYSTEM,
                base_url=settings.jira_url,
                headers={"Accept": "application/json"},
                auth=(settings.jira_email, settings.jira_api_token),
            )
        )
        return cls(http, settings.jira_url)

    def close(self) -> None:
        self._http.close()

    def issue_url(self, key: str) -> str:
        return f"{self._site}/browse/{key}"

    def create_issue(self, fields: dict[str, Any]) -> CreatedIssue:
        answer = self._http.json(
            "POST", "/rest/api/3/issue", what="create an issue", json={"fields": fields}
        )
        key = str(answer["key"])
        return CreatedIssue(key=key, id=str(answer.get("id", "")), url=self.issue_url(key))

    def find_issue(self, jql: str) -> str | None:
        """The key of the first issue matching ``jql`` (a retried creation looks first)."""
        answer = self._http.json(
            "POST",
            "/rest/api/3/search/jql",
            what="search issues",
            json={"jql": jql, "maxResults": 1, "fields": ["key"]},
        )
        issues = (answer or {}).get("issues") or []
        return str(issues[0]["key"]) if issues else None

    def check(self) -> CheckResult:
        try:
            me = self._http.json("GET", "/rest/api/3/myself", what="check the credentials")
        except IntegrationError as exc:
            hint = (
                "check JIRA_EMAIL and JIRA_API_TOKEN"
                if exc.status in (401, 403)
                else ("check JIRA_URL")
            )
            return CheckResult(SYSTEM, Health.failing, f"{exc} — {hint}")
        name = (me or {}).get("displayName") or (me or {}).get("emailAddress") or "ok"
        return CheckResult(SYSTEM, Health.ok, f"signed in as {name}")
