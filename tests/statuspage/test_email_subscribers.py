"""Email subscribers end to end over HTTP: subscribe on the page, confirm from the inbox,
receive each update once, unsubscribe with one click."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.devtools.fake_smtp import FakeSmtp
from bot.models import PageEmailDelivery, PageEmailSubscriber
from tests.handlers.cadence_support import sqlite_only
from tests.statuspage.support import SETTINGS, base_url, declare, get, publish

pytestmark = sqlite_only
PUBLIC = SETTINGS["status_page_url"]
CHECK_INBOX = "Check your inbox"


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    with FakeSmtp(username="relay", password="s3cret") as fake:
        yield fake


def app(app_factory, smtp: FakeSmtp, **overrides):
    settings = {
        **SETTINGS,
        "smtp_url": smtp.url,
        "smtp_from": "Acme status <status@acme.example>",
    }
    return app_factory(**{**settings, **overrides})


def post(harness, path: str, data: dict[str, object] | str) -> httpx.Response:
    if isinstance(data, str):
        return httpx.post(
            base_url(harness) + path, content=data, timeout=10,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
    return httpx.post(base_url(harness) + path, data=data, timeout=10)


def link(message, kind: str) -> str:
    """The link of ``kind`` (confirm, unsubscribe) in an email, as served by the test."""
    body = message.get_content()
    found = re.search(rf"{re.escape(PUBLIC)}/(\S*{kind}\?token=\S+)", body)
    assert found, body
    return "/status/" + found.group(1)


def subscribe_and_confirm(harness, smtp: FakeSmtp, address: str, *components: str) -> None:
    answer = post(harness, "/status/subscribe", {"email": address, "component": list(components)})
    assert answer.status_code == 200 and CHECK_INBOX in answer.text
    [confirmation] = smtp.inbox(address)
    confirmed = get(harness, link(confirmation, "confirm"))
    assert confirmed.status_code == 200 and "Subscribed" in confirmed.text


def test_subscribe_confirm_receive_once_and_unsubscribe(app_factory, smtp) -> None:
    harness = app(app_factory, smtp)
    page = get(harness, "/status").text
    assert '<form class="card" method="post" action="/status/subscribe">' in page
    assert 'name="component" value="api"' in page

    answer = post(harness, "/status/subscribe", {"email": "ann@example.com", "component": "api"})
    assert answer.status_code == 200 and CHECK_INBOX in answer.text
    [confirmation] = smtp.inbox("ann@example.com")
    assert confirmation["Subject"] == "Confirm your subscription to Acme status"
    assert "about API" in confirmation.get_content()
    declare(harness, "sev1")
    publish(harness, "Before confirming.", components={"api": "major_outage"})
    assert len(smtp.inbox("ann@example.com")) == 1  # unconfirmed: nothing sent

    confirmed = get(harness, link(confirmation, "confirm"))
    assert confirmed.status_code == 200 and "Subscribed" in confirmed.text
    harness.advance(timedelta(minutes=1))
    publish(harness, "Payments fail <for some>.", components={"api": "major_outage"})
    harness.advance(timedelta(minutes=5))

    [update] = smtp.inbox("ann@example.com")[1:]
    assert update["From"] == "Acme status <status@acme.example>"
    assert update["Subject"].startswith("[Acme status] Incident: ")
    assert "Payments fail <for some>." in update.get_content()
    assert "API: Major outage" in update.get_content()
    unsubscribe = link(update, "unsubscribe")
    assert update["List-Unsubscribe"] == f"<{PUBLIC}{unsubscribe.removeprefix('/status')}>"
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # A mail scanner following the link unsubscribes nobody: the page asks first.
    asked = get(harness, unsubscribe)
    assert asked.status_code == 200 and '<button type="submit">Unsubscribe</button>' in asked.text
    token = unsubscribe.partition("token=")[2]
    done = post(harness, "/status/unsubscribe", {"token": token})
    assert done.status_code == 200 and "Unsubscribed" in done.text

    publish(harness, "Fixed.", status="resolved")
    harness.advance(timedelta(minutes=5))
    assert len(smtp.inbox("ann@example.com")) == 2  # the confirmation and one update


def test_one_click_unsubscribe_as_mail_clients_send_it(app_factory, smtp) -> None:
    harness = app(app_factory, smtp)
    subscribe_and_confirm(harness, smtp, "bob@example.com")
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"web": "partial_outage"})
    [update] = smtp.inbox("bob@example.com")[1:]

    # RFC 8058: a POST to the List-Unsubscribe address with this exact body.
    address = update["List-Unsubscribe"].strip("<>").removeprefix(PUBLIC)
    answer = post(harness, f"/status{address}", "List-Unsubscribe=One-Click")
    assert answer.status_code == 200 and "Unsubscribed" in answer.text

    publish(harness, "Still failing.", status="identified")
    assert len(smtp.inbox("bob@example.com")) == 2


def test_updates_reach_only_subscribers_of_their_components(app_factory, smtp) -> None:
    harness = app(app_factory, smtp)
    subscribe_and_confirm(harness, smtp, "api@example.com", "api", "eu")
    subscribe_and_confirm(harness, smtp, "all@example.com")
    declare(harness, "sev1")
    publish(harness, "The web app is slow.", components={"web": "degraded_performance"})
    assert len(smtp.inbox("api@example.com")) == 1  # the confirmation only
    assert len(smtp.inbox("all@example.com")) == 2

    publish(harness, "Europe too.", components={"eu": "partial_outage"})
    assert "Europe too." in smtp.inbox("api@example.com")[-1].get_content()
    assert len(smtp.inbox("all@example.com")) == 3


def test_a_relay_outage_is_retried_and_each_subscriber_gets_the_update_once(
    app_factory, smtp
) -> None:
    harness = app(app_factory, smtp)
    subscribe_and_confirm(harness, smtp, "one@example.com")
    subscribe_and_confirm(harness, smtp, "gone@example.com")
    subscribe_and_confirm(harness, smtp, "two@example.com")
    smtp.refuse("gone@example.com")  # the mailbox was closed since
    declare(harness, "sev1")
    smtp.fail_next(1)  # the first copy of the update is answered 451

    publish(harness, "Payments fail.", components={"api": "major_outage"})
    assert not [m for m in smtp.inbox("two@example.com") if "Payments" in m.get_content()]
    for _ in range(3):
        harness.advance(timedelta(minutes=5))

    for address in ("one@example.com", "two@example.com"):
        updates = [m for m in smtp.inbox(address) if "Payments fail." in m.get_content()]
        assert len(updates) == 1, address
    with harness.session() as session:
        outcomes = session.execute(
            select(PageEmailSubscriber.email, PageEmailDelivery.outcome).join(
                PageEmailDelivery, PageEmailDelivery.subscriber_id == PageEmailSubscriber.id
            )
        ).all()
    assert sorted(outcomes) == [
        ("gone@example.com", "refused"),
        ("one@example.com", "sent"),
        ("two@example.com", "sent"),
    ]


def test_the_form_never_tells_whether_an_address_is_subscribed_and_is_rate_limited(
    app_factory, smtp
) -> None:
    harness = app(app_factory, smtp, status_email_attempts=3)
    subscribe_and_confirm(harness, smtp, "ann@example.com")
    fresh = post(harness, "/status/subscribe", {"email": "new@example.com"})
    again = post(harness, "/status/subscribe", {"email": "ann@example.com"})
    assert fresh.status_code == again.status_code == 200
    assert fresh.text == again.text

    for _ in range(5):
        assert CHECK_INBOX in post(harness, "/status/subscribe", {"email": "new@example.com"}).text
    assert len(smtp.inbox("new@example.com")) == 3  # the limit, whatever the form said
    harness.clock.advance(timedelta(hours=1, minutes=1))
    post(harness, "/status/subscribe", {"email": "new@example.com"})
    harness.advance(timedelta(seconds=1))
    assert len(smtp.inbox("new@example.com")) == 4


def test_bad_addresses_forged_and_expired_links_are_refused(app_factory, smtp) -> None:
    harness = app(app_factory, smtp)
    bad = post(harness, "/status/subscribe", {"email": "not an address"})
    assert bad.status_code == 400 and "does not look like an email address" in bad.text
    assert get(harness, "/status/subscribe/confirm?token=1.9999999999..forged").status_code == 400

    post(harness, "/status/subscribe", {"email": "late@example.com"})
    [confirmation] = smtp.inbox("late@example.com")
    harness.clock.advance(timedelta(days=3))
    expired = get(harness, link(confirmation, "confirm"))
    assert expired.status_code == 400 and "no longer works" in expired.text


def test_without_smtp_there_is_no_form(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    assert "subscribe" not in get(harness, "/status").text
    assert post(harness, "/status/subscribe", {"email": "a@example.com"}).status_code == 404


def test_the_health_check_tries_the_relay_login(app_factory, smtp) -> None:
    from bot.integrations.health import Health

    harness = app(app_factory, smtp)
    [ok] = [r for r in harness.rt.health.run() if r.system == "Email (SMTP)"]
    assert ok.health is Health.ok
    harness.rt.settings.smtp_url = smtp.url.replace("s3cret", "wrong")
    [failing] = [r for r in harness.rt.health.run() if r.system == "Email (SMTP)"]
    assert failing.health is Health.failing and "SMTP 535" in failing.detail
    assert smtp.messages == []


def test_the_page_may_post_its_form_only_to_itself(app_factory, smtp) -> None:
    with_form = get(app(app_factory, smtp), "/status").headers["Content-Security-Policy"]
    assert "form-action 'self';" in with_form
    without = get(app_factory(**SETTINGS), "/status").headers["Content-Security-Policy"]
    assert "form-action 'none';" in without


def test_the_liaison_sees_how_many_addresses_subscribed_never_which(app_factory, smtp) -> None:
    harness = app(app_factory, smtp)
    subscribe_and_confirm(harness, smtp, "ann@example.com")
    post(harness, "/status/subscribe", {"email": "unconfirmed@example.com"})
    harness.command("statuspage subscribers", channel="CGENERAL")
    reply = harness.last_reply()
    assert "Email subscribers (confirmed): 1." in reply
    assert "ann@example.com" not in reply


def test_on_a_private_page_the_form_needs_access_but_the_links_do_not(app_factory, smtp) -> None:
    harness = app(app_factory, smtp, status_page_private_token="letmein")
    refused = post(harness, "/status/subscribe", {"email": "ann@example.com"})
    assert refused.status_code == 401
    assert smtp.messages == []

    answer = httpx.post(
        base_url(harness) + "/status/subscribe", data={"email": "ann@example.com"},
        auth=("reader", "letmein"), timeout=10,
    )  # fmt: skip
    assert CHECK_INBOX in answer.text
    [confirmation] = smtp.inbox("ann@example.com")
    assert "Subscribed" in get(harness, link(confirmation, "confirm")).text  # no credentials

    # A reader who opened the page with ?token= submits its form (no token in the action).
    opened = get(harness, "/status", params={"token": "letmein"})
    by_link = httpx.post(
        base_url(harness) + "/status/subscribe", data={"email": "bo@example.com"},
        cookies=dict(opened.cookies), timeout=10,
    )  # fmt: skip
    assert CHECK_INBOX in by_link.text
    assert len(smtp.inbox("bo@example.com")) == 1
