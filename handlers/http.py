"""The WSGI application served in HTTP mode: Slack at POST /slack/events, and GET /healthz."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_wsgi_app(bolt_app: App, healthy: Callable[[], bool]) -> WsgiApp:
    """Route health checks ourselves and everything else to Bolt's WSGI handler."""
    slack = SlackRequestHandler(bolt_app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            ok = _safe(healthy)
            body = json.dumps({"ok": ok, "database": "reachable" if ok else "unreachable"}).encode()
            status = "200 OK" if ok else "503 Service Unavailable"
            start_response(
                status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return slack(environ, start_response)

    return application


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return check()
    except Exception:
        return False
