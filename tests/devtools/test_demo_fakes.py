"""The demo's one line per call another system received: what was asked, in a glance."""

from __future__ import annotations

import json

from bot.devtools.demo_fakes import DemoFakes, describe
from bot.devtools.fake_service import Call


def _call(method: str, path: str, body: object = None, status: int = 200) -> Call:
    raw = json.dumps(body).encode() if body is not None else b""
    return Call(method=method, path=path, query={}, headers={}, body=raw, status=status)


def test_each_call_reads_as_its_method_path_and_gist() -> None:
    page = {"event_action": "trigger", "payload": {"summary": "Customer impact: SSO down"}}
    assert describe(_call("POST", "/v2/enqueue", page, 202)) == (
        "POST /v2/enqueue · trigger “Customer impact: SSO down”"
    )
    issue = {"fields": {"summary": "Customer impact: SSO down (incident #2)"}}
    assert describe(_call("POST", "/rest/api/3/issue", issue, 201)).endswith(
        "· “Customer impact: SSO down (incident #2)”"
    )
    reply = {"ticket": {"comment": {"body": "Hello\n\nIt is fixed.", "public": True}}}
    assert describe(_call("PUT", "/api/v2/tickets/7.json", reply)) == (
        "PUT /api/v2/tickets/7.json · “Hello It is fixed.”"
    )
    assert describe(_call("GET", "/users/PPAT")) == "GET /users/PPAT"
    assert describe(_call("GET", "/users/PNOPE", status=404)) == "GET /users/PNOPE → 404"
    long = {"message": "word " * 50}
    line = describe(_call("POST", "/incidents/Q1/status_updates", long))
    assert line.endswith("…") and len(line) < 140


def test_only_new_calls_are_listed_and_each_under_its_service() -> None:
    fakes = DemoFakes()
    fakes.jira.calls.append(_call("GET", "/rest/api/3/myself"))
    assert fakes.new_calls() == ["Jira ← GET /rest/api/3/myself"]
    assert fakes.new_calls() == []
    fakes.pagerduty.calls.append(_call("GET", "/abilities"))
    assert fakes.new_calls() == ["PagerDuty ← GET /abilities"]
