"""Prometheus metrics for the edge: requests by route, method and status, and latency;
Slack requests and their ack latency by surface; and (from bot/call_metrics.py) the
calls this process made to other systems.

With several gunicorn workers each process counts its own requests, and a scrape reaches
one of them. prometheus_client's multiprocess mode makes every worker write its counts to
files in ``PROMETHEUS_MULTIPROC_DIR`` and the scrape sum them. That mode is chosen when
prometheus_client is first imported, so the import is deferred to the first metrics
object: bot/server.py sets the directory in the gunicorn master, before any worker is
forked and before anything imports prometheus_client. Without the variable (one process:
tests, the demo) a private registry per app is used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import falcon

from bot.call_metrics import outgoing_calls

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
# Around Slack's 3 s ack deadline: most acks take milliseconds, a slow one nears 3 s.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)


class EdgeMetrics:
    """``collectors`` are custom collectors read at scrape time (figures from the
    database), added to every scrape whether or not the multiprocess mode is on."""

    def __init__(self, collectors: Sequence[Any] = ()) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self._collectors = tuple(collectors)
        self._registry = CollectorRegistry()
        for collector in self._collectors:
            self._registry.register(collector)
        self.requests = Counter(
            "liaison_http_requests",
            "HTTP requests answered by the edge",
            ["route", "method", "status"],
            registry=self._registry,
        )
        self.latency = Histogram(
            "liaison_http_request_duration_seconds",
            "Time to answer an HTTP request (Slack: until the ack)",
            ["route", "method"],
            registry=self._registry,
        )
        self.slack_requests = Counter(
            "liaison_slack_requests",
            "Requests from Slack answered by Bolt, by surface and status",
            ["surface", "status"],
            registry=self._registry,
        )
        self.slack_ack = Histogram(
            "liaison_slack_ack_seconds",
            "From a Slack request's arrival to its ack, by surface (Slack waits 3 s)",
            ["surface"],
            buckets=ACK_BUCKETS,
            registry=self._registry,
        )
        # The process's outgoing calls (one counter per process, whichever app asks).
        self._registry.register(outgoing_calls())

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def observe_slack(self, surface: str, status: int, seconds: float) -> None:
        self.slack_requests.labels(surface, str(status)).inc()
        self.slack_ack.labels(surface).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
        from prometheus_client.multiprocess import MultiProcessCollector

        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            for collector in self._collectors:
                registry.register(collector)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self._registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Times every request and counts it under its route template (never the raw path)."""

    def __init__(self, metrics: EdgeMetrics) -> None:
        self._metrics = metrics

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        started = getattr(req.context, "started", None)
        if started is None:
            return
        route = req.uri_template or UNMATCHED
        status = falcon.http_status_to_code(resp.status)
        self._metrics.observe(route, req.method, status, time.perf_counter() - started)


class MetricsResource:
    def __init__(self, metrics: EdgeMetrics) -> None:
        self._metrics = metrics

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        body, content_type = self._metrics.exposition()
        resp.data = body
        resp.content_type = content_type
