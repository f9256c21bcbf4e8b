"""Listeners that answer Slack from the request's own thread.

Bolt runs a listener on its executor and has the request's thread check every 10 ms
whether it acknowledged yet; with fifty reports in flight that is thousands of wake-ups a
second, each wanting the interpreter lock the listeners need. A listener whose whole work
is its answer (the report form: validate, store, then ``ack()``, with everything after it
left to durable jobs) gains nothing from the hand-over, so it runs where the request
arrived and its answer goes out when it returns (measured with bench/report_ack.py).
Every other listener keeps Bolt's behaviour: acknowledged first, its work after.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener import Listener
from slack_bolt.listener.thread_runner import ThreadListenerRunner


class InlineAckRunner(ThreadListenerRunner):
    """Bolt's runner, except that the named view submissions run on the request thread."""

    def __init__(self, base: ThreadListenerRunner, view_callbacks: Collection[str]) -> None:
        shared: dict[str, Any] = {
            "logger": base.logger,
            "listener_error_handler": base.listener_error_handler,
            "listener_start_handler": base.listener_start_handler,
            "listener_completion_handler": base.listener_completion_handler,
            "listener_executor": base.listener_executor,
            "lazy_listener_runner": base.lazy_listener_runner,
        }
        super().__init__(process_before_response=base.process_before_response, **shared)
        self._inline = ThreadListenerRunner(process_before_response=True, **shared)
        self._view_callbacks = frozenset(view_callbacks)

    def inline(self, request: BoltRequest) -> bool:
        body = request.body if isinstance(request.body, dict) else {}
        view = body.get("view") if body.get("type") == "view_submission" else None
        return isinstance(view, dict) and view.get("callback_id") in self._view_callbacks

    def run(
        self,
        request: BoltRequest,
        response: BoltResponse,
        listener_name: str,
        listener: Listener,
        starting_time: float | None = None,
    ) -> BoltResponse | None:
        runner = self._inline if self.inline(request) else super()
        return runner.run(request, response, listener_name, listener, starting_time)


def install(app: App, view_callbacks: Collection[str]) -> InlineAckRunner:
    """Put the runner in place of Bolt's; call after ``app.error`` (it keeps that handler).

    Bolt has no setting for this, so its runner attribute is replaced; tests/handlers/
    test_inline_acks.py fails if a Bolt release stops using it.
    """
    runner = InlineAckRunner(app.listener_runner, view_callbacks)
    app._listener_runner = runner
    return runner
