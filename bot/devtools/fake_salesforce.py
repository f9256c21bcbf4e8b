"""An in-process fake of the Salesforce REST API for Cases, for tests and the demo.

It answers the calls Liaison makes in Salesforce's JSON shapes: the client-credentials
token, ``sobjects/Case/{id}``, ``Account``, ``User``, ``Case/{id}/CaseComments``,
``composite/sobjects`` (create comments, update cases) and ``limits``; it refuses calls
without a bearer token it issued. It also builds Outbound Message SOAP envelopes with
several notifications, as Salesforce delivers them.
"""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from bot.devtools.fake_service import Answer, FakeService, Request

API = r"/services/data/v\d+\.\d+"


def sf_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class FakeSalesforce(FakeService):
    name = "salesforce"

    def __init__(self, client_id: str = "sf-client", client_secret: str = "sf-secret") -> None:
        super().__init__()
        self.client = (client_id, client_secret)
        self.org_id = "00D000000000001AAA"
        self.run_as = "005000000000001AAA"  # the user the connected app signs in as
        self.tokens: set[str] = set()
        self.cases: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._state = threading.Lock()
        self.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        self.route("POST", r"/services/oauth2/token", self._token)
        self.route("GET", API + r"/limits", lambda r: Answer(200, {"DailyApiRequests": {}}))
        self.route("GET", API + r"/sobjects/Case/(?P<id>\w+)", self._case)
        self.route("PATCH", API + r"/sobjects/Case/(?P<id>\w+)", self._patch_case)
        self.route("GET", API + r"/sobjects/Case/(?P<id>\w+)/CaseComments", self._comments)
        self.route("GET", API + r"/sobjects/Account/(?P<id>\w+)", self._account)
        self.route("GET", API + r"/sobjects/User/(?P<id>\w+)", self._user)
        self.route("POST", API + r"/composite/sobjects", self._create_many)
        self.route("PATCH", API + r"/composite/sobjects", self._update_many)

    def authorized(self, request: Request) -> bool:
        if request.path == "/services/oauth2/token":
            return True
        header = request.headers.get("authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.tokens

    def unauthorized(self, request: Request) -> Answer:
        return Answer(
            401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        )

    # -- what tests set up ------------------------------------------------------------

    def add_case(self, case_id: str, **fields: Any) -> dict[str, Any]:
        case = {
            "attributes": {"type": "Case"}, "Id": case_id, "CaseNumber": fields.pop("CaseNumber", "00001001"),  # noqa: E501
            "Status": "New", "IsClosed": False, "CreatedDate": sf_time(self.now),
            "LastModifiedDate": sf_time(self.now), **fields,
        }  # fmt: skip
        with self._state:
            self.cases[case_id] = case
            self.comments.setdefault(case_id, [])
        return case

    def change(self, case_id: str, at: datetime, **fields: Any) -> None:
        with self._state:
            self.cases[case_id].update(fields, LastModifiedDate=sf_time(at))

    def reply(self, case_id: str, body: str, *, at: datetime, by: str, public: bool = True) -> None:
        """A comment someone other than Liaison adds to a case (an agent, a portal user)."""
        with self._state:
            self.comments[case_id].append(
                {
                    "Id": f"00a{next(self._ids):015d}", "ParentId": case_id, "CommentBody": body,
                    "IsPublished": public, "CreatedDate": sf_time(at), "CreatedById": by,
                }
            )  # fmt: skip
            self.cases[case_id]["LastModifiedDate"] = sf_time(at)

    def outbound_message(self, case_ids: list[str], *, org_id: str | None = None) -> bytes:
        """A ``notifications`` SOAP envelope about these cases (one notification each)."""
        items = "".join(
            f"<Notification><Id>04l{next(self._ids):015d}</Id>"
            f'<sObject xsi:type="sf:Case" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"<sf:Id>{escape(case_id)}</sf:Id></sObject></Notification>"
            for case_id in case_ids
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
            '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
            f"<OrganizationId>{org_id or self.org_id}</OrganizationId>"
            '<ActionId>04k000000000001AAA</ActionId><SessionId xsi:nil="true"/>'
            f"<EnterpriseUrl>{self.url}/services/Soap/c/60.0</EnterpriseUrl>"
            f"<PartnerUrl>{self.url}/services/Soap/u/60.0</PartnerUrl>{items}"
            "</notifications></soapenv:Body></soapenv:Envelope>"
        ).encode()

    # -- the API ----------------------------------------------------------------------

    def _token(self, request: Request) -> Answer:
        form = dict(parse_qsl(request.body.decode()))
        if (form.get("client_id"), form.get("client_secret")) != self.client:
            return Answer(
                400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            )
        token = f"00D!token{next(self._ids)}"
        with self._state:
            self.tokens.add(token)
        return Answer(
            200,
            {
                "access_token": token, "instance_url": self.url, "token_type": "Bearer",
                "id": f"{self.url}/id/{self.org_id}/{self.run_as}",
            },
        )  # fmt: skip

    def _found(self, table: dict[str, dict[str, Any]], key: str) -> Answer:
        row = table.get(key)
        if row is None:
            return Answer(
                404,
                [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
            )
        return Answer(200, row)

    def _case(self, request: Request) -> Answer:
        return self._found(self.cases, request.params["id"])

    def _patch_case(self, request: Request) -> Answer:
        case = self.cases.get(request.params["id"])
        if case is None:
            return self._found(self.cases, request.params["id"])
        with self._state:
            case.update(request.json, LastModifiedDate=sf_time(self.now))
        return Answer(204)

    def _account(self, request: Request) -> Answer:
        return self._found(self.accounts, request.params["id"])

    def _user(self, request: Request) -> Answer:
        return self._found(self.users, request.params["id"])

    def _comments(self, request: Request) -> Answer:
        with self._state:
            records = list(self.comments.get(request.params["id"], []))
        return Answer(200, {"totalSize": len(records), "done": True, "records": records})

    def _create_many(self, request: Request) -> Answer:
        records = request.json["records"]
        if len(records) > 200:
            return Answer(400, [{"errorCode": "EXCEEDED_ID_LIMIT", "message": "at most 200"}])
        results = []
        with self._state:
            for record in records:
                parent = record["ParentId"]
                if parent not in self.cases:
                    results.append(
                        {
                            "success": False,
                            "errors": [{"statusCode": "INVALID_CROSS_REFERENCE_KEY"}],
                        }
                    )
                    continue
                comment_id = f"00a{next(self._ids):015d}"
                comment = {
                    "Id": comment_id,
                    "ParentId": parent,
                    "CommentBody": record["CommentBody"],
                    "IsPublished": bool(record.get("IsPublished")),
                    "CreatedDate": sf_time(self.now),
                    "CreatedById": self.run_as,
                }
                self.comments[parent].append(comment)
                results.append({"id": comment_id, "success": True, "errors": []})
        return Answer(200, results)

    def _update_many(self, request: Request) -> Answer:
        results = []
        with self._state:
            for record in request.json["records"]:
                case = self.cases.get(record["id"])
                if case is not None and "Status" in record:
                    case["Status"] = record["Status"]
                    case["LastModifiedDate"] = sf_time(self.now)
                results.append({"id": record["id"], "success": case is not None, "errors": []})
        return Answer(200, results)
