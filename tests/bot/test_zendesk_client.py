"""The Zendesk client against the fake Zendesk: auth, bulk updates, their jobs, failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.devtools.fake_zendesk import FakeZendesk
from bot.integrations.health import Health
from bot.integrations.http import IntegrationError
from bot.integrations.zendesk.client import ZendeskClient
from bot.services.helpdesk.model import Comment


@pytest.fixture
def fake() -> Iterator[FakeZendesk]:
    with FakeZendesk() as service:
        service.add_user(10, "Customer", "c@example.test")
        for ticket_id in (1, 2, 3):
            service.add_ticket(ticket_id, subject="Down", requester_id=10)
        yield service


def _client(fake: FakeZendesk, token: str = "zd-token") -> tuple[ZendeskClient, list[float]]:
    pauses: list[float] = []
    settings = Settings(
        _env_file=None, zendesk_url=fake.url, zendesk_email="liaison@acme.test",
        zendesk_api_token=token, zendesk_webhook_secret="s",
    )  # fmt: skip
    return ZendeskClient(settings, pause=pauses.append), pauses


def test_a_bulk_update_is_followed_until_its_job_completes(fake: FakeZendesk) -> None:
    fake.job_polls = 2
    client, pauses = _client(fake)
    client.add_comments([Comment(ticket_id=str(t), body="Fixed.", public=True) for t in (1, 2, 3)])
    assert len(fake.calls_to("GET", r"/api/v2/job_statuses/\w+\.json")) == 2
    assert pauses == [1.0, 1.0]
    assert all(len(fake.tickets[t].comments) == 2 for t in (1, 2, 3))


def test_different_bodies_go_as_one_tickets_array(fake: FakeZendesk) -> None:
    client, _ = _client(fake)
    client.add_comments(
        [Comment(ticket_id=str(t), body=f"Hello {t}", public=True) for t in (1, 2)],
        status="solved",
    )
    [call] = fake.calls_to("PUT", r"/api/v2/tickets/update_many\.json")
    assert call.json == {
        "tickets": [
            {"id": 1, "comment": {"body": "Hello 1", "public": True}, "status": "solved"},
            {"id": 2, "comment": {"body": "Hello 2", "public": True}, "status": "solved"},
        ]
    }
    assert fake.tickets[2].status == "solved"


def test_a_long_rate_limit_goes_back_to_the_job_queue(fake: FakeZendesk) -> None:
    fake.inject(r"update_many", status=429, retry_after="60")
    client, _ = _client(fake)
    with pytest.raises(IntegrationError) as caught:
        client.add_comments([Comment(ticket_id=str(t), body="x", public=False) for t in (1, 2)])
    assert not caught.value.permanent and caught.value.retry_after == 60.0


def test_a_refused_token_fails_the_health_check_naming_the_settings(fake: FakeZendesk) -> None:
    client, _ = _client(fake, token="wrong")
    result = client.check()
    assert result.health is Health.failing
    assert "ZENDESK_EMAIL and ZENDESK_API_TOKEN" in result.detail
    assert "wrong" not in result.detail
    good, _ = _client(fake)
    assert good.check().health is Health.ok


def test_a_comment_already_on_the_ticket_is_found(fake: FakeZendesk) -> None:
    fake.clock = lambda: datetime(2026, 11, 23, 10, 0, 30, tzinfo=UTC)
    client, _ = _client(fake)
    comment = Comment(ticket_id="1", body="Fixed.", public=True)
    since = datetime(2026, 11, 23, 10, 0, 30, 900000, tzinfo=UTC)  # same second, later
    assert not client.comment_present(comment, since)
    client.add_comments([comment])
    assert client.comment_present(comment, since)


def test_tickets_a_bulk_update_could_not_change_are_returned(fake: FakeZendesk) -> None:
    client, _ = _client(fake)
    refused = client.add_comments(
        [Comment(ticket_id=str(t), body="Fixed.", public=True) for t in (1, 2, 404)]
    )
    assert refused == {"404"}
    assert client.add_comments([Comment(ticket_id="1", body="Again.", public=True)]) == set()
