"""An in-process fake of Zendesk's Tickets API, for tests, the demo and the benchmark.

It keeps tickets, users, organizations and comments; answers the calls Liaison makes
(``tickets/{id}.json?include=users,organizations``, ``tickets/{id}/comments.json``,
``PUT tickets/{id}.json``, ``PUT tickets/update_many.json``, ``job_statuses``,
``users/me.json``) in Zendesk's JSON shapes; refuses calls without the agent's email/token
basic auth; and, like Zendesk, limits ticket updates per window (429 with Retry-After).
It also builds signed webhook deliveries as Zendesk sends them.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.devtools.fake_service import Answer, FakeService, Request
from bot.integrations.zendesk.inbound import SIGNATURE, TIMESTAMP, sign


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeTicket:
    id: int
    subject: str
    description: str
    requester_id: int
    created_at: datetime
    updated_at: datetime
    status: str = "open"
    tags: list[str] = field(default_factory=list)
    custom_fields: list[dict[str, Any]] = field(default_factory=list)
    assignee_id: int | None = None
    organization_id: int | None = None
    comments: list[dict[str, Any]] = field(default_factory=list)
    satisfaction_rating: dict[str, Any] | None = None

    def to_api(self, base: str) -> dict[str, Any]:
        return {
            "satisfaction_rating": self.satisfaction_rating,
            "id": self.id,
            "url": f"{base}/api/v2/tickets/{self.id}.json",
            "subject": self.subject,
            "description": self.description,
            "status": self.status,
            "tags": list(self.tags),
            "custom_fields": list(self.custom_fields),
            "requester_id": self.requester_id,
            "assignee_id": self.assignee_id,
            "organization_id": self.organization_id,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }


class FakeZendesk(FakeService):
    name = "zendesk"

    def __init__(self, email: str = "liaison@acme.test", token: str = "zd-token") -> None:
        super().__init__()
        self.credentials = "Basic " + base64.b64encode(f"{email}/token:{token}".encode()).decode()
        self.me = {"id": 1, "email": email, "name": "Liaison", "role": "admin"}
        self.tickets: dict[int, FakeTicket] = {}
        self.users: dict[int, dict[str, Any]] = {1: dict(self.me)}
        self.organizations: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1000)
        self._state = threading.Lock()
        self._updates: list[float] = []
        self.update_limit: tuple[int, float] | None = None  # (updates, per seconds)
        self.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # the help desk's clock
        self.clock: Callable[[], datetime] = lambda: self.now  # real time in process tests
        self.answer_delay = 0.0  # seconds between applying an update and answering it
        self.job_polls = 0  # update_many jobs answer "queued" to this many polls first
        self.jobs: dict[str, list[dict[str, Any]]] = {}
        self.route("GET", r"/api/v2/users/me\.json", lambda r: Answer(200, {"user": self.me}))
        self.route("GET", r"/api/v2/tickets/(?P<id>\d+)\.json", self._show)
        self.route("PUT", r"/api/v2/tickets/(?P<id>\d+)\.json", self._update)
        self.route("GET", r"/api/v2/tickets/(?P<id>\d+)/comments\.json", self._comments)
        self.route("PUT", r"/api/v2/tickets/update_many\.json", self._update_many)
        self.route("GET", r"/api/v2/job_statuses/(?P<id>\w+)\.json", self._job_status)

    # -- what tests set up ------------------------------------------------------------

    def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == self.credentials

    def add_user(self, user_id: int, name: str, email: str, role: str = "end-user") -> None:
        self.users[user_id] = {"id": user_id, "name": name, "email": email, "role": role}

    def add_organization(
        self, org_id: int, name: str, *, external_id: str | None = None, domain: str | None = None
    ) -> None:
        self.organizations[org_id] = {
            "id": org_id, "name": name, "external_id": external_id,
            "domain_names": [domain] if domain else [],
        }  # fmt: skip

    def add_ticket(
        self,
        ticket_id: int,
        *,
        subject: str,
        requester_id: int,
        description: str = "",
        tags: list[str] | None = None,
        assignee_id: int | None = None,
        organization_id: int | None = None,
        custom_fields: dict[int, Any] | None = None,
        created_at: datetime | None = None,
    ) -> FakeTicket:
        created = created_at or self.now
        ticket = FakeTicket(
            id=ticket_id, subject=subject, description=description or subject,
            requester_id=requester_id, created_at=created, updated_at=created,
            tags=list(tags or []), assignee_id=assignee_id, organization_id=organization_id,
            custom_fields=[{"id": k, "value": v} for k, v in (custom_fields or {}).items()],
        )  # fmt: skip
        ticket.comments.append(self._comment(requester_id, ticket.description, True, created))
        with self._state:
            self.tickets[ticket_id] = ticket
        return ticket

    def change(self, ticket_id: int, *, at: datetime | None = None, **values: Any) -> FakeTicket:
        """Change a ticket as an agent would (tags, status...), moving its updated_at."""
        ticket = self.tickets[ticket_id]
        with self._state:
            for key, value in values.items():
                setattr(ticket, key, value)
            ticket.updated_at = at or ticket.updated_at + timedelta(minutes=1)
        return ticket

    def reply(
        self, ticket_id: int, author_id: int, body: str, *, at: datetime, public: bool = True
    ) -> None:
        ticket = self.tickets[ticket_id]
        with self._state:
            ticket.comments.append(self._comment(author_id, body, public, at))
            ticket.updated_at = max(ticket.updated_at, at)

    def rate(self, ticket_id: int, score: str, *, at: datetime, comment: str = "") -> None:
        """The requester answers the satisfaction survey (``good``, ``bad``)."""
        ticket = self.tickets[ticket_id]
        with self._state:
            ticket.satisfaction_rating = {"id": next(self._ids), "score": score, "comment": comment}
            ticket.updated_at = max(ticket.updated_at, at)

    def comments_on(self, ticket_id: int) -> list[dict[str, Any]]:
        """The comments after the opening one (what agents and Liaison added)."""
        with self._state:
            return list(self.tickets[ticket_id].comments[1:])

    def delivery(
        self, body: dict[str, Any], *, secret: str, at: datetime
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook delivery as Zendesk signs it: the body and its headers."""
        raw = json.dumps(body).encode()
        stamp = _iso(at)
        return raw, {
            "Content-Type": "application/json",
            SIGNATURE: sign(secret, stamp, raw),
            TIMESTAMP: stamp,
        }

    # -- the API ----------------------------------------------------------------------

    def _comment(self, author_id: int, body: str, public: bool, at: datetime) -> dict[str, Any]:
        return {
            "id": next(self._ids), "type": "Comment", "author_id": author_id, "body": body,
            "public": public, "created_at": _iso(at),
        }  # fmt: skip

    def _ticket(self, request: Request) -> FakeTicket | None:
        return self.tickets.get(int(request.params["id"]))

    def _show(self, request: Request) -> Answer:
        ticket = self._ticket(request)
        if ticket is None:
            return Answer(404, {"error": "RecordNotFound", "description": "Not found"})
        answer: dict[str, Any] = {"ticket": ticket.to_api(self.url)}
        include = request.query.get("include", "")
        if "users" in include:
            ids = {ticket.requester_id, ticket.assignee_id} - {None}
            answer["users"] = [self.users[i] for i in ids if i in self.users]
        if "organizations" in include and ticket.organization_id in self.organizations:
            answer["organizations"] = [self.organizations[ticket.organization_id]]
        return Answer(200, answer)

    def _comments(self, request: Request) -> Answer:
        ticket = self._ticket(request)
        if ticket is None:
            return Answer(404, {"error": "RecordNotFound"})
        with self._state:
            answer: dict[str, Any] = {"comments": list(ticket.comments), "next_page": None}
        if "users" in request.query.get("include", ""):
            authors = {c["author_id"] for c in answer["comments"]}
            answer["users"] = [self.users[i] for i in sorted(authors) if i in self.users]
        return Answer(200, answer)

    def _limited(self) -> Answer | None:
        """Zendesk's per-minute limit on ticket updates, scaled to the fake's window."""
        if self.update_limit is None:
            return None
        count, window = self.update_limit
        now = time.monotonic()
        with self._state:
            self._updates = [t for t in self._updates if now - t < window]
            if len(self._updates) >= count:
                wait = window - (now - self._updates[0])
                return Answer(429, {"error": "TooManyRequests"}, {"Retry-After": f"{wait:.2f}"})
            self._updates.append(now)
        return None

    def _apply(self, ticket: FakeTicket, change: dict[str, Any]) -> None:
        comment = change.get("comment")
        with self._state:
            if isinstance(comment, dict):
                ticket.comments.append(
                    self._comment(
                        self.me["id"],
                        str(comment["body"]),
                        bool(comment.get("public", True)),
                        self.clock(),
                    )
                )
            for tag in change.get("additional_tags") or []:
                if tag not in ticket.tags:
                    ticket.tags.append(str(tag))
            for field in change.get("custom_fields") or []:
                ticket.custom_fields = [
                    f for f in ticket.custom_fields if f["id"] != field["id"]
                ] + [dict(field)]
            if change.get("status"):
                ticket.status = str(change["status"])
            ticket.updated_at = max(ticket.updated_at, self.clock())

    def _update(self, request: Request) -> Answer:
        limited = self._limited()
        if limited is not None:
            return limited
        ticket = self._ticket(request)
        if ticket is None:
            return Answer(404, {"error": "RecordNotFound"})
        self._apply(ticket, request.json["ticket"])
        return Answer(200, {"ticket": ticket.to_api(self.url)})

    def _update_many(self, request: Request) -> Answer:
        limited = self._limited()
        if limited is not None:
            return limited
        body = request.json
        if "ids" in request.query:
            ids = [int(i) for i in request.query["ids"].split(",") if i]
            changes = [(i, body["ticket"]) for i in ids]
        else:
            changes = [(int(t["id"]), t) for t in body["tickets"]]
        if len(changes) > 100:
            return Answer(400, {"error": "TooManyValues", "description": "at most 100 tickets"})
        results = []
        for ticket_id, change in changes:
            ticket = self.tickets.get(ticket_id)
            if ticket is not None:
                self._apply(ticket, change)
            results.append({"id": ticket_id, "success": ticket is not None, "action": "update"})
        if self.answer_delay:
            time.sleep(self.answer_delay)  # Zendesk has applied it; the answer is slow
        job_id = f"job{next(self._ids)}"
        job = {
            "id": job_id, "status": "completed", "total": len(changes),
            "progress": len(changes), "results": results,
            "url": f"{self.url}/api/v2/job_statuses/{job_id}.json",
        }  # fmt: skip
        with self._state:
            self.jobs[job_id] = [dict(job, status="queued", results=[])] * self.job_polls + [job]
        return Answer(200, {"job_status": self.jobs[job_id][0]})

    def _job_status(self, request: Request) -> Answer:
        """Each poll moves a job one step on, to its final answer (``job_polls`` steps)."""
        with self._state:
            steps = self.jobs.get(request.params["id"])
            if not steps:
                return Answer(404, {"error": "RecordNotFound"})
            if len(steps) > 1:
                steps.pop(0)
            return Answer(200, {"job_status": steps[0]})
