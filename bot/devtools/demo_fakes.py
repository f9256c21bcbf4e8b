"""The demo's other systems: in-process fakes of PagerDuty, Jira, Zendesk and Atlassian
Statuspage, the settings that point the app at them, and one line per call they received.

Each fake listens on a port chosen at start, so its address differs from run to run; the
transcript shows each under a fixed public-looking address instead (``aliases``), which
keeps the demo's output the same on every run.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from bot.devtools.fake_jira import FakeJira
from bot.devtools.fake_pagerduty import FakePagerDuty
from bot.devtools.fake_service import Call, FakeService
from bot.devtools.fake_statuspage import FakeStatuspage
from bot.devtools.fake_zendesk import FakeZendesk

PAGERDUTY_SECRET = "demo-pagerduty-webhook-secret"
ZENDESK_SECRET = "demo-zendesk-webhook-secret"
MOBILE_ROUTING_KEY = "R0UTINGKEYMOBILE"
_DETAIL = 90  # characters of a call's detail on its transcript line


@dataclass
class DemoFakes:
    pagerduty: FakePagerDuty = field(default_factory=FakePagerDuty)
    jira: FakeJira = field(default_factory=FakeJira)
    zendesk: FakeZendesk = field(default_factory=FakeZendesk)
    statuspage: FakeStatuspage = field(default_factory=FakeStatuspage)
    _printed: dict[str, int] = field(default_factory=dict)

    @property
    def services(self) -> list[tuple[str, FakeService]]:
        return [
            ("PagerDuty", self.pagerduty),
            ("Jira", self.jira),
            ("Zendesk", self.zendesk),
            ("Statuspage", self.statuspage),
        ]

    @contextlib.contextmanager
    def running(self) -> Any:
        with contextlib.ExitStack() as stack:
            for _, service in self.services:
                stack.enter_context(service)
            self.pagerduty.routing_keys[MOBILE_ROUTING_KEY] = ("PMOBILE", "Mobile apps")
            yield self

    def settings(self) -> dict[str, Any]:
        """Settings that switch every integration on against these fakes (typed values:
        ``model_copy`` does not validate)."""
        return {
            "pagerduty_webhook_secrets": [PAGERDUTY_SECRET],
            "pagerduty_api_url": self.pagerduty.url,
            "pagerduty_api_token": self.pagerduty.token,
            "pagerduty_from_email": "liaison@example.com",
            "pagerduty_events_url": self.pagerduty.url,
            "pagerduty_routing_keys": {"mobile": MOBILE_ROUTING_KEY},
            "jira_url": self.jira.url,
            "jira_email": "liaison@example.com",
            "jira_api_token": "jira-token",
            "jira_project": "OPS",
            "jira_customers_field": "customfield_10042",
            "zendesk_url": self.zendesk.url,
            "zendesk_email": "liaison@acme.test",
            "zendesk_api_token": SecretStr("zd-token"),
            "zendesk_webhook_secret": SecretStr(ZENDESK_SECRET),
            "status_components": ["web=Web shop", "mobile=Mobile apps", "login=Sign-in"],
            "status_component_map": ["feature:checkout=web", "feature:login=login"],
            "statuspage_api_url": self.statuspage.api_url,
            "statuspage_api_key": self.statuspage.api_key,
            "statuspage_page_id": self.statuspage.page_id,
            "statuspage_component_ids": ["web=cmp-web", "mobile=cmp-mobile", "login=cmp-login"],
        }

    def aliases(self) -> dict[str, str]:
        """Each fake's local address -> the address the transcript shows for it."""
        return {
            self.pagerduty.url: "https://api.pagerduty.com",
            self.jira.url: "https://acme.atlassian.net",
            self.zendesk.url: "https://acme.zendesk.com",
            self.statuspage.url: "https://api.statuspage.io",
        }

    def new_calls(self) -> list[str]:
        """One line per call received since the last look: who, what, and its gist."""
        lines: list[str] = []
        for name, service in self.services:
            calls = list(service.calls)
            start = self._printed.get(name, 0)
            self._printed[name] = len(calls)
            lines.extend(f"{name} ← {describe(call)}" for call in calls[start:])
        return lines


def describe(call: Call) -> str:
    """``POST /v2/enqueue · trigger “Customer impact: …”``: the method, path and gist."""
    line = f"{call.method} {call.path}"
    if call.status >= 400:
        line += f" → {call.status}"
    gist = _gist(call)
    return f"{line} · {_clip(gist)}" if gist else line


def _gist(call: Call) -> str:
    try:
        body = call.json
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    if call.path.endswith("/v2/enqueue"):
        payload = body.get("payload") or {}
        return f"{body.get('event_action')} “{payload.get('summary', '')}”"
    if "fields" in body:  # Jira issue
        return f"“{body['fields'].get('summary', '')}”"
    if "incident" in body and isinstance(body["incident"], dict):
        incident = body["incident"]
        parts = [incident.get("name"), incident.get("status"), incident.get("body")]
        return " · ".join(str(p) for p in parts if p)
    if "ticket" in body and isinstance(body["ticket"], dict):
        ticket = body["ticket"]
        comment = (ticket.get("comment") or {}).get("body")
        tags = ticket.get("additional_tags") or ticket.get("tags")
        parts = [f"tags {', '.join(tags)}" if tags else "", f"“{comment}”" if comment else ""]
        return " · ".join(p for p in parts if p)
    if "message" in body:
        return f"“{body['message']}”"
    if "note" in body and isinstance(body["note"], dict):
        return f"“{body['note'].get('content', '')}”"
    return ""


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL else text[: _DETAIL - 1] + "…"
