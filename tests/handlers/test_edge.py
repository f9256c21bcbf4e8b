"""The HTTP edge over real HTTP: Slack requests verified before parsing, refused with a
reason and an error id (never 500), bodies capped, and nothing of a body in the log."""

from __future__ import annotations

import http.client
import io
import json
import logging
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.logs import configure_logging
from bot.models import Incident
from tests.conftest import SIGNING_SECRET
from tests.harness import Harness

MARKER = "BODYMARKER7"  # appears in every test body; must never reach the log
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def db_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: nothing at the edge depends on the database backend."""
    target = tmp_path / "liaison.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """The process's logging as `python app.py` sets it up, at DEBUG, into a buffer."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    buffer = io.StringIO()
    configure_logging("DEBUG", "text", secrets=(SIGNING_SECRET, "xoxb-test"), stream=buffer)
    yield buffer
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def _base(harness: Harness) -> str:
    return harness.slack.url.rsplit("/slack/events", 1)[0]


def _raw(
    url: str, body: bytes, headers: dict[str, str], method: str = "POST"
) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _signed(body: bytes, content_type: str = FORM, stamp: int | None = None) -> dict[str, str]:
    timestamp = str(stamp if stamp is not None else int(time.time()))
    try:
        text: str | bytes = body.decode()
    except UnicodeDecodeError:
        text = body
    if isinstance(text, str):
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(
            timestamp=timestamp, body=text
        )
    else:
        import hashlib
        import hmac

        base = b"v0:" + timestamp.encode() + b":" + body
        signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def _incidents(harness: Harness) -> int:
    with harness.session() as session:
        return session.scalar(select(func.count()).select_from(Incident)) or 0


COMMAND = f"command=%2Fliaison&text=declare+sev1+{MARKER}&channel_id=C1&user_id=U1".encode()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Content-Type": FORM}, "missing X-Slack-Signature"),
        (
            {
                "Content-Type": FORM,
                "X-Slack-Request-Timestamp": "soon",
                "X-Slack-Signature": "v0=1",
            },
            "not a number",
        ),
        (
            {
                "Content-Type": FORM,
                "X-Slack-Request-Timestamp": "-17.5",
                "X-Slack-Signature": "v0=1",
            },
            "not a number",
        ),
        (
            {
                "Content-Type": FORM,
                "X-Slack-Request-Timestamp": "now",
                "X-Slack-Signature": "v0=deadbeef",
            },
            "invalid signature",
        ),
    ],
)
def test_unsigned_requests_get_401_with_a_reason_and_nothing_is_logged_of_the_body(
    harness: Harness, log_text: io.StringIO, headers: dict[str, str], reason: str
) -> None:
    if headers.get("X-Slack-Request-Timestamp") == "now":
        # Stamped when the test runs, not when it is collected: a long run must not age it.
        headers = {**headers, "X-Slack-Request-Timestamp": str(int(time.time()))}
    status, answer = _raw(harness.slack.url, COMMAND, headers)
    assert status == 401
    assert reason in answer["error"]
    assert answer["error_id"] in log_text.getvalue()
    assert MARKER not in log_text.getvalue()
    assert _incidents(harness) == 0


def test_a_stale_timestamp_gets_401(harness: Harness, log_text: io.StringIO) -> None:
    stale = int(time.time()) - 10 * 60
    status, answer = _raw(harness.slack.url, COMMAND, _signed(COMMAND, stamp=stale))
    assert (status, answer["error"]) == (401, "request timestamp outside the replay window")
    assert MARKER not in log_text.getvalue()


def _form_payload(raw: str) -> bytes:
    return f"payload={raw}&note={MARKER}".encode()


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", FORM, "empty body"),
        (_form_payload(""), FORM, "payload is empty"),
        (_form_payload("null"), FORM, "payload must be a JSON object"),
        (_form_payload("%7B%22type%22%3A%22block_actions"), FORM, "payload is not valid JSON"),
        (_form_payload("%5B1%2C2%5D"), FORM, "payload must be a JSON object"),
        (_form_payload("%FF%FE%7B%7D"), FORM, "malformed form encoding"),
        (f"command&text={MARKER}".encode(), FORM, "malformed form encoding"),
        (
            _form_payload("%7B%22type%22%3A%22block_actions%22%2C%22team%22%3A5%7D"),
            FORM,
            "payload field 'team' has the wrong type",
        ),
        (
            json.dumps({"type": "event_callback", "event": [MARKER]}).encode(),
            "application/json",
            "payload field 'event' has the wrong type",
        ),
        (
            _form_payload("%7B%22type%22%3A%22view_submission%22%2C%22view%22%3A%22string%22%7D"),
            FORM,
            "payload field 'view' has the wrong type",
        ),
        (
            _form_payload("%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%5D%7D"),
            FORM,
            "payload field 'actions' has the wrong type",
        ),
        (('{"type": "event_callback", "x": "' + MARKER).encode(), "application/json", "not valid"),
        (b'{"text": "' + MARKER.encode() + b'\xff\xfe"}', "application/json", "not UTF-8"),
    ],
)
def test_signed_but_malformed_requests_get_400_with_a_reason_never_500(
    harness: Harness, log_text: io.StringIO, body: bytes, content_type: str, reason: str
) -> None:
    status, answer = _raw(harness.slack.url, body, _signed(body, content_type))
    assert status == 400, answer
    assert reason in answer["error"]
    assert answer["error_id"] in log_text.getvalue()
    logged = log_text.getvalue()
    assert MARKER not in logged
    assert "Traceback" not in logged


