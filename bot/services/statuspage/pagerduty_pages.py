"""Pushing the page's incidents to a PagerDuty status page (REST API, Status Pages).

One status page *post* there per page incident here, created by its first update with
``POST /status_pages/{id}/posts`` (``post_type`` incident or maintenance, the first post
update inside); each later update is a *post update*
(``POST /status_pages/{id}/posts/{post_id}/post_updates``). A post update names its
status, severity and per-service impact by the ids the page defines: they are read once
per push from ``/statuses``, ``/severities`` and ``/impacts`` and matched by description
(``investigating``, ``minor``, ``partial outage``...). Components are sent as the page's
services (``PAGERDUTY_STATUS_PAGE_SERVICES``).
"""

from __future__ import annotations

import re
from typing import Any

from bot.integrations.http import ClientConfig, IntegrationClient, IntegrationError

SYSTEM = "PagerDuty Status Pages"
# Our words -> the descriptions a PagerDuty status page may use for them, best first.
STATUSES = {
    "investigating": ("investigating", "detected"),
    "identified": ("identified", "investigating"),
    "monitoring": ("monitoring", "recovering"),
    "resolved": ("resolved",),
    "scheduled": ("scheduled", "planned", "not started"),
    "in_progress": ("in progress", "started"),
    "completed": ("completed", "resolved", "ended"),
}
SEVERITIES = {
    "none": ("all good", "none", "minor"),
    "minor": ("minor",),
    "major": ("major",),
    "critical": ("critical", "major"),
    "maintenance": ("maintenance", "all good", "minor"),
}
IMPACTS = {
    "operational": ("operational",),
    "degraded_performance": ("degraded", "degraded performance", "minor"),
    "partial_outage": ("partial outage", "partial"),
    "major_outage": ("major outage", "major"),
    "under_maintenance": ("under maintenance", "maintenance", "degraded"),
}


def _word(description: str) -> str:
    return re.sub(r"[\s_-]+", " ", description.strip().lower())


class PagerDutyStatusPageClient:
    def __init__(self, base_url: str, token: str, page_id: str, services: list[str]) -> None:
        self.page_id = page_id
        pairs = (item.partition("=") for item in services)
        self.services = {key.strip(): ident.strip() for key, _, ident in pairs}
        self._catalogs: dict[tuple[str, str], dict[str, str]] = {}
        self._http = IntegrationClient(
            ClientConfig(
                system=SYSTEM,
                base_url=base_url,
                headers={
                    "Authorization": f"Token token={token}",
                    "Accept": "application/vnd.pagerduty+json;version=2",
                },
            )
        )

    def close(self) -> None:
        self._http.close()

    @property
    def _base(self) -> str:
        return f"/status_pages/{self.page_id}"

    def check(self) -> None:
        """One cheap authenticated call (the status page itself); raises IntegrationError."""
        self._http.json("GET", self._base, what="read the status page")

    def _catalog(self, kind: str, post_type: str) -> dict[str, str]:
        """The page's statuses, severities or impacts: description -> id."""
        if (kind, post_type) not in self._catalogs:
            answer = self._http.json(
                "GET", f"{self._base}/{kind}", what=f"list {kind}",
                params={"post_type": post_type, "limit": 100},
            )  # fmt: skip
            self._catalogs[(kind, post_type)] = {
                _word(str(item.get("description") or "")): str(item["id"])
                for item in (answer or {}).get(kind) or []
            }
        return self._catalogs[(kind, post_type)]

    def _pick(self, kind: str, post_type: str, wanted: tuple[str, ...], ours: str) -> str:
        catalog = self._catalog(kind, post_type)
        for description in wanted:
            if description in catalog:
                return catalog[description]
        raise IntegrationError(
            SYSTEM, f"match {kind}", permanent=True,
            detail=f"the status page has none for {ours!r} (it has {', '.join(catalog)})",
        )  # fmt: skip

    def post_update(
        self, *, post_type: str, status: str, impact: str, body: str, states: dict[str, str]
    ) -> dict[str, Any]:
        """A post update as the API takes it, our words translated to the page's ids."""
        status_id = self._pick("statuses", post_type, STATUSES.get(status, (status,)), status)
        severity = "maintenance" if post_type == "maintenance" else impact
        severity_id = self._pick("severities", post_type, SEVERITIES[severity], severity)
        impacted = [
            {
                "service": {"id": self.services[key], "type": "status_page_service"},
                "impact": {
                    "id": self._pick("impacts", post_type, IMPACTS[state], state),
                    "type": "status_page_impact",
                },
            }
            for key, state in states.items()
            if key in self.services and state in IMPACTS
        ]
        return {
            "type": "status_page_post_update",
            "message": body,
            "status": {"id": status_id, "type": "status_page_status"},
            "severity": {"id": severity_id, "type": "status_page_severity"},
            "impacted_services": impacted,
            "notify_subscribers": True,
        }

    def create(
        self, *, title: str, post_type: str, starts_at: str, ends_at: str | None,
        update: dict[str, Any],
    ) -> str:  # fmt: skip
        answer = self._http.json(
            "POST",
            f"{self._base}/posts",
            what="create a post",
            json={
                "post": {
                    "type": "status_page_post",
                    "title": title[:128],
                    "post_type": post_type,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "status_page": {"id": self.page_id, "type": "status_page"},
                    "updates": [update],
                }
            },
        )
        return str(answer["post"]["id"])

    def add(self, post_id: str, update: dict[str, Any]) -> None:
        self._http.json(
            "POST",
            f"{self._base}/posts/{post_id}/post_updates",
            what="add a post update",
            json={"post_update": {**update, "post": {"id": post_id, "type": "status_page_post"}}},
        )

    def end(self, post_id: str, *, title: str, ends_at: str) -> None:
        """Close the post's window (a resolved incident, a completed maintenance)."""
        self._http.json(
            "PUT",
            f"{self._base}/posts/{post_id}",
            what="end a post",
            json={"post": {"type": "status_page_post", "title": title[:128], "ends_at": ends_at}},
        )

    def find(self, *, title: str, post_type: str, starts_at: str) -> str | None:
        """The post an earlier attempt created (same title, type and start), if any."""
        answer = self._http.json(
            "GET", f"{self._base}/posts", what="list posts",
            params={"post_type": post_type, "limit": 100},
        )  # fmt: skip
        for post in (answer or {}).get("posts") or []:
            if post.get("title") == title[:128] and _same_time(post.get("starts_at"), starts_at):
                return str(post["id"])
        return None

    def latest_message(self, post_id: str) -> str | None:
        answer = self._http.json(
            "GET", f"{self._base}/posts/{post_id}/post_updates", what="list post updates"
        )
        updates = (answer or {}).get("post_updates") or []
        if not updates:
            return None
        latest = max(updates, key=lambda u: str(u.get("reported_at") or ""))
        return str(latest.get("message") or "")


def _same_time(theirs: object, ours: str) -> bool:
    return str(theirs or "").replace("Z", "+00:00")[:19] == ours[:19]
