"""An in-process fake of PagerDuty's REST API and Events API v2, for tests and the demo.

It enforces what the real API enforces (``Authorization: Token token=...``; a ``From``
header on writes; known routing keys), records every call, and keeps incidents so the
Events API's dedup key behaves as PagerDuty's does: a second trigger with the same key
while the incident is open pages nobody again. ``webhook`` builds v3 webhook deliveries
shaped like PagerDuty's, signed as PagerDuty signs them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.fake_service import Answer, FakeService, Request


@dataclass
class FakeIncident:
    id: str
    number: int
    title: str
    service_id: str
    service_name: str
    status: str = "triggered"
    urgency: str = "high"
    priority: str | None = None
    incident_key: str | None = None
    assignees: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    conference_url: str | None = None
    conference_number: str | None = None
    status_updates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        """The incident object as the REST API and the v3 webhook's ``data`` carry it."""
        return {
            "id": self.id,
            "type": "incident",
            "self": f"https://api.pagerduty.com/incidents/{self.id}",
            "html_url": f"https://example.pagerduty.com/incidents/{self.id}",
            "number": self.number,
            "status": self.status,
            "incident_key": self.incident_key or self.id,
            "created_at": "2026-11-23T10:00:00Z",
            "title": self.title,
            "service": {
                "html_url": f"https://example.pagerduty.com/services/{self.service_id}",
                "id": self.service_id,
                "self": f"https://api.pagerduty.com/services/{self.service_id}",
                "summary": self.service_name,
                "type": "service_reference",
            },
            "assignees": [
                {
                    "html_url": f"https://example.pagerduty.com/users/{user_id}",
                    "id": user_id,
                    "self": f"https://api.pagerduty.com/users/{user_id}",
                    "summary": name,
                    "type": "user_reference",
                }
                for user_id, name in self.assignees
            ],
            "escalation_policy": {
                "id": "PEP0001",
                "summary": "Default",
                "type": "escalation_policy_reference",
            },
            "teams": [],
            "priority": (
                {"id": f"PRI{self.priority}", "summary": self.priority, "type": "priority"}
                if self.priority
                else None
            ),
            "urgency": self.urgency,
            "conference_bridge": (
                {
                    "conference_number": self.conference_number,
                    "conference_url": self.conference_url,
                }
                if self.conference_url or self.conference_number
                else None
            ),
            "resolve_reason": None,
        }


def sign(body: bytes, *secrets: str) -> str:
    """The ``X-PagerDuty-Signature`` value: one ``v1=<hex>`` per active secret."""
    return ",".join(
        "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest() for secret in secrets
    )


def webhook(
    event_type: str,
    incident: FakeIncident,
    *,
    event_id: str,
    occurred_at: str,
    agent: tuple[str, str, str] | None = None,  # (id, name, email)
) -> bytes:
    """A v3 webhook delivery body for an incident event, as PagerDuty sends it."""
    payload = {
        "event": {
            "id": event_id,
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": occurred_at,
            "agent": (
                {
                    "html_url": f"https://example.pagerduty.com/users/{agent[0]}",
                    "id": agent[0],
                    "self": f"https://api.pagerduty.com/users/{agent[0]}",
                    "summary": agent[1],
                    "type": "user_reference",
                }
                if agent
                else None
            ),
            "client": None,
            "data": incident.to_api(),
        }
    }
    return json.dumps(payload).encode()


