"""The Salesforce Service Cloud port: read a Case back, add CaseComments.

Authenticates with the OAuth 2.0 client-credentials flow of a connected app; the token is
kept on the instance and fetched again when Salesforce refuses it. Comments for many cases
go through the sObject Collections endpoint (``composite/sobjects``, up to 200 records per
call); ``IsPublished`` makes a comment visible to the customer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from bot.config import Settings
from bot.integrations.health import CheckResult, Health
from bot.integrations.http import ClientConfig, IntegrationClient, IntegrationError
from bot.integrations.salesforce.tickets import to_snapshot
from bot.services.helpdesk.model import Comment, TicketSnapshot

COLLECTION_LIMIT = 200


class SalesforceClient:
    system = "Salesforce"

    def __init__(self, settings: Settings, http: IntegrationClient | None = None) -> None:
        self._base = settings.salesforce_url.rstrip("/")
        self._api = f"/services/data/{settings.salesforce_api_version}"
        self._fields = dict(settings.salesforce_fields)
        self._client_id = settings.salesforce_client_id
        self._secret = settings.salesforce_client_secret
        self._http = http or IntegrationClient(
            ClientConfig(system=self.system, base_url=self._base, headers={})
        )
        self._rating_field = settings.salesforce_rating_field.strip()
        self._token: str | None = None
        self._user_id: str | None = None  # who Liaison signs in as (from the token's id)
        self._lock = threading.Lock()
        self.calls = 0

    def _bearer(self, *, renew: bool = False) -> str:
        with self._lock:
            if self._token is None or renew:
                self.calls += 1
                answer = self._http.request(
                    "POST",
                    "/services/oauth2/token",
                    content=urlencode(
                        {
                            "grant_type": "client_credentials",
                            "client_id": self._client_id,
                            "client_secret": self._secret.get_secret_value(),
                        }
                    ).encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    what="sign in (client credentials)",
                ).json()
                self._token = str(answer["access_token"])
                # The identity URL ends with the run-as user's id: .../id/<org>/<user>.
                self._user_id = str(answer.get("id") or "").rstrip("/").rsplit("/", 1)[-1] or None
            return self._token

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        for renew in (False, True):
            headers = {"Authorization": f"Bearer {self._bearer(renew=renew)}"}
            self.calls += 1
            try:
                return self._http.json(method, f"{self._api}{path}", headers=headers, **kwargs)
            except IntegrationError as exc:
                if exc.status != 401 or renew:
                    raise
        raise AssertionError("unreachable")

    def read_ticket(self, ticket_id: str) -> TicketSnapshot:
        case = self._json("GET", f"/sobjects/Case/{ticket_id}", what=f"read case {ticket_id}")
        account = None
        if case.get("AccountId"):
            account = self._json(
                "GET", f"/sobjects/Account/{case['AccountId']}", what="read the case's account"
            )
        owner = None
        if str(case.get("OwnerId") or "").startswith("005"):  # a user, not a queue
            owner = self._json("GET", f"/sobjects/User/{case['OwnerId']}", what="read the owner")
        return to_snapshot(
            case, account=account, owner=owner, comments=self._comments(ticket_id),
            base_url=self._base, field_names=self._fields, rating_field=self._rating_field,
            own_user_id=self._user_id,
        )  # fmt: skip

    def _comments(self, case_id: str) -> list[dict[str, Any]]:
        answer = self._json(
            "GET", f"/sobjects/Case/{case_id}/CaseComments", what=f"read comments of {case_id}"
        )
        return list((answer or {}).get("records", []))

    def add_comments(
        self, comments: Sequence[Comment], *, status: str | None = None
    ) -> frozenset[str]:
        records = [
            {
                "attributes": {"type": "CaseComment"},
                "ParentId": c.ticket_id,
                "CommentBody": c.body,
                "IsPublished": c.public,
            }
            for c in comments
        ]
        for start in range(0, len(records), COLLECTION_LIMIT):
            chunk = records[start : start + COLLECTION_LIMIT]
            self._json(
                "POST", "/composite/sobjects", json={"allOrNone": True, "records": chunk},
                what=f"add comments to {len(chunk)} cases",
            )  # fmt: skip
        if status:
            cases = [{"attributes": {"type": "Case"}, "id": c.ticket_id, "Status": status}
                     for c in comments]  # fmt: skip
            for start in range(0, len(cases), COLLECTION_LIMIT):
                self._json(
                    "PATCH", "/composite/sobjects",
                    json={"allOrNone": False, "records": cases[start : start + COLLECTION_LIMIT]},
                    what="set the status of the cases",
                )  # fmt: skip
        return frozenset()  # allOrNone: a refused comment fails the whole call

    def link(self, ticket_id: str, *, incident_number: int, tag: str, note: str) -> None:
        """Cases have no tags: the mapped incident field gets the number, if there is one."""
        field = self._fields.get("incident")
        if field:
            self._json(
                "PATCH", f"/sobjects/Case/{ticket_id}", json={field: str(incident_number)},
                what=f"link case {ticket_id} to incident #{incident_number}",
            )  # fmt: skip
        self.add_comments([Comment(ticket_id=ticket_id, body=note, public=False)])

    def comment_present(self, comment: Comment, since: datetime) -> bool:
        return any(
            (c.get("CommentBody") or "").strip() == comment.body.strip()
            for c in self._comments(comment.ticket_id)
        )

    def check(self) -> CheckResult:
        try:
            self._json("GET", "/limits", what="check the connected app")
        except IntegrationError as exc:
            if exc.status in (400, 401, 403):
                detail = (
                    "sign-in was refused: check SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET"
                )
            else:
                detail = f"{self._base} did not answer as Salesforce: check SALESFORCE_URL ({exc})"
            return CheckResult(self.system, Health.failing, detail)
        return CheckResult(self.system, Health.ok, self._base)
