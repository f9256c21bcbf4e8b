"""Socket Mode, measured like the HTTP edge: Slack requests and ack latency by surface.

In HTTP mode ``SlackEventsResource`` (handlers/http.py) times each request until Bolt has
its ack; over Socket Mode the same happens here, around Bolt's own handling of an
envelope, so ``liaison_slack_ack_seconds`` means the same in both modes.
"""

from __future__ import annotations

import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response

from bot.slack.surfaces import socket_mode_surface
from handlers.http import SlackObserver


class MeteredSocketModeHandler(SocketModeHandler):  # type: ignore[misc]
    def __init__(self, app: App, app_token: str, *, observe: SlackObserver) -> None:
        super().__init__(app, app_token)
        self._observe = observe

    def handle(self, client: Any, req: Any) -> None:
        started = time.time()
        clock = time.perf_counter()
        answer = run_bolt_app(self.app, req)
        send_response(client, req, answer, started)
        surface = socket_mode_surface(req.type, req.payload)
        self._observe(surface, answer.status, time.perf_counter() - clock)