class FakePagerDuty(FakeService):
    name = "pagerduty"

    def __init__(self, *, token: str = "pd-token", routing_keys: dict[str, str] | None = None):
        super().__init__()
        self.token = token
        # routing key -> (service id, service name)
        self.routing_keys = routing_keys or {}
        self.incidents: dict[str, FakeIncident] = {}
        self.users: dict[str, str] = {}  # user id -> email
        self._counter = 0
        self._state = threading.Lock()
        self.route("GET", r"/incidents/(?P<id>[A-Z0-9]+)", self._get_incident)
        self.route("PUT", r"/incidents/(?P<id>[A-Z0-9]+)", self._update_incident)
        self.route("POST", r"/incidents/(?P<id>[A-Z0-9]+)/status_updates", self._status_update)
        self.route("POST", r"/incidents/(?P<id>[A-Z0-9]+)/notes", self._note)
        self.route("GET", r"/abilities", lambda r: Answer(200, {"abilities": ["teams"]}))
        self.route("GET", r"/users/(?P<id>[A-Z0-9]+)", self._get_user)
        self.route("POST", r"/v2/enqueue", self._enqueue)

    # -- what tests use ----------------------------------------------------------------

    def add_incident(self, **fields: Any) -> FakeIncident:
        with self._state:
            self._counter += 1
            fields.setdefault("id", f"Q{self._counter:07d}")
            fields.setdefault("number", 1000 + self._counter)
            fields.setdefault("title", f"Incident {self._counter}")
            fields.setdefault("service_id", "PSVC001")
            fields.setdefault("service_name", "Checkout")
            incident = FakeIncident(**fields)
            self.incidents[incident.id] = incident
            return incident

    def pages(self) -> list[FakeIncident]:
        """Incidents opened through the Events API (each paged the on-call once)."""
        return [i for i in self.incidents.values() if i.incident_key and i.id.startswith("E")]

    # -- the API -----------------------------------------------------------------------

    def authorized(self, request: Request) -> bool:
        if request.path == "/v2/enqueue":
            return True  # the routing key in the body is the credential
        return request.headers.get("authorization") == f"Token token={self.token}"

    def unauthorized(self, request: Request) -> Answer:
        return Answer(401, {"error": {"message": "Unauthorized", "code": 2006}})

    def _found(self, request: Request) -> FakeIncident | None:
        return self.incidents.get(request.params["id"])

    def _missing_from(self, request: Request) -> Answer | None:
        if not request.headers.get("from"):
            return Answer(400, {"error": {"message": "Requester User Not Found", "code": 2100}})
        return None

    def _get_incident(self, request: Request) -> Answer:
        incident = self._found(request)
        if incident is None:
            return Answer(404, {"error": {"message": "Not Found", "code": 2100}})
        return Answer(200, {"incident": incident.to_api()})

    def _update_incident(self, request: Request) -> Answer:
        refused = self._missing_from(request)
        incident = self._found(request)
        if refused or incident is None:
            return refused or Answer(404, {"error": {"message": "Not Found"}})
        status = request.json["incident"].get("status")
        if status in ("acknowledged", "resolved"):
            incident.status = status
        return Answer(200, {"incident": incident.to_api()})

    def _status_update(self, request: Request) -> Answer:
        refused = self._missing_from(request)
        incident = self._found(request)
        if refused or incident is None:
            return refused or Answer(404, {"error": {"message": "Not Found"}})
        incident.status_updates.append(str(request.json["message"]))
        return Answer(200, {"status_update": {"message": request.json["message"]}})

    def _note(self, request: Request) -> Answer:
        refused = self._missing_from(request)
        incident = self._found(request)
        if refused or incident is None:
            return refused or Answer(404, {"error": {"message": "Not Found"}})
        incident.notes.append(str(request.json["note"]["content"]))
        return Answer(201, {"note": {"content": request.json["note"]["content"]}})

    def _get_user(self, request: Request) -> Answer:
        user_id = request.params["id"]
        if user_id not in self.users:
            return Answer(404, {"error": {"message": "Not Found"}})
        email = self.users[user_id]
        return Answer(200, {"user": {"id": user_id, "email": email, "type": "user"}})

    def _enqueue(self, request: Request) -> Answer:
        event = request.json
        service = self.routing_keys.get(str(event.get("routing_key")))
        if service is None:
            return Answer(400, {"status": "invalid event", "message": "Invalid routing key"})
        payload = event.get("payload") or {}
        if event.get("event_action") != "trigger" or not payload.get("summary"):
            return Answer(400, {"status": "invalid event", "message": "Event object is invalid"})
        dedup_key = str(event.get("dedup_key") or f"auto-{len(self.calls)}")
        with self._state:
            open_same = [
                i
                for i in self.incidents.values()
                if i.incident_key == dedup_key
                and i.service_id == service[0]
                and i.status != "resolved"
            ]
            if not open_same:
                self._counter += 1
                incident = FakeIncident(
                    id=f"E{self._counter:07d}",
                    number=1000 + self._counter,
                    title=str(payload["summary"]),
                    service_id=service[0],
                    service_name=service[1],
                    incident_key=dedup_key,
                )
                self.incidents[incident.id] = incident
        return Answer(
            202, {"status": "success", "message": "Event processed", "dedup_key": dedup_key}
        )
