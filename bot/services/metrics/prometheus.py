"""Operational gauges for ``GET /metrics``, read from the database at scrape time.

Nothing is counted in memory: every replica answers the same figures, right after a
restart too, whichever gunicorn worker a scrape reaches. Job counts by kind and status
only grow while job rows are kept, so ``sent`` and ``failed`` behave as counters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from bot.models import Incident, Reminder, Report
from bot.runtime import Runtime
from bot.services.sla.tickets import at_risk_within

log = logging.getLogger(__name__)


class StoredFactsCollector:
    """A prometheus_client custom collector (``collect`` yields metric families)."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt

    def describe(self) -> list[Any]:
        # Nothing to describe up front: registering must not query the database.
        return []

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily(
            "liaison_facts_up", "1 when the scrape could read the database, else 0"
        )
        try:
            families = list(self._families())
        except SQLAlchemyError as exc:
            log.warning("The /metrics scrape could not read the database: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        now = self._rt.clock.now()
        jobs = GaugeMetricFamily(
            "liaison_jobs", "Durable jobs (reminders, messages) by kind and status",
            labels=["kind", "status"],
        )  # fmt: skip
        due = GaugeMetricFamily(
            "liaison_jobs_due", "Pending jobs already due, by kind", labels=["kind"]
        )
        lag = GaugeMetricFamily(
            "liaison_jobs_lag_seconds",
            "How long the oldest due pending job of a kind has waited past its due time",
            labels=["kind"],
        )
        incidents = GaugeMetricFamily(
            "liaison_open_incidents", "Open incidents by severity", labels=["severity"]
        )
        tickets = GaugeMetricFamily(
            "liaison_open_tickets",
            "Unanswered tickets of open incidents that are at risk of or past their SLA",
            labels=["state"],
        )
        with self._rt.sessions() as session:
            for kind, status, count in session.execute(
                select(Reminder.kind, Reminder.status, func.count(Reminder.id)).group_by(
                    Reminder.kind, Reminder.status
                )
            ):
                jobs.add_metric([kind, status], count)
            for kind, count, oldest in session.execute(
                select(Reminder.kind, func.count(Reminder.id), func.min(Reminder.due_at))
                .where(Reminder.status == "pending", Reminder.due_at <= now)
                .group_by(Reminder.kind)
            ):
                due.add_metric([kind], count)
                lag.add_metric([kind], max(0.0, (now - _aware(oldest)).total_seconds()))
            for severity, count in session.execute(
                select(Incident.severity, func.count(Incident.id))
                .where(Incident.status == "open")
                .group_by(Incident.severity)
            ):
                incidents.add_metric([severity], count)
            unanswered = (
                select(func.count(Report.id))
                .join(Incident, Incident.id == Report.incident_id)
                .where(Incident.status == "open", Report.responded_at.is_(None))
            )
            breached = session.scalar(
                unanswered.where(
                    or_(Report.breached_at.is_not(None), Report.first_response_due_at <= now)
                )
            )
            at_risk = session.scalar(
                unanswered.where(
                    Report.breached_at.is_(None),
                    Report.first_response_due_at > now,
                    Report.first_response_due_at <= now + at_risk_within(self._rt),
                )
            )
        tickets.add_metric(["breached"], int(breached or 0))
        tickets.add_metric(["at_risk"], int(at_risk or 0))
        yield from (jobs, due, lag, incidents, tickets)


def _aware(moment: Any) -> Any:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
