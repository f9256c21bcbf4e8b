"""PagerDuty Status Pages on the fake PagerDuty: one status page with its statuses,
severities, impacts and services, and the posts and post updates written to it.

Attached to a ``FakePagerDuty`` (``FakeStatusPages.attach(fake)``) so it shares the fake's
port, its ``Authorization: Token token=...`` check and its injectable failures. Like the
real API it refuses a post update naming a status, severity, impact or service the page
does not define, and a post without an update. Tests read ``posts`` to see what the real
page would show.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.fake_service import Answer, FakeService, Request

_BASE = r"/status_pages/(?P<page>[A-Z0-9]+)"
# A page as PagerDuty sets one up: post type -> descriptions of each catalogue.
CATALOGUES = {
    "statuses": {
        "incident": ("investigating", "identified", "monitoring", "resolved"),
        "maintenance": ("scheduled", "in progress", "completed"),
    },
    "severities": {
        "incident": ("all good", "minor", "major", "critical"),
        "maintenance": ("maintenance",),
    },
    "impacts": {
        "incident": ("operational", "degraded", "partial outage", "major outage"),
        "maintenance": ("operational", "under maintenance"),
    },
}
_SINGULAR = {"statuses": "status", "severities": "severity", "impacts": "impact"}


@dataclass
class FakePost:
    id: str
    title: str
    post_type: str
    starts_at: str | None
    ends_at: str | None
    # Each: message, status, severity (descriptions), impacts {service id: description}.
    updates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return str(self.updates[-1]["status"]) if self.updates else ""

    def to_api(self, page_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "status_page_post",
            "self": f"https://api.pagerduty.com/status_pages/{page_id}/posts/{self.id}",
            "title": self.title,
            "post_type": self.post_type,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "status_page": {"id": page_id, "type": "status_page"},
            "updates": [{"id": u["id"], "type": "status_page_post_update"} for u in self.updates],
        }


class FakeStatusPages:
    def __init__(self, fake: FakeService, *, page_id: str, services: list[str]) -> None:
        self.page_id = page_id
        self.services = set(services)
        self.posts: dict[str, FakePost] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        # kind -> id -> (post type, description)
        self.catalogues: dict[str, dict[str, tuple[str, str]]] = {}
        for kind, by_type in CATALOGUES.items():
            self.catalogues[kind] = {
                f"P{kind[:2].upper()}{n:03d}": (post_type, description)
                for n, (post_type, description) in enumerate(
                    (t, d) for t, descriptions in by_type.items() for d in descriptions
                )
            }
        fake.route("GET", _BASE, self._read_page)
        for kind in CATALOGUES:
            fake.route("GET", f"{_BASE}/{kind}", lambda r, kind=kind: self._list(r, kind))
        fake.route("GET", f"{_BASE}/posts", self._list_posts)
        fake.route("POST", f"{_BASE}/posts", self._create)
        fake.route("PUT", rf"{_BASE}/posts/(?P<post>[A-Z0-9]+)", self._update_post)
        fake.route("GET", rf"{_BASE}/posts/(?P<post>[A-Z0-9]+)/post_updates", self._updates)
        fake.route("POST", rf"{_BASE}/posts/(?P<post>[A-Z0-9]+)/post_updates", self._add)

    @classmethod
    def attach(
        cls, fake: FakeService, *, page_id: str = "PSTATUS", services: list[str] | None = None
    ) -> FakeStatusPages:
        return cls(fake, page_id=page_id, services=services or ["PSVCAPI", "PSVCEU"])

    # -- the API -----------------------------------------------------------------------

    def _missing(self, request: Request) -> Answer | None:
        if request.params.get("page") != self.page_id:
            return Answer(404, {"error": {"message": "Status Page Not Found", "code": 2100}})
        return None

    def _read_page(self, request: Request) -> Answer:
        return self._missing(request) or Answer(
            200,
            {"status_page": {"id": self.page_id, "name": "Fake status", "type": "status_page"}},
        )

    def _list(self, request: Request, kind: str) -> Answer:
        wanted = request.query.get("post_type")
        items = [
            {
                "id": ident,
                "type": f"status_page_{_SINGULAR[kind]}",
                "description": description,
                "post_type": post_type,
                "status_page": {"id": self.page_id, "type": "status_page"},
            }
            for ident, (post_type, description) in self.catalogues[kind].items()
            if not wanted or wanted == post_type
        ]
        return self._missing(request) or Answer(200, {kind: items, "more": False})

    def _list_posts(self, request: Request) -> Answer:
        posts = [p.to_api(self.page_id) for p in self.posts.values()]
        return self._missing(request) or Answer(200, {"posts": posts, "more": False})

    def _reference(self, kind: str, ref: Any, post_type: str) -> str | None:
        ident = (ref or {}).get("id") if isinstance(ref, dict) else None
        found = self.catalogues[kind].get(str(ident))
        return found[1] if found and found[0] == post_type else None

    def _parse_update(self, body: Any, post_type: str) -> dict[str, Any] | Answer:
        """A post update as the test reads it, or the 400 PagerDuty answers."""
        if not isinstance(body, dict) or not str(body.get("message") or "").strip():
            return Answer(400, {"error": {"message": "Message can't be blank"}})
        status = self._reference("statuses", body.get("status"), post_type)
        severity = self._reference("severities", body.get("severity"), post_type)
        if status is None or severity is None:
            return Answer(400, {"error": {"message": "Invalid status or severity"}})
        impacts: dict[str, str] = {}
        for item in body.get("impacted_services") or []:
            service = (item.get("service") or {}).get("id")
            impact = self._reference("impacts", item.get("impact"), post_type)
            if service not in self.services or impact is None:
                return Answer(400, {"error": {"message": "Invalid impacted service"}})
            impacts[str(service)] = impact
        return {
            "id": f"PU{next(self._ids):05d}",
            "message": body["message"],
            "status": status,
            "severity": severity,
            "impacts": impacts,
            "notify_subscribers": bool(body.get("notify_subscribers")),
        }

    def _create(self, request: Request) -> Answer:
        missing = self._missing(request)
        if missing:
            return missing
        body = request.json["post"]
        post_type = body.get("post_type")
        if post_type not in ("incident", "maintenance") or not body.get("title"):
            return Answer(400, {"error": {"message": "Invalid post"}})
        updates = body.get("updates") or []
        if not updates:
            return Answer(400, {"error": {"message": "A post needs an update"}})
        parsed = [self._parse_update(u, post_type) for u in updates]
        refused = next((p for p in parsed if isinstance(p, Answer)), None)
        if refused:
            return refused
        with self._lock:
            post = FakePost(
                id=f"PP{next(self._ids):05d}", title=str(body["title"]), post_type=post_type,
                starts_at=body.get("starts_at"), ends_at=body.get("ends_at"),
                updates=[p for p in parsed if isinstance(p, dict)],
            )  # fmt: skip
            self.posts[post.id] = post
        return Answer(201, {"post": post.to_api(self.page_id)})

    def _post(self, request: Request) -> FakePost | Answer:
        missing = self._missing(request)
        post = self.posts.get(request.params["post"])
        if missing or post is None:
            return missing or Answer(404, {"error": {"message": "Post Not Found"}})
        return post

    def _update_post(self, request: Request) -> Answer:
        post = self._post(request)
        if isinstance(post, Answer):
            return post
        body = request.json["post"]
        post.title = str(body.get("title") or post.title)
        post.ends_at = body.get("ends_at", post.ends_at)
        return Answer(200, {"post": post.to_api(self.page_id)})

    def _updates(self, request: Request) -> Answer:
        post = self._post(request)
        if isinstance(post, Answer):
            return post
        listed = [
            {"id": u["id"], "message": u["message"], "reported_at": f"2026-01-01T00:00:{n:02d}Z"}
            for n, u in enumerate(post.updates)
        ]
        return Answer(200, {"post_updates": listed, "more": False})

    def _add(self, request: Request) -> Answer:
        post = self._post(request)
        if isinstance(post, Answer):
            return post
        body = request.json["post_update"]
        if (body.get("post") or {}).get("id") != post.id:
            return Answer(400, {"error": {"message": "Post reference does not match"}})
        parsed = self._parse_update(body, post.post_type)
        if isinstance(parsed, Answer):
            return parsed
        with self._lock:
            post.updates.append(parsed)
        return Answer(201, {"post_update": {"id": parsed["id"], "message": parsed["message"]}})
