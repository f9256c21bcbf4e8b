"""An in-process fake of the Jira Cloud REST API v3 (issues, search, myself), for tests
and the demo: basic auth enforced, ADF descriptions required, every call recorded.
``webhook`` builds admin-webhook deliveries shaped like Jira's, signed like Jira signs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from typing import Any

from bot.devtools.fake_service import Answer, FakeService, Request


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature`` value of a Jira admin webhook with a secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook(
    event: str,
    *,
    key: str,
    issue_id: str = "10001",
    resolution: str | None = None,
    fix_versions: list[dict[str, Any]] | None = None,
    changelog: list[dict[str, Any]] | None = None,
    timestamp: int = 1795000000000,
) -> bytes:
    """A ``jira:issue_updated`` (or other issue event) delivery body."""
    payload = {
        "timestamp": timestamp,
        "webhookEvent": event,
        "issue_event_type_name": "issue_generic",
        "issue": {
            "id": issue_id,
            "key": key,
            "self": f"https://example.atlassian.net/rest/api/3/issue/{issue_id}",
            "fields": {
                "summary": "Customer impact",
                "resolution": {"name": resolution} if resolution else None,
                "fixVersions": fix_versions or [],
                "status": {"name": "Done" if resolution else "In Progress"},
            },
        },
        "changelog": {"id": "1", "items": changelog or []},
    }
    return json.dumps(payload).encode()


class FakeJira(FakeService):
    name = "jira"

    def __init__(self, *, email: str = "liaison@example.com", token: str = "jira-token"):
        super().__init__()
        self.credentials = base64.b64encode(f"{email}:{token}".encode()).decode()
        self.issues: dict[str, dict[str, Any]] = {}
        self._state = threading.Lock()
        self.route("POST", r"/rest/api/3/issue", self._create)
        self.route("POST", r"/rest/api/3/search/jql", self._search)
        self.route(
            "GET",
            r"/rest/api/3/myself",
            lambda r: Answer(200, {"accountId": "5b10", "displayName": "Liaison Bot"}),
        )

    def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Basic {self.credentials}"

    def unauthorized(self, request: Request) -> Answer:
        return Answer(401, {"errorMessages": ["Client must be authenticated"], "errors": {}})

    def _create(self, request: Request) -> Answer:
        fields = request.json["fields"]
        description = fields.get("description")
        if not isinstance(description, dict) or description.get("type") != "doc":
            return Answer(400, {"errorMessages": [], "errors": {"description": "ADF required"}})
        if not fields.get("project", {}).get("key") or not fields.get("summary"):
            return Answer(400, {"errorMessages": [], "errors": {"project": "required"}})
        with self._state:
            number = len(self.issues) + 1
            key = f"{fields['project']['key']}-{number}"
            self.issues[key] = fields
        return Answer(201, {"id": str(10000 + number), "key": key, "self": f"/issue/{key}"})

    def _search(self, request: Request) -> Answer:
        jql = str(request.json.get("jql", ""))
        with self._state:
            found = [
                {"key": key}
                for key, fields in self.issues.items()
                if any(label in jql for label in fields.get("labels", []) if "incident-" in label)
            ]
        return Answer(200, {"issues": found[:1]})
