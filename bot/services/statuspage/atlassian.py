"""Pushing the page's incidents to Atlassian Statuspage (REST API v1).

One page incident there per page incident here: created with ``POST
/pages/{page_id}/incidents`` by its first update, then each later update is a ``PATCH``
(Statuspage records every change of status and body as an incident update). Components
are sent by their Statuspage ids (``STATUSPAGE_COMPONENT_IDS``); ``deliver_notifications``
lets Statuspage tell its own subscribers.

Exactly once: the incident carries our id in its ``metadata``, so a push that died after
Statuspage created the incident finds it instead of creating a second; a reclaimed update
is compared with the incident's latest update before being sent again.
"""

from __future__ import annotations

from typing import Any

from bot.integrations.http import ClientConfig, IntegrationClient

SYSTEM = "Statuspage"


class StatuspageClient:
    def __init__(self, base_url: str, api_key: str, page_id: str, component_ids: list[str]):
        self.page_id = page_id
        pairs = (item.partition("=") for item in component_ids)
        self.component_ids = {key.strip(): ident.strip() for key, _, ident in pairs}
        self._http = IntegrationClient(
            ClientConfig(
                system=SYSTEM,
                base_url=base_url,
                headers={"Authorization": f"OAuth {api_key}", "Accept": "application/json"},
            )
        )

    def close(self) -> None:
        self._http.close()

    def _components(self, states: dict[str, str]) -> dict[str, str]:
        return {self.component_ids[k]: v for k, v in states.items() if k in self.component_ids}

    def check(self) -> None:
        """One cheap authenticated call (the page itself); raises IntegrationError."""
        self._http.json("GET", f"/pages/{self.page_id}", what="read the page")

    def find(self, local_id: int, *, maintenance: bool) -> dict[str, Any] | None:
        """The incident an earlier attempt created for ``local_id``, if any."""
        which = "scheduled" if maintenance else "unresolved"
        found = self._http.json(
            "GET",
            f"/pages/{self.page_id}/incidents/{which}",
            what="list incidents",
        )
        for incident in found or []:
            meta = (incident.get("metadata") or {}).get("liaison") or {}
            if str(meta.get("page_incident_id")) == str(local_id):
                return dict(incident)
        return None

    def create(
        self, *, local_id: int, name: str, status: str, body: str, states: dict[str, str],
        scheduled: tuple[str, str] | None = None,
    ) -> str:  # fmt: skip
        components = self._components(states)
        incident: dict[str, Any] = {
            "name": name,
            "status": status,
            "body": body,
            "component_ids": list(components),
            "components": components,
            "deliver_notifications": True,
            "metadata": {"liaison": {"page_incident_id": local_id}},
        }
        if scheduled is not None:
            incident["scheduled_for"], incident["scheduled_until"] = scheduled
            incident["scheduled_remind_prior"] = False
        answer = self._http.json(
            "POST",
            f"/pages/{self.page_id}/incidents",
            what="create an incident",
            json={"incident": incident},
        )
        return str(answer["id"])

    def latest_update(self, incident_id: str) -> dict[str, Any] | None:
        answer = self._http.json(
            "GET", f"/pages/{self.page_id}/incidents/{incident_id}", what="read an incident"
        )
        updates = (answer or {}).get("incident_updates") or []
        return dict(updates[0]) if updates else None

    def update(
        self, incident_id: str, *, name: str, status: str, body: str, states: dict[str, str]
    ) -> None:
        components = self._components(states)
        self._http.json(
            "PATCH",
            f"/pages/{self.page_id}/incidents/{incident_id}",
            what="update an incident",
            json={
                "incident": {
                    "name": name,
                    "status": status,
                    "body": body,
                    "component_ids": list(components),
                    "components": components,
                    "deliver_notifications": True,
                }
            },
        )
