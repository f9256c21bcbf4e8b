"""Shared set-up for the status page tests: an app with components, and page requests."""

from __future__ import annotations

from typing import Any

import httpx

from bot.ids import CadenceIds
from bot.slack.statuspage_blocks import StatusPageIds
from tests.handlers.cadence_support import CHANNEL, declare, open_update_modal
from tests.harness import Harness

COMPONENTS = "api=API,web=Web app,Regions/eu=EU region"
SETTINGS: dict[str, Any] = {
    "status_components": COMPONENTS,
    "status_page_url": "https://status.example.com/status",
    "status_page_name": "Acme status",
    "status_page_cache_ttl": "0s",
}


def base_url(harness: Harness) -> str:
    return harness.slack.url.removesuffix("/slack/events")


def get(harness: Harness, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(base_url(harness) + path, timeout=10, **kwargs)


def component(key: str) -> str:
    return f"{StatusPageIds.component_block}.{key}"


def publish(
    harness: Harness,
    message: str,
    *,
    status: str = "investigating",
    components: dict[str, str] | None = None,
    publish: bool = True,
    user: str = "UIC",
) -> Any:
    view = open_update_modal(harness, user)
    answers: dict[str, Any] = {
        CadenceIds.status_block: status,
        CadenceIds.message_block: message,
        StatusPageIds.publish_block: [StatusPageIds.publish_value] if publish else [],
    }
    for key, state in (components or {}).items():
        answers[component(key)] = state
    return harness.view_submission(view, answers, user=user)


__all__ = ["CHANNEL", "declare", "get", "publish"]
