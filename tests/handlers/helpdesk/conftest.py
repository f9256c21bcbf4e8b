"""Shared set-up of the help-desk end-to-end tests: the app with a fake Zendesk (and
Salesforce), an incident channel, and webhook deliveries over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.devtools.fake_salesforce import FakeSalesforce
from bot.devtools.fake_zendesk import FakeZendesk
from bot.integrations.generic.inbound import sign as sign_generic
from bot.models import Incident
from tests.harness import Harness

ZENDESK_SECRET = "zendesk-webhook-secret"
GENERIC_SECRET = "generic-webhook-secret"
SALESFORCE_SECRET = "salesforce-url-secret"
CHANNEL = "CINC1"
AGENT_EMAIL = "alex@acme.test"  # UAGENT's email in Slack and Zendesk


@dataclass
class Desk:
    harness: Harness
    zendesk: FakeZendesk
    salesforce: FakeSalesforce

    @property
    def base(self) -> str:
        return self.harness.slack.url.rsplit("/slack/events", 1)[0]

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, data = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, data = error.code, error.read()
        self.harness.executor.wait_idle()
        return status, data

    def zendesk_webhook(self, ticket_id: int | str, **kw: Any) -> tuple[int, dict[str, Any]]:
        body, headers = self.zendesk.delivery(
            {"ticket_id": str(ticket_id)},
            secret=kw.pop("secret", ZENDESK_SECRET),
            at=kw.pop("at", self.harness.clock.now()),
        )
        status, data = self.post("/webhooks/zendesk", body, headers)
        return status, json.loads(data or b"null")

    def generic_webhook(
        self, ticket: dict[str, Any], secret: str = GENERIC_SECRET
    ) -> tuple[int, Any]:
        body = json.dumps(ticket).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Liaison-Signature": sign_generic(secret, body),
        }
        status, data = self.post("/webhooks/generic", body, headers)
        return status, json.loads(data or b"null")

    def salesforce_message(self, case_ids: list[str], **kw: Any) -> tuple[int, bytes]:
        secret = kw.pop("secret", SALESFORCE_SECRET)
        body = self.salesforce.outbound_message(case_ids, **kw)
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
        return self.post(f"/webhooks/salesforce?secret={secret}", body, headers)

    def incident(self, name: str = "inc-sev2-checkout") -> int:
        self.harness.channel_created(CHANNEL, name)
        with self.harness.session() as session:
            return session.scalars(select(Incident.id).order_by(Incident.id.desc())).first() or 0


@pytest.fixture
def fake_zendesk() -> Iterator[FakeZendesk]:
    with FakeZendesk() as fake:
        fake.add_user(10, "Pat Customer", "pat@globex.test")
        fake.add_user(20, "Alex Agent", AGENT_EMAIL, role="agent")
        fake.add_organization(30, "Globex", external_id="globex", domain="globex.test")
        yield fake


@pytest.fixture
def fake_salesforce() -> Iterator[FakeSalesforce]:
    with FakeSalesforce() as fake:
        fake.users["005000000000020AAA"] = {"Id": "005000000000020AAA", "Email": AGENT_EMAIL}
        fake.accounts["001000000000030AAA"] = {
            "Id": "001000000000030AAA",
            "Name": "Initech",
            "Website": "https://www.initech.test",
        }
        yield fake


@pytest.fixture
def desk_factory(
    app_factory: Callable[..., Harness], fake_zendesk: FakeZendesk, fake_salesforce: FakeSalesforce
) -> Any:
    def factory(**overrides: Any) -> Desk:
        values: dict[str, Any] = {
            "zendesk_url": fake_zendesk.url,
            "zendesk_email": "liaison@acme.test",
            "zendesk_api_token": "zd-token",
            "zendesk_webhook_secret": ZENDESK_SECRET,
            "generic_webhook_secret": GENERIC_SECRET,
            "salesforce_url": fake_salesforce.url,
            "salesforce_client_id": "sf-client",
            "salesforce_client_secret": "sf-secret",
            "salesforce_org_id": fake_salesforce.org_id,
            "salesforce_webhook_secret": SALESFORCE_SECRET,
        }
        values.update(overrides)
        harness = app_factory(**values)
        harness.fake.add_user("UAGENT", "agent", real_name="Alex Agent", email=AGENT_EMAIL)
        fake_zendesk.now = fake_salesforce.now = harness.clock.now()
        return Desk(harness, fake_zendesk, fake_salesforce)

    return factory


@pytest.fixture
def desk(desk_factory: Callable[..., Desk]) -> Desk:
    return desk_factory()
