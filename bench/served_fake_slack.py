"""The fake Slack in a process of its own, for bench/report_ack.py.

Served from another process, the fake's own CPU is not counted against either server, and
it does not compete with the client for the benchmark process's interpreter lock.
"""

from __future__ import annotations

import json
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Any

from bot.devtools.fake_slack import FakeSlack
from bot.devtools.fake_slack_http import FakeSlackServer


class ServedFake(FakeSlack):
    """The fake Slack with what the benchmark reads back as plain methods (a manager's
    proxy forwards methods, not properties)."""

    def __init__(self, schema_path: str) -> None:
        FakeSlackServer.request_queue_size = 256  # every app thread holds a connection
        super().__init__(schema_path=Path(schema_path))

    def serve(self) -> None:
        self.start()

    def add_incident_channel(self, channel: str, name: str) -> None:
        self.add_channel(channel, name)

    def base_url(self) -> str:
        return self.url

    def response_url_for(self, name: str) -> str:
        return self.response_url(name)

    def add_users(self, ids: list[str]) -> None:
        for user in ids:
            self.add_user(user, user.lower(), real_name=f"Agent {user}")

    def views_opened(self) -> int:
        return len(self.calls_to("views.open"))

    def view_opened(self, number: int) -> dict[str, Any]:
        """The ``number``-th modal opened (from 1), once it was."""
        view = self.wait_for("views.open", count=number, timeout=10)[number - 1].params["view"]
        return json.loads(view) if isinstance(view, str) else view

    def confirmed(self, agents: list[str]) -> int:
        """Agents whose DM shows a confirmation (messages Slack accepted, not just calls)."""
        return sum(
            1
            for agent in agents
            if any("Report attached" in m["text"] for m in self.messages(agent))
        )

    def refused(self) -> list[str]:
        return [str(v) for v in self.violations[:3]]


class FakeSlackProcess(BaseManager):
    pass


FakeSlackProcess.register(
    "ServedFake",
    ServedFake,
    exposed=(
        "serve", "base_url", "response_url_for", "add_users", "add_incident_channel",
        "views_opened", "view_opened", "confirmed", "refused",
    ),
)  # fmt: skip
