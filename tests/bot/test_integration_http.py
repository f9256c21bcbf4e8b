"""The shared integration client against the generic fake service: verdicts and retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.devtools.fake_service import Answer, FakeService, Request
from bot.integrations.http import ClientConfig, IntegrationClient, IntegrationError


class FakeTickets(FakeService):
    name = "tickets"

    def __init__(self) -> None:
        super().__init__()
        self.route("GET", r"/tickets/(?P<id>\d+)", self._ticket)

    def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == "Bearer good"

    def _ticket(self, request: Request) -> Answer:
        return Answer(200, {"ticket": {"id": int(request.params["id"])}})


@pytest.fixture
def fake() -> Iterator[FakeTickets]:
    with FakeTickets() as service:
        yield service


def _client(fake: FakeService, token: str = "good", **config: object) -> IntegrationClient:
    waits: list[float] = []
    client = IntegrationClient(
        ClientConfig(
            system="Tickets",
            base_url=fake.url,
            headers={"Authorization": f"Bearer {token}"},
            **config,  # type: ignore[arg-type]
        ),
        sleep=waits.append,
    )
    client.waits = waits  # type: ignore[attr-defined]
    return client


def test_a_good_call_returns_the_answer_and_is_recorded(fake: FakeTickets) -> None:
    assert _client(fake).json("GET", "/tickets/42") == {"ticket": {"id": 42}}
    assert [c.path for c in fake.calls_to("GET", r"/tickets/\d+")] == ["/tickets/42"]


def test_bad_credentials_are_permanent_and_not_retried(fake: FakeTickets) -> None:
    with pytest.raises(IntegrationError) as caught:
        _client(fake, token="bad").json("GET", "/tickets/42", what="read ticket 42")
    assert caught.value.permanent
    assert caught.value.status == 401
    assert "Tickets read ticket 42 failed: HTTP 401" in str(caught.value)
    assert len(fake.calls) == 1


def test_a_short_rate_limit_is_waited_out_as_told(fake: FakeTickets) -> None:
    fake.inject(r"/tickets/", status=429, retry_after="2", times=1)
    client = _client(fake)
    assert client.json("GET", "/tickets/7") == {"ticket": {"id": 7}}
    assert client.waits == [2.0]  # type: ignore[attr-defined]


def test_a_long_rate_limit_goes_back_to_the_job_queue_with_its_delay(fake: FakeTickets) -> None:
    fake.inject(r"/tickets/", status=429, retry_after="120", times=1)
    with pytest.raises(IntegrationError) as caught:
        _client(fake).json("GET", "/tickets/7")
    assert not caught.value.permanent
    assert caught.value.retry_after == 120.0
    assert len(fake.calls) == 1


def test_server_errors_are_retried_then_reported_transient(fake: FakeTickets) -> None:
    fake.inject(r"/tickets/", status=503, times=5)
    client = _client(fake, attempts=3)
    with pytest.raises(IntegrationError) as caught:
        client.json("GET", "/tickets/7")
    assert not caught.value.permanent
    assert len(fake.calls) == 3
    assert client.waits == [0.25, 0.5]  # type: ignore[attr-defined]


def test_a_timeout_is_transient(fake: FakeTickets) -> None:
    fake.inject(r"/tickets/", status=None, delay=0.5, times=1)
    client = _client(fake, timeout=0.1, attempts=1)
    with pytest.raises(IntegrationError) as caught:
        client.json("GET", "/tickets/7")
    assert not caught.value.permanent
    assert "timed out" in str(caught.value)


def test_an_unknown_path_is_a_permanent_404(fake: FakeTickets) -> None:
    with pytest.raises(IntegrationError) as caught:
        _client(fake).json("GET", "/nowhere")
    assert caught.value.permanent and caught.value.status == 404