def test_a_body_over_the_limit_gets_413_before_it_is_read(app_factory: Any) -> None:
    harness = app_factory(http_body_limit=4096)
    body = b"command=%2Fliaison&text=" + b"x" * 5000
    status, answer = _raw(harness.slack.url, body, _signed(body))
    assert (status, answer["error"]) == (413, "body larger than 4096 bytes")

    # Ten megabytes announced, a few bytes sent: the answer comes without waiting for more.
    url = urlparse(harness.slack.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    connection.putrequest("POST", url.path)
    for name, value in {**_signed(b"x"), "Content-Length": str(10 * 1024 * 1024)}.items():
        connection.putheader(name, value)
    connection.endheaders(b"command=")
    response = connection.getresponse()
    assert response.status == 413
    connection.close()


def test_a_signed_command_still_works_and_its_text_stays_out_of_the_log(
    harness: Harness, log_text: io.StringIO
) -> None:
    harness.fake.add_channel("CEDGE", "edge")
    result = harness.command(f"declare sev3 {MARKER}", channel="CEDGE", channel_name="edge")
    assert result.status == 200
    assert _incidents(harness) == 1
    assert MARKER not in log_text.getvalue()


def test_requests_never_call_auth_test_so_a_slow_slack_does_not_delay_the_ack(
    harness: Harness,
) -> None:
    checked_at_start = len(harness.fake.calls_to("auth.test"))
    assert checked_at_start == 1  # the start-up check, before serving
    harness.fake.delay("auth.test", 10)
    harness.fake.add_channel("CFAST", "fast")
    started = time.monotonic()
    result = harness.slack.command("status", channel="CFAST", channel_name="fast")
    assert result.status == 200
    assert time.monotonic() - started < 2
    harness.executor.wait_idle()
    assert len(harness.fake.calls_to("auth.test")) == checked_at_start


def test_bolt_records_never_carry_a_payload(log_text: io.StringIO) -> None:
    bolt = logging.getLogger("slack_bolt.App")
    bolt.info("Invalid request signature detected (signature: v0=1, body: %s)", MARKER)
    bolt.warning("Unhandled request ({'type': 'block_actions', 'value': '%s'})", MARKER)
    bolt.error("Failed to run listener function (error: boom %s)", "{'text': '" + MARKER + "'}")
    logged = log_text.getvalue()
    assert MARKER not in logged
    assert "Unhandled request [request details not logged]" in logged
    assert "Failed to run listener function [request details not logged]" in logged


def test_secrets_are_masked_in_every_line(log_text: io.StringIO) -> None:
    logging.getLogger("liaison").warning(
        "token %s secret %s other xoxp-123-abc", "xoxb-test", SIGNING_SECRET
    )
    logged = log_text.getvalue()
    assert "xoxb-test" not in logged
    assert SIGNING_SECRET not in logged
    assert "xoxp-123" not in logged
    assert logged.count("[redacted]") == 3


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_healthz_is_liveness_and_readyz_adds_slack_and_the_scheduler(harness: Harness) -> None:
    base = _base(harness)
    status, body = _get(base + "/healthz")
    assert status == 200
    assert json.loads(body) == {"ok": True, "database": "reachable"}

    status, body = _get(base + "/readyz")
    assert status == 503
    ready = json.loads(body)
    assert ready["scheduler"] == "no successful wake-up yet"
    assert ready["slack"] == "token checked at start-up (team T0001)"

    harness.liaison.scheduler.tick()
    status, body = _get(base + "/readyz")
    assert status == 200, body
    assert json.loads(body)["scheduler"] == "last successful wake-up 0s ago"

    harness.clock.advance(timedelta(minutes=5))
    status, body = _get(base + "/readyz")
    assert status == 503
    assert json.loads(body)["scheduler"] == "last successful wake-up 300s ago"


def test_unknown_routes_and_methods_are_answered_with_a_reason_and_an_id(
    harness: Harness,
) -> None:
    base = _base(harness)
    status, body = _get(base + "/nowhere")
    assert status == 404
    assert json.loads(body)["error_id"]
    status, body = _get(base + "/slack/events")
    assert status == 405
    status, answer = _raw(base + "/webhooks/zendesk", b"{}", {"Content-Type": "application/json"})
    assert status == 404
    assert answer["error"] == "unknown webhook source 'zendesk'"


def test_metrics_count_requests_by_route_and_status(harness: Harness) -> None:
    base = _base(harness)
    _get(base + "/healthz")
    _raw(harness.slack.url, COMMAND, {"Content-Type": FORM})
    harness.command("help")
    status, text = _get(base + "/metrics")
    assert status == 200
    assert 'liaison_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'liaison_http_requests_total{method="POST",route="/slack/events",status="401"} 1.0' in (
        text
    )
    assert 'liaison_http_requests_total{method="POST",route="/slack/events",status="200"} 1.0' in (
        text
    )
    assert "liaison_http_request_duration_seconds_bucket" in text


def test_a_command_whose_text_says_payload_is_not_dropped(harness: Harness) -> None:
    """Bolt alone answers 404 "unhandled request" for it: it looks for the word."""
    harness.fake.add_channel("CPAY", "pay")
    result = harness.command(
        "declare sev3 API payload rejected", channel="CPAY", channel_name="pay"
    )
    assert result.status == 200
    assert "API payload rejected" in harness.fake.messages("CPAY")[-1]["text"]


def test_in_socket_mode_the_edge_serves_everything_but_slack(app_factory: Any) -> None:
    harness = app_factory(slack_app_token="xapp-test")
    base = _base(harness)
    assert _get(base + "/healthz")[0] == 200
    assert _get(base + "/metrics")[0] == 200
    status, answer = _raw(harness.slack.url, COMMAND, _signed(COMMAND))
    assert status == 404
    assert answer["error_id"]
