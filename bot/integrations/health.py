"""What each integration says about itself at start-up and in ``/liaison health``.

An integration that is not configured is "off", not failing; one that is configured but
cannot authenticate or reach its service is reported with the setting that fixes it, so a
bad subdomain or a revoked token is found when the operator deploys, not at 3 a.m.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.integrations.http import IntegrationError


class Health(StrEnum):
    off = "off"  # not configured: nothing to check
    ok = "ok"
    failing = "failing"


@dataclass(frozen=True)
class CheckResult:
    system: str  # "Zendesk", "PagerDuty", ...
    health: Health
    detail: str = ""  # people read it: what is wrong and which setting fixes it


# A check makes at most one cheap authenticated call (e.g. "who am I") and never raises.
HealthCheck = Callable[[], CheckResult]


class HealthChecks:
    """The checks of the configured integrations, built by the composition root."""

    def __init__(self) -> None:
        self._checks: list[HealthCheck] = []

    def add(self, check: HealthCheck) -> None:
        self._checks.append(check)

    @property
    def checks(self) -> list[HealthCheck]:
        return list(self._checks)

    def run(self) -> list[CheckResult]:
        return [check() for check in self._checks]


class CheckedClient(Protocol):
    def check(self) -> None: ...

    def close(self) -> None: ...


def check_api(
    system: str, client: CheckedClient, *, auth: str, target: str, url: str
) -> CheckResult:
    """One authenticated call, its failure named by the setting that fixes it: ``auth``
    for 401/403, ``url`` when the service is unreachable or failing, else ``target``."""
    try:
        client.check()
    except IntegrationError as exc:
        fix = auth if exc.status in (401, 403) else target
        if exc.status is None or exc.status >= 500:
            fix = url
        return CheckResult(system, Health.failing, f"{exc} (check {fix})")
    finally:
        client.close()
    return CheckResult(system, Health.ok)
