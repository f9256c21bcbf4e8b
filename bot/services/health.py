"""``/liaison health`` and the start-up report: is everything Liaison depends on working?

The Slack token, the database, the scheduler (judged by the jobs table: a job due long ago
and still pending means nothing is waking the process) and every check the configured
integrations registered on ``rt.health``. Each line says what is wrong and which setting
fixes it; nothing here raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, text

from bot.integrations.health import CheckResult, Health
from bot.models import Reminder
from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthReport:
    results: list[CheckResult]

    @property
    def healthy(self) -> bool:
        return all(result.health is not Health.failing for result in self.results)


def check_everything(rt: Runtime, slack: Callable[[], CheckResult]) -> HealthReport:
    results = [_guarded("Slack", slack), _guarded("Database", lambda: database(rt))]
    results.append(_guarded("Scheduler", lambda: scheduler(rt)))
    results.extend(_guarded("Integration", check) for check in rt.health.checks)
    return HealthReport(results)


def database(rt: Runtime) -> CheckResult:
    with rt.sessions() as session:
        session.execute(text("SELECT 1"))
    return CheckResult("Database", Health.ok, "reachable")


def scheduler(rt: Runtime) -> CheckResult:
    """Jobs overdue by more than a few wake-up intervals mean the scheduler is not running."""
    now = rt.clock.now()
    patience = max(3 * rt.settings.scheduler_interval, rt.settings.reminder_lease)
    with rt.sessions() as session:
        oldest = session.scalar(
            select(func.min(Reminder.due_at)).where(Reminder.status == "pending")
        )
    if oldest is not None and now - oldest > patience:
        late = int((now - oldest).total_seconds() // 60)
        detail = f"a job has been due for {late} min: is the scheduler running?"
        return CheckResult("Scheduler", Health.failing, detail)
    return CheckResult("Scheduler", Health.ok, "no job is overdue")


def log_startup_health(rt: Runtime) -> None:
    """At start-up, each integration's state goes to the log: a failing one with the
    setting that fixes it, before anyone needs it at 3 a.m."""
    for result in rt.health.run():
        if result.health is Health.failing:
            log.error("%s is misconfigured: %s", result.system, result.detail)
        else:
            log.info("%s: %s%s", result.system, result.health.value,
                     f" ({result.detail})" if result.detail else "")  # fmt: skip


def _guarded(system: str, check: Callable[[], CheckResult]) -> CheckResult:
    try:
        return check()
    except Exception as exc:  # a check that raises is a failing check, not a crash
        log.warning("health check of %s raised", system, exc_info=True)
        return CheckResult(system, Health.failing, f"check failed: {type(exc).__name__}")
