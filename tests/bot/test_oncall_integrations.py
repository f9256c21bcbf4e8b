"""PagerDuty and Jira pieces on their own: signatures, settings, names, mapping, ADF and
the health checks against the fakes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.devtools.fake_jira import FakeJira
from bot.devtools.fake_pagerduty import FakePagerDuty, sign
from bot.edge.webhooks import WebhookRejected
from bot.integrations.health import Health
from bot.integrations.jira import adf
from bot.integrations.jira.client import JiraClient
from bot.integrations.jira.inbound import verify_signature as verify_jira
from bot.integrations.pagerduty.client import Page, PagerDutyClient
from bot.integrations.pagerduty.inbound import verify_signature as verify_pagerduty
from bot.services.oncall.inbound import severity_for
from bot.services.oncall.sync import channel_name


@pytest.fixture
def fake_pd() -> Iterator[FakePagerDuty]:
    with FakePagerDuty(routing_keys={"RK": ("PSVC", "Checkout")}) as fake:
        yield fake


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_any_of_several_pagerduty_signatures_matching_any_secret_accepts() -> None:
    verify = verify_pagerduty(["old", "new"])
    body = b'{"event": {}}'
    verify({"x-pagerduty-signature": sign(body, "unrelated", "new")}, body)
    verify({"x-pagerduty-signature": sign(body, "old")}, body)
    for header in ("", "v1=deadbeef", sign(body, "unrelated"), sign(body + b"x", "new")):
        with pytest.raises(WebhookRejected) as refused:
            verify({"x-pagerduty-signature": header}, body)
        assert refused.value.status == 401


def test_the_jira_signature_is_the_hmac_of_the_raw_body() -> None:
    from bot.devtools.fake_jira import sign as jira_sign

    verify = verify_jira("s3cret")
    verify({"x-hub-signature": jira_sign(b"{}", "s3cret")}, b"{}")
    with pytest.raises(WebhookRejected):
        verify({"x-hub-signature": jira_sign(b"{}", "other")}, b"{}")
    with pytest.raises(WebhookRejected):
        verify({}, b"{}")


def test_priorities_map_to_severities_as_configured() -> None:
    settings = _settings(pagerduty_priority_severities="P1=sev1,p2=SEV3")
    assert severity_for(settings, "P1") == "sev1"
    assert severity_for(settings, "P2") == "sev3"
    assert severity_for(settings, None) == "sev3"  # PAGERDUTY_DEFAULT_SEVERITY
    with pytest.raises(ValidationError, match=r"severities are sev1\.\.sev4"):
        _settings(pagerduty_priority_severities="P1=critical")


def test_a_channel_name_that_would_open_a_second_incident_is_refused() -> None:
    with pytest.raises(ValidationError, match="must not match INCIDENT_CHANNEL_PATTERN"):
        _settings(pagerduty_channel_name="inc-{number}-{title}")
    with pytest.raises(ValidationError, match=r"only \{number\} and \{title\}"):
        _settings(pagerduty_channel_name="pd-{id}")


def test_channel_names_follow_slacks_rules() -> None:
    assert channel_name("pd-{number}-{title}", 42, "Checkout API: 500s (EU)!") == (
        "pd-42-checkout-api-500s-eu"
    )
    long = channel_name("pd-{number}-{title}", 42, "x" * 200, attempt=3)
    assert len(long) == 80 and long.endswith("-3")


def test_adf_drops_empty_nodes_and_links_text() -> None:
    doc = adf.document(adf.heading("Impact"), adf.paragraph(""), None, adf.bullets(["a"]))
    assert [node["type"] for node in doc["content"]] == ["heading", "bulletList"]
    assert adf.text("T-1", href="https://x")["marks"] == [
        {"type": "link", "attrs": {"href": "https://x"}}
    ]


def test_the_pagerduty_health_check_names_the_setting_to_fix(fake_pd: FakePagerDuty) -> None:
    good = PagerDutyClient.from_settings(
        _settings(
            pagerduty_api_url=fake_pd.url,
            pagerduty_api_token=fake_pd.token,
            pagerduty_from_email="liaison@example.com",
        )
    )
    assert good.check().health is Health.ok
    no_from = PagerDutyClient.from_settings(
        _settings(pagerduty_api_url=fake_pd.url, pagerduty_api_token=fake_pd.token)
    ).check()
    assert no_from.health is Health.failing and "PAGERDUTY_FROM_EMAIL" in no_from.detail
    bad = PagerDutyClient.from_settings(
        _settings(pagerduty_api_url=fake_pd.url, pagerduty_api_token="revoked")
    )
    result = bad.check()
    assert result.health is Health.failing and "PAGERDUTY_API_TOKEN" in result.detail


def test_a_trigger_with_the_same_dedup_key_pages_once(fake_pd: FakePagerDuty) -> None:
    client = PagerDutyClient.from_settings(
        _settings(pagerduty_events_url=fake_pd.url, pagerduty_api_token="t")
    )
    page = Page(routing_key="RK", dedup_key="liaison-incident-1-checkout", summary="S", source="L")
    assert client.trigger(page) == "liaison-incident-1-checkout"
    client.trigger(page)
    assert len(fake_pd.pages()) == 1


def test_the_jira_health_check_reports_who_it_signs_in_as() -> None:
    with FakeJira() as fake:
        ok = JiraClient.from_settings(
            _settings(
                jira_url=fake.url, jira_email="liaison@example.com", jira_api_token="jira-token"
            )
        ).check()
        assert ok.health is Health.ok and "Liaison Bot" in ok.detail
        failing = JiraClient.from_settings(
            _settings(jira_url=fake.url, jira_email="x@example.com", jira_api_token="bad")
        ).check()
        assert failing.health is Health.failing and "JIRA_API_TOKEN" in failing.detail
