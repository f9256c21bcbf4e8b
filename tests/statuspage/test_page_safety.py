"""The page and its twins under hostile input, privacy and a database that went away."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.handlers.cadence_support import sqlite_only
from tests.statuspage.support import CHANNEL, SETTINGS, declare, get, publish

pytestmark = sqlite_only
SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "statuspage_v2.json").read_text())
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> javascript:alert(2)'
DOCUMENTS = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
)


def test_every_json_document_matches_the_statuspage_schema(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage", "eu": "partial_outage"})
    publish(harness, "Monitoring the fix.", status="monitoring")
    validator = Draft202012Validator(SCHEMA)
    for document in DOCUMENTS:
        body = get(harness, f"/status/api/v2/{document}").json()
        errors = [e.message for e in validator.iter_errors(body)]
        assert errors == [], document
    summary = get(harness, "/status/api/v2/summary.json").json()
    group = next(c for c in summary["components"] if c["group"])
    assert group["name"] == "Regions"
    assert group["components"] == ["eu"]
    assert next(c for c in summary["components"] if c["id"] == "eu")["group_id"] == group["id"]


def test_hostile_text_is_escaped_everywhere(app_factory) -> None:
    harness = app_factory(
        **{**SETTINGS, "status_components": "api=<b onmouseover=alert(3)>API</b>"}
    )
    declare(harness, "sev1")
    harness.command(f"title public {HOSTILE}", channel=CHANNEL)
    publish(
        harness,
        f"{HOSTILE} see https://example.com/help?a=1&b=2 and javascript:alert(4)",
        components={"api": "major_outage"},
    )
    html = get(harness, "/status").text + get(harness, "/status/history").text
    incident_html = get(harness, "/status/incidents/1").text
    for text in (html, incident_html):
        assert "<script>" not in text
        assert "<img" not in text
        assert "<b onmouseover" not in text
        assert "&lt;script&gt;" in text
        assert 'href="javascript:' not in text
    assert '<a href="https://example.com/help?a=1&amp;b=2" rel="nofollow noopener">' in (
        incident_html
    )
    for feed in ("/status/feed.atom", "/status/feed.rss"):
        text = get(harness, feed).text
        assert "<script>" not in text
        # HTML inside XML: escaped twice, so a feed reader shows the text, never runs it.
        assert "&amp;lt;script&amp;gt;" in text
    summary = get(harness, "/status/api/v2/summary.json").json()
    assert summary["incidents"][0]["incident_updates"][0]["body"].startswith("<script>")


@pytest.mark.parametrize(
    "settings_override",
    [
        {"status_page_logo_url": "javascript:alert(1)"},
        {"status_page_footer_links": "X=javascript:1"},
    ],
)
def test_links_other_than_http_are_refused_in_settings(make_settings, settings_override) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        make_settings(**settings_override)


def test_a_private_page_refuses_without_the_token(app_factory) -> None:
    harness = app_factory(**SETTINGS, status_page_private_token="s3cret-token")
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    for path in ("/status", "/status/api/v2/summary.json", "/status/feed.atom", "/status/history"):
        refused = get(harness, path)
        assert refused.status_code == 401, path
        assert "Payments fail" not in refused.text
    assert get(harness, "/status", params={"token": "wrong"}).status_code == 401
    basic_wrong = base64.b64encode(b"anyone:wrong").decode()
    assert (
        get(harness, "/status", headers={"Authorization": f"Basic {basic_wrong}"}).status_code
        == 401
    )
    assert "Basic" in get(harness, "/status").headers["www-authenticate"]

    by_query = get(harness, "/status", params={"token": "s3cret-token"})
    assert by_query.status_code == 200
    assert "Payments fail." in by_query.text
    assert by_query.headers["cache-control"] == "private, no-store"
    # The page's own links carry no token: the access cookie set by ?token= lets the
    # reader follow them, and it is kept from scripts and other sites.
    cookie = by_query.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/status" in cookie
    followed = get(harness, "/status/history", cookies=dict(by_query.cookies))
    assert followed.status_code == 200
    forged = {"liaison_status_access": "s3cret-guess"}
    assert get(harness, "/status/history", cookies=forged).status_code == 401
    bearer = get(
        harness, "/status/api/v2/status.json", headers={"Authorization": "Bearer s3cret-token"}
    )
    assert bearer.json()["status"]["indicator"] == "critical"
    basic = base64.b64encode(b"customer:s3cret-token").decode()
    assert (
        get(harness, "/status/feed.rss", headers={"Authorization": f"Basic {basic}"}).status_code
        == 200
    )


def test_an_unknown_incident_is_not_found(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    assert get(harness, "/status/incidents/999").status_code == 404
    assert "All Systems Operational" in get(harness, "/status").text


def test_operators_can_override_the_page_templates(app_factory, tmp_path) -> None:
    (tmp_path / "status_page").mkdir()
    (tmp_path / "status_page" / "history.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>Our own history page</p>{% endblock %}'
    )
    harness = app_factory(**SETTINGS, templates_dir=str(tmp_path))
    assert "Our own history page" in get(harness, "/status/history").text
    assert "All Systems Operational" in get(harness, "/status").text
