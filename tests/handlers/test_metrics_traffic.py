"""``GET /metrics``: Slack requests and ack latency by surface, and outgoing calls by
system, method and status (Slack's Web API and the shared integration client)."""

from __future__ import annotations

import contextlib
import logging
import re
import urllib.request
from typing import Any

import httpx

from bot.ids import ReportIds, SlaActions
from bot.integrations.http import ClientConfig, IntegrationClient, IntegrationError
from tests.handlers.sla_support import sqlite_only
from tests.harness import Harness

_SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)$")


def _scrape(harness: Harness) -> str:
    base = harness.slack.url.rsplit("/slack/events", 1)[0]
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        return response.read().decode()


def _value(text: str, name: str, **labels: str) -> float:
    """One sample's value (0 when the series is not there yet)."""
    wanted = {f'{key}="{value}"' for key, value in labels.items()}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match and match["name"] == name and set((match["labels"] or "").split(",")) == wanted:
            return float(match["value"])
    return 0.0


@sqlite_only
def test_slack_requests_and_their_ack_latency_are_counted_by_surface(sla: Harness) -> None:
    sla.command("help", channel="CSUPPORT")
    sla.command("declare sev2 Checkout failing", channel="CSUPPORT", user="UIC")
    sla.event({"type": "app_home_opened", "user": "UAGENT", "channel": "D1", "tab": "home"})
    sla.block_action(SlaActions.customers_told, value="999", channel="CSUPPORT")
    sla.message_shortcut(
        ReportIds.shortcut,
        message={"ts": "1.0", "text": "Checkout is down", "user": "UIC"},
        channel="CSUPPORT",
    )
    modal = sla.fake.calls_to("views.open")[-1].params["view"]
    sla.block_suggestion(
        modal, block_id=ReportIds.account_block, action_id=ReportIds.account_input, value="ac"
    )
    sla.view_submission(modal, {ReportIds.summary_block: ""})  # refused inline: still acked
    text = _scrape(sla)
    requests = "liaison_slack_requests_total"
    assert _value(text, requests, surface="slash_command", status="200") == 2
    assert _value(text, requests, surface="event", status="200") == 1
    assert _value(text, requests, surface="block_actions", status="200") == 1
    assert _value(text, requests, surface="shortcut", status="200") == 1
    assert _value(text, requests, surface="options", status="200") == 1
    assert _value(text, requests, surface="view_submission", status="200") == 1
    assert _value(text, "liaison_slack_ack_seconds_count", surface="slash_command") == 2
    assert _value(text, "liaison_slack_ack_seconds_bucket", surface="event", le="5.0") == 1
    assert _value(text, "liaison_slack_ack_seconds_bucket", surface="event", le="+Inf") == 1


@sqlite_only
def test_web_api_calls_are_counted_by_method_and_status_retries_included(sla: Harness) -> None:
    series = {"system": "slack", "method": "chat.postMessage"}
    before = _scrape(sla)
    sla.fake.rate_limit("chat.postMessage", retry_after=0)
    sla.command("declare sev2 Checkout failing", channel="CSUPPORT", user="UIC")
    after = _scrape(sla)
    ok = _value(after, "liaison_outgoing_calls_total", **series, status="200")
    assert ok > _value(before, "liaison_outgoing_calls_total", **series, status="200")
    limited = _value(after, "liaison_outgoing_calls_total", **series, status="429")
    assert limited == _value(before, "liaison_outgoing_calls_total", **series, status="429") + 1


@sqlite_only
def test_integration_calls_are_counted_by_system_verb_and_outcome(sla: Harness) -> None:
    answers = iter(
        [httpx.Response(503), httpx.Response(200, json={"ok": True}), httpx.Response(404)]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/slow":
            raise httpx.ReadTimeout("slow", request=request)
        return next(answers)

    client = IntegrationClient(
        ClientConfig(system="Zendesk", base_url="https://example.zendesk.com", headers={}),
        sleep=lambda _: None,
        transport=httpx.MockTransport(handler),
    )
    before = _scrape(sla)
    client.json("PUT", "/api/v2/tickets/42.json", json={})  # 503, then 200
    for path in ("/missing", "/slow"):
        with contextlib.suppress(IntegrationError):
            client.request("GET", path)
    after = _scrape(sla)

    def grew(**labels: str) -> float:
        name = "liaison_outgoing_calls_total"
        return _value(after, name, system="zendesk", **labels) - _value(
            before, name, system="zendesk", **labels
        )

    assert grew(method="PUT", status="503") == 1
    assert grew(method="PUT", status="200") == 1
    assert grew(method="GET", status="404") == 1
    assert grew(method="GET", status="timeout") == 3  # a timeout is retried: 3 attempts


@sqlite_only
def test_socket_mode_requests_are_measured_as_http_ones_are(sla: Harness) -> None:
    from slack_sdk.socket_mode.request import SocketModeRequest

    from handlers.socket_mode import MeteredSocketModeHandler

    seen: list[tuple[str, int, float]] = []
    sent: list[Any] = []

    class Connection:
        """Stands in for the socket: records what would go back to Slack."""

        logger = logging.getLogger("tests.socket_mode")

        def send_socket_mode_response(self, response: Any) -> None:
            sent.append(response)

    handler = MeteredSocketModeHandler(
        sla.liaison.bolt, "xapp-test", observe=lambda *args: seen.append(args)
    )
    try:
        command = {"command": "/liaison", "text": "help", "team_id": "T1", "user_id": "UAGENT",
                   "channel_id": "CSUPPORT", "response_url": sla.slack.response_url,
                   "trigger_id": "t1"}  # fmt: skip
        handler.handle(Connection(), SocketModeRequest("slash_commands", "e1", command))
    finally:
        handler.client.close()
    [(surface, status, seconds)] = seen
    assert (surface, status) == ("slash_command", 200) and seconds >= 0
    assert [response.envelope_id for response in sent] == ["e1"]
