"""The Zendesk port: read a ticket back, add comments (one ticket or many at once).

Zendesk limits ticket updates per minute, so comments for many tickets go through
``PUT /api/v2/tickets/update_many.json`` in chunks of 100 (one background job in Zendesk
each): the same change for all as ``?ids=`` plus one ``ticket``, different bodies as a
``tickets`` array. A 429 goes back to the durable job with Zendesk's Retry-After.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.integrations.health import CheckResult, Health
from bot.integrations.http import ClientConfig, IntegrationClient, IntegrationError
from bot.integrations.zendesk.tickets import ZendeskComment, to_snapshot
from bot.services.helpdesk.model import Comment, TicketSnapshot

log = logging.getLogger(__name__)

BULK_LIMIT = 100  # tickets per update_many call
CLOCK_SKEW = timedelta(minutes=2)
JOB_POLLS = 5  # a bulk update's job is followed this many times, JOB_POLL_PAUSE apart
JOB_POLL_PAUSE = 1.0


class ZendeskClient:
    system = "Zendesk"

    def __init__(
        self,
        settings: Settings,
        http: IntegrationClient | None = None,
        *,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self._pause = pause
        self._base = settings.zendesk_url.rstrip("/")
        self._fields = dict(settings.zendesk_fields)
        self._email = settings.zendesk_email.strip().lower()
        self._http = http or IntegrationClient(
            ClientConfig(
                system=self.system,
                base_url=self._base,
                headers={"Accept": "application/json"},
                auth=(
                    f"{settings.zendesk_email}/token",
                    settings.zendesk_api_token.get_secret_value(),
                ),
            )
        )
        self.calls = 0  # outgoing requests made, for the benchmark's count

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        self.calls += 1
        return self._http.json(method, path, **kwargs)

    def read_ticket(self, ticket_id: str) -> TicketSnapshot:
        what = f"read ticket {ticket_id}"
        answer = self._json(
            "GET", f"/api/v2/tickets/{ticket_id}.json", params={"include": "users,organizations"},
            what=what,
        )  # fmt: skip
        comments, authors = self._comments(ticket_id, with_authors=True)
        # Liaison's own comments (the agent of ZENDESK_EMAIL) are not replies to anyone.
        own = frozenset(
            int(u["id"]) for u in authors if str(u.get("email") or "").lower() == self._email
        )
        return to_snapshot(
            answer, comments, base_url=self._base, field_ids=self._fields, own_ids=own
        )

    def _comments(
        self, ticket_id: str, *, with_authors: bool = False
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        answer = self._json(
            "GET",
            f"/api/v2/tickets/{ticket_id}/comments.json",
            params={"include": "users"} if with_authors else None,
            what=f"read comments of {ticket_id}",
        )
        return list((answer or {}).get("comments", [])), list((answer or {}).get("users", []))

    def add_comments(
        self, comments: Sequence[Comment], *, status: str | None = None
    ) -> frozenset[str]:
        if len(comments) == 1:
            (comment,) = comments
            self._json(
                "PUT", f"/api/v2/tickets/{comment.ticket_id}.json",
                json={"ticket": _change(comment, status)},
                what=f"add a comment to ticket {comment.ticket_id}",
            )  # fmt: skip
            return frozenset()
        refused: set[str] = set()
        for start in range(0, len(comments), BULK_LIMIT):
            refused |= self._update_many(comments[start : start + BULK_LIMIT], status)
        return frozenset(refused)

    def _update_many(self, chunk: Sequence[Comment], status: str | None) -> set[str]:
        what = f"add comments to {len(chunk)} tickets"
        if len({(c.body, c.public) for c in chunk}) == 1:
            ids = ",".join(c.ticket_id for c in chunk)
            answer = self._json(
                "PUT", "/api/v2/tickets/update_many.json", params={"ids": ids},
                json={"ticket": _change(chunk[0], status)}, what=what,
            )  # fmt: skip
        else:
            tickets = [{"id": int(c.ticket_id), **_change(c, status)} for c in chunk]
            answer = self._json(
                "PUT", "/api/v2/tickets/update_many.json", json={"tickets": tickets}, what=what
            )
        refused = self._follow_job((answer or {}).get("job_status") or {})
        return {c.ticket_id for c in chunk} if "*" in refused else refused

    def _follow_job(self, job: dict[str, Any]) -> set[str]:
        """Zendesk applies update_many in a background job: poll it briefly, and log the
        tickets it could not update (a closed ticket takes no comment; retrying won't help).
        A job still running when the polls end is left to finish on its own."""
        for _ in range(JOB_POLLS):
            if job.get("status") not in ("queued", "working") or not job.get("id"):
                break
            self._pause(JOB_POLL_PAUSE)
            answer = self._json(
                "GET", f"/api/v2/job_statuses/{job['id']}.json", what="follow a bulk update"
            )
            job = (answer or {}).get("job_status") or {}
        failed = [r.get("id") for r in job.get("results") or [] if r.get("success") is False]
        if job.get("status") == "failed" or failed:
            log.warning(
                "Zendesk bulk update %s: %s; tickets not updated: %s",
                job.get("id"), job.get("status"), failed[:20],
            )  # fmt: skip
        if job.get("status") == "failed" and not job.get("results"):
            return {"*"}  # the whole job failed: none of its tickets were updated
        return {str(ticket_id) for ticket_id in failed}

    def link(self, ticket_id: str, *, incident_number: int, tag: str, note: str) -> None:
        change: dict[str, Any] = {
            "additional_tags": [tag],
            "comment": {"body": note, "public": False},
        }
        field_id = self._fields.get("incident")
        if field_id and field_id.isdigit():
            change["custom_fields"] = [{"id": int(field_id), "value": str(incident_number)}]
        self._json(
            "PUT", f"/api/v2/tickets/{ticket_id}.json", json={"ticket": change},
            what=f"link ticket {ticket_id} to incident #{incident_number}",
        )  # fmt: skip

    def comment_present(self, comment: Comment, since: datetime) -> bool:
        # Zendesk stamps comments to the second, on its own clock: allow for both.
        since = since - CLOCK_SKEW
        for raw in self._comments(comment.ticket_id)[0]:
            found = ZendeskComment.model_validate(raw)
            if found.created_at >= since and (found.body or "").strip() == comment.body.strip():
                return True
        return False

    def check(self) -> CheckResult:
        """Who am I: a wrong subdomain or token is reported with the setting that fixes it."""
        try:
            answer = self._json("GET", "/api/v2/users/me.json", what="check the API token")
        except IntegrationError as exc:
            if exc.status in (401, 403):
                detail = "the API token was refused: check ZENDESK_EMAIL and ZENDESK_API_TOKEN"
            elif exc.status == 404 or exc.status is None:
                detail = f"{self._base} did not answer as Zendesk: check ZENDESK_URL ({exc})"
            else:
                detail = str(exc)
            return CheckResult(self.system, Health.failing, detail)
        user = (answer or {}).get("user") or {}
        if not user.get("id") or user.get("role") == "end-user":
            detail = "signed in anonymously: check ZENDESK_EMAIL and ZENDESK_API_TOKEN"
            return CheckResult(self.system, Health.failing, detail)
        return CheckResult(self.system, Health.ok, f"{self._base} as {user.get('email', '?')}")


def _change(comment: Comment, status: str | None) -> dict[str, Any]:
    change: dict[str, Any] = {"comment": {"body": comment.body, "public": comment.public}}
    if status:
        change["status"] = status
    return change
