"""The outgoing PagerDuty port: the REST API (read an incident, status updates, notes,
resolve, the health check) and the Events API v2 (page a service's on-call).

Both go through the shared integration client, so a 429, a 5xx or a timeout reaches the
job that made the call as a transient failure with PagerDuty's Retry-After, and a refused
request (bad token, unknown incident, invalid routing key) as a permanent one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.integrations.health import CheckResult, Health
from bot.integrations.http import ClientConfig, IntegrationClient, IntegrationError
from bot.integrations.pagerduty.settings import PagerDutySettings

SYSTEM = "PagerDuty"
_ACCEPT = "application/vnd.pagerduty+json;version=2"


@dataclass(frozen=True)
class Page:
    """One trigger event for the Events API v2 (``dedup_key`` makes repeats one page)."""

    routing_key: str
    dedup_key: str
    summary: str
    source: str
    severity: str = "critical"  # critical | error | warning | info
    custom_details: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)


class PagerDutyClient:
    """Thread-safe; one per process, built from the settings by the capability's install."""

    def __init__(
        self, rest: IntegrationClient, events: IntegrationClient, *, from_email: str = ""
    ) -> None:
        self._rest = rest
        self._events = events
        self._from_email = from_email

    @classmethod
    def from_settings(cls, settings: PagerDutySettings) -> PagerDutyClient:
        rest_headers = {
            "Authorization": f"Token token={settings.pagerduty_api_token}",
            "Accept": _ACCEPT,
        }
        if settings.pagerduty_from_email:
            rest_headers["From"] = settings.pagerduty_from_email
        rest = IntegrationClient(
            ClientConfig(system=SYSTEM, base_url=settings.pagerduty_api_url, headers=rest_headers)
        )
        events = IntegrationClient(
            ClientConfig(
                system=f"{SYSTEM} Events", base_url=settings.pagerduty_events_url, headers={}
            )
        )
        return cls(rest, events, from_email=settings.pagerduty_from_email)

    def close(self) -> None:
        self._rest.close()
        self._events.close()

    def incident(self, external_id: str) -> dict[str, Any]:
        answer = self._rest.json(
            "GET", f"/incidents/{external_id}", what=f"read incident {external_id}"
        )
        return dict((answer or {}).get("incident") or {})

    def user_email(self, user_id: str) -> str | None:
        """A responder's email, to find them in Slack; None when PagerDuty has no such user."""
        try:
            answer = self._rest.json("GET", f"/users/{user_id}", what=f"read user {user_id}")
        except IntegrationError as exc:
            if exc.status == 404:
                return None
            raise
        email = ((answer or {}).get("user") or {}).get("email")
        return str(email) if email else None

    def add_status_update(self, external_id: str, message: str) -> None:
        self._rest.json(
            "POST",
            f"/incidents/{external_id}/status_updates",
            what=f"add a status update to incident {external_id}",
            json={"message": message},
        )

    def add_note(self, external_id: str, content: str) -> None:
        self._rest.json(
            "POST",
            f"/incidents/{external_id}/notes",
            what=f"add a note to incident {external_id}",
            json={"note": {"content": content}},
        )

    def resolve(self, external_id: str) -> None:
        self._rest.json(
            "PUT",
            f"/incidents/{external_id}",
            what=f"resolve incident {external_id}",
            json={"incident": {"type": "incident_reference", "status": "resolved"}},
        )

    def trigger(self, page: Page) -> str:
        """Send a trigger event; returns the dedup key PagerDuty filed it under."""
        body: dict[str, Any] = {
            "routing_key": page.routing_key,
            "event_action": "trigger",
            "dedup_key": page.dedup_key,
            "payload": {
                "summary": page.summary[:1024],
                "source": page.source,
                "severity": page.severity,
                "custom_details": page.custom_details,
            },
            "client": "Liaison",
        }
        if page.links:
            body["links"] = page.links
        answer = self._events.json("POST", "/v2/enqueue", what="page on-call", json=body)
        return str((answer or {}).get("dedup_key") or page.dedup_key)

    def check(self) -> CheckResult:
        """One cheap authenticated call: GET /abilities works for account and user keys."""
        try:
            self._rest.json("GET", "/abilities", what="check the API key")
        except IntegrationError as exc:
            hint = (
                "check PAGERDUTY_API_TOKEN"
                if exc.status in (401, 403)
                else ("check PAGERDUTY_API_URL")
            )
            return CheckResult(SYSTEM, Health.failing, f"{exc} — {hint}")
        if not self._from_email:
            return CheckResult(
                SYSTEM,
                Health.failing,
                "API key accepted, but PAGERDUTY_FROM_EMAIL is not set: PagerDuty refuses "
                "status updates, notes and resolutions without it",
            )
        return CheckResult(SYSTEM, Health.ok, f"API key accepted; writing as {self._from_email}")
