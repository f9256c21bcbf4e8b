"""Liveness (/healthz) and readiness (/readyz).

Liveness answers "is this process worth keeping": it serves HTTP and reaches its
database. Readiness answers "should traffic come here": also the Slack token was accepted
at start-up and the reminder scheduler woke up successfully lately, so a process whose
scheduler thread died is taken out of rotation instead of silently sending nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import falcon

from bot.clock import Clock


@dataclass(frozen=True)
class Check:
    """One probe: ``ok``, and a short detail a person reads in the JSON answer."""

    ok: bool
    detail: str


Probe = Callable[[], Check]


def database_probe(ping: Callable[[], object]) -> Probe:
    def probe() -> Check:
        try:
            ping()
        except Exception:  # any failure to reach it is the answer, not an error
            return Check(False, "unreachable")
        return Check(True, "reachable")

    return probe


def slack_auth_probe(team: Callable[[], str | None]) -> Probe:
    def probe() -> Check:
        checked = team()
        if checked is None:
            return Check(False, "token not checked")
        return Check(True, f"token checked at start-up (team {checked})")

    return probe


def scheduler_probe(
    last_success: Callable[[], datetime | None], clock: Clock, max_age: timedelta
) -> Probe:
    def probe() -> Check:
        last = last_success()
        if last is None:
            return Check(False, "no successful wake-up yet")
        age = clock.now() - last
        seconds = int(age.total_seconds())
        if age > max_age:
            return Check(False, f"last successful wake-up {seconds}s ago")
        return Check(True, f"last successful wake-up {seconds}s ago")

    return probe


class ProbeResource:
    """GET answers 200 when every probe is ok, else 503; the body names each probe."""

    def __init__(self, probes: dict[str, Probe]) -> None:
        self._probes = probes

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        results = {name: probe() for name, probe in self._probes.items()}
        ok = all(check.ok for check in results.values())
        body: dict[str, Any] = {"ok": ok}
        body.update({name: check.detail for name, check in results.items()})
        resp.status = 200 if ok else 503
        resp.media = body
