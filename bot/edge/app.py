"""Assembles the edge's Falcon app: routes, error answers, metrics.

``slack`` is the resource for ``POST /slack/events`` (Slack glue, built in handlers/);
the rest is ours. The same app is served by gunicorn in HTTP mode and in Socket Mode
(where Slack itself arrives over the socket and /slack/events is not mounted).
"""

from __future__ import annotations

from dataclasses import dataclass

import falcon

from bot.edge.errors import EdgeError, handle_edge_error, handle_http_error, handle_unexpected
from bot.edge.health import Probe, ProbeResource
from bot.edge.metrics import EdgeMetrics, MetricsMiddleware, MetricsResource
from bot.edge.webhooks import WebhookRegistry, WebhookResource
from bot.statuspage_web.resources import StatusSite
from bot.statuspage_web.resources import mount as mount_status_page
from bot.statuspage_web.subscribe import mount as mount_subscriptions

SLACK_PATH = "/slack/events"


@dataclass(frozen=True)
class EdgeProbes:
    liveness: dict[str, Probe]
    readiness: dict[str, Probe]


def make_edge(
    *,
    probes: EdgeProbes,
    webhooks: WebhookRegistry,
    slack: object | None = None,
    metrics: EdgeMetrics | None = None,
    status_page: tuple[str, StatusSite] | None = None,
) -> falcon.App:
    metrics = metrics or EdgeMetrics()
    app = falcon.App(middleware=[MetricsMiddleware(metrics)])
    app.req_options.strip_url_path_trailing_slash = True
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(falcon.HTTPError, handle_http_error)
    app.add_error_handler(EdgeError, handle_edge_error)
    if slack is not None:
        app.add_route(SLACK_PATH, slack)
    app.add_route("/healthz", ProbeResource(probes.liveness))
    app.add_route("/readyz", ProbeResource(probes.readiness))
    app.add_route("/metrics", MetricsResource(metrics))
    app.add_route("/webhooks/{source}", WebhookResource(webhooks))
    if status_page is not None:  # (path, site): the public status page
        path, site = status_page
        mount_status_page(app, site, path)
        if site.email is not None:
            mount_subscriptions(app, site, path, site.email)
    return app
