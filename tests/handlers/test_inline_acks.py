"""The report form is answered from the request's own thread; other listeners keep Bolt's
hand-over to its executor. Fails if a Bolt release stops using the runner Liaison sets."""

from __future__ import annotations

from typing import Any

import pytest

from bot.ids import ReportIds
from handlers.inline_acks import InlineAckRunner
from tests.handlers.test_reports import MINIMAL, _open_modal, _reports, _start
from tests.harness import Harness

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


class _Counting:
    """Counts what Bolt hands to its listener executor."""

    def __init__(self, executor: Any) -> None:
        self.executor = executor
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.submitted += 1
        return self.executor.submit(fn, *args, **kwargs)


def test_a_report_is_stored_and_answered_without_the_hand_over(harness: Harness) -> None:
    runner = harness.liaison.bolt.listener_runner
    assert isinstance(runner, InlineAckRunner)
    _start(harness)
    view = _open_modal(harness)
    counting = _Counting(runner.listener_executor)
    runner.listener_executor = counting  # type: ignore[assignment]

    result = harness.view_submission(view, MINIMAL)
    assert (result.status, result.body) == (200, "")
    assert [r.customer_name for r in _reports(harness)] == ["Acme Corp"]
    assert counting.submitted == 0

    refused = harness.view_submission(
        {**view, "id": "VOTHER"}, {**MINIMAL, ReportIds.summary_block: " "}
    ).json()
    assert refused["response_action"] == "errors"
    assert counting.submitted == 0

    harness.command("help", channel="CINC1", user="UAGENT")
    assert counting.submitted == 1  # a command still acks first, then works
