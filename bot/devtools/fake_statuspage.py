"""An in-process fake of Atlassian Statuspage's REST API (the part Liaison uses).

Like the real API it wants ``Authorization: OAuth <key>``, knows only its own page id,
records every incident update a POST or PATCH creates, and lists unresolved and scheduled
incidents with their ``metadata``. Tests read ``incidents`` to see what customers of the
real page would read.
"""

from __future__ import annotations

import itertools
from typing import Any

from bot.devtools.fake_service import Answer, FakeService, Request

_RESOLVED = ("resolved", "postmortem", "completed")
_PATH = r"/v1/pages/(?P<page>[^/]+)/incidents"


class FakeStatuspage(FakeService):
    name = "statuspage"

    def __init__(self, *, api_key: str = "sp-key", page_id: str = "pg1") -> None:
        super().__init__()
        self.api_key = api_key
        self.page_id = page_id
        self.incidents: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.route("GET", r"/v1/pages/(?P<page>[^/]+)", self._read_page)
        self.route("GET", f"{_PATH}/unresolved", self._unresolved)
        self.route("GET", f"{_PATH}/scheduled", self._scheduled)
        self.route("POST", _PATH, self._create)
        self.route("GET", rf"{_PATH}/(?P<id>[^/]+)", self._read)
        self.route("PATCH", rf"{_PATH}/(?P<id>[^/]+)", self._update)

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1"

    def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"OAuth {self.api_key}"

    def _page(self, request: Request) -> Answer | None:
        if request.params.get("page") != self.page_id:
            return Answer(404, {"error": "page not found"})
        return None

    def _read_page(self, request: Request) -> Answer:
        return self._page(request) or Answer(200, {"id": self.page_id, "name": "Fake page"})

    def _create(self, request: Request) -> Answer:
        missing = self._page(request)
        if missing:
            return missing
        body = (request.json or {})["incident"]
        if not body.get("name"):
            return Answer(422, {"error": "name can't be blank"})
        ident = f"inc{next(self._ids)}"
        incident = {
            "id": ident,
            "name": body["name"],
            "status": body.get("status", "investigating"),
            "metadata": body.get("metadata") or {},
            "components": dict(body.get("components") or {}),
            "scheduled_for": body.get("scheduled_for"),
            "scheduled_until": body.get("scheduled_until"),
            "incident_updates": [],
        }
        self._add_update(incident, body)
        self.incidents[ident] = incident
        return Answer(201, incident)

    def _update(self, request: Request) -> Answer:
        missing = self._page(request)
        if missing:
            return missing
        incident = self.incidents.get(request.params["id"])
        if incident is None:
            return Answer(404, {"error": "incident not found"})
        body = (request.json or {})["incident"]
        incident["name"] = body.get("name", incident["name"])
        incident["status"] = body.get("status", incident["status"])
        incident["components"].update(body.get("components") or {})
        self._add_update(incident, body)
        return Answer(200, incident)

    def _add_update(self, incident: dict[str, Any], body: dict[str, Any]) -> None:
        incident["incident_updates"].insert(
            0,
            {
                "id": f"upd{next(self._ids)}",
                "status": body.get("status", incident["status"]),
                "body": body.get("body", ""),
                "affected_components": [
                    {"code": k, "new_status": v} for k, v in (body.get("components") or {}).items()
                ],
                "deliver_notifications": body.get("deliver_notifications", True),
            },
        )

    def _read(self, request: Request) -> Answer:
        incident = self.incidents.get(request.params["id"])
        return Answer(200, incident) if incident else Answer(404, {"error": "not found"})

    def _unresolved(self, request: Request) -> Answer:
        return self._page(request) or Answer(
            200,
            [
                i for i in self.incidents.values()
                if i["status"] not in _RESOLVED and not i["scheduled_for"]
            ],
        )  # fmt: skip

    def _scheduled(self, request: Request) -> Answer:
        return self._page(request) or Answer(
            200,
            [
                i
                for i in self.incidents.values()
                if i["scheduled_for"] and i["status"] == "scheduled"
            ],
        )
