"""Outgoing calls to other systems, counted for Prometheus by system, method and outcome.

Every call to Slack's Web API (bot/slack/client.py) and every call through the shared
IntegrationClient (bot/integrations/http.py: Zendesk, Salesforce, PagerDuty, Jira,
Statuspage, subscriber webhooks) is counted once per attempt, retries included, so a
storm of 429s shows up as such. ``method`` is the Web API method for Slack
(``chat.postMessage``) and the HTTP verb for the others (their paths carry ids, which
would make a series per ticket); ``status`` is the HTTP status, or ``timeout`` / ``error``
when no answer came.

The counter belongs to the process, not to an app instance: the clients are built
wherever an integration needs one (inside services and jobs), and a call is a fact about
the process that made it. Under gunicorn prometheus_client's multiprocess mode writes it to
``PROMETHEUS_MULTIPROC_DIR`` like the edge's own metrics; the import of prometheus_client
is deferred to the first call, after bot/server.py has set that directory. The edge's
``/metrics`` (bot/edge/metrics.py) exposes it.
"""

from __future__ import annotations

import re
import threading
from typing import Any

OUTGOING_CALLS = "liaison_outgoing_calls"
TIMEOUT, ERROR = "timeout", "error"
# Names people read in errors ("PagerDuty Events") -> one series per system.
_SYSTEMS = {
    "pagerduty events": "pagerduty",
    "status page subscriber": "statuspage_subscriber",
}


class _Counter:
    """The process's counter, created on first use (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counter: Any = None

    def get(self) -> Any:
        with self._lock:
            if self._counter is None:
                from prometheus_client import Counter

                self._counter = Counter(
                    OUTGOING_CALLS,
                    "Calls to other systems (one per attempt), by system, method and status",
                    ["system", "method", "status"],
                    registry=None,  # exposed by every edge that asks (outgoing_calls())
                )
            return self._counter


_PROCESS_COUNTER = _Counter()


def outgoing_calls() -> Any:
    """The prometheus_client Counter, for a registry to expose."""
    return _PROCESS_COUNTER.get()


def record_call(system: str, method: str, status: int | str) -> None:
    outgoing_calls().labels(system_label(system), method, str(status)).inc()


def system_label(system: str) -> str:
    """``Zendesk`` -> ``zendesk``; ``PagerDuty Events`` -> ``pagerduty``."""
    name = system.strip().lower()
    return _SYSTEMS.get(name) or re.sub(r"[^a-z0-9]+", "_", name).strip("_") or "unknown"


def slack_method(url: str) -> str:
    """The Web API method of a call's URL (``.../api/chat.postMessage`` -> that name)."""
    path = url.split("?", 1)[0].rstrip("/")
    method = path.rsplit("/", 1)[-1]
    return method if re.fullmatch(r"[A-Za-z0-9_.]{1,64}", method) else "unknown"
