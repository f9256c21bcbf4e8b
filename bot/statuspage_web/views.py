"""HTML pages and feeds of the status page, rendered from templates/status_page/.

A Jinja2 environment of its own with autoescaping on for every template: everything on
the page that people typed (titles, messages, component names) is escaped, and the only
links made are http(s) ones (``linkify``, ``http_url``). The Slack templates stay mrkdwn
in bot/rendering.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.services.statuspage.components import STATE_LABELS, ComponentState
from bot.services.statuspage.page import PageSnapshot

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "status_page"
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# Colour per state: each passes WCAG AA (4.5:1) as text on white; tests compute it.
STATE_COLOURS = {
    ComponentState.operational: "#1b6e3a",
    ComponentState.degraded_performance: "#8a5a00",
    ComponentState.partial_outage: "#b04a00",
    ComponentState.major_outage: "#b3261e",
    ComponentState.under_maintenance: "#1f4e8c",
}
INDICATOR_STATES = {
    "none": ComponentState.operational,
    "minor": ComponentState.degraded_performance,
    "major": ComponentState.partial_outage,
    "critical": ComponentState.major_outage,
    "maintenance": ComponentState.under_maintenance,
}


@dataclass(frozen=True)
class Branding:
    name: str
    logo_url: str
    accent: str
    footer_links: list[tuple[str, str]]
    base_path: str
    page_url: str
    # The page offers email subscriptions (SMTP_URL is configured).
    email_form: bool = False


def http_url(value: str | None) -> str:
    """The address when it is http(s), else empty (never ``javascript:`` or ``data:``)."""
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) else ""


def linkify(text: str) -> Markup:
    """Escape ``text``, then make its http(s) addresses links; line breaks are kept by CSS."""
    escaped = str(escape(text))
    return Markup(_URL.sub(_anchor, escaped))


def _anchor(match: re.Match[str]) -> str:
    url = match.group(0)
    return f'<a href="{url}" rel="nofollow noopener">{url}</a>'


def when(value: datetime | None) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value else ""


def make_environment(override_dir: str | None = None) -> Environment:
    """``override_dir`` is TEMPLATES_DIR: its ``status_page/`` files win over the built-in."""
    loaders = [FileSystemLoader(str(TEMPLATES))]
    if override_dir:
        loaders.insert(0, FileSystemLoader(str(Path(override_dir) / "status_page")))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["linkify"] = linkify
    env.filters["http_url"] = http_url
    env.filters["when"] = when
    # Feed content is HTML inside XML: escaped for HTML here, then for XML by autoescape.
    env.filters["as_html"] = lambda v: str(escape(v))
    env.filters["iso"] = lambda v: v.isoformat().replace("+00:00", "Z") if v else ""
    env.filters["rfc822"] = lambda v: format_datetime(v) if v else ""
    env.globals["state_labels"] = STATE_LABELS
    env.globals["state_colours"] = STATE_COLOURS
    env.globals["indicator_states"] = INDICATOR_STATES
    return env


class PageViews:
    def __init__(self, branding: Branding, override_dir: str | None = None) -> None:
        self.branding = branding
        self._env = make_environment(override_dir)

    def render(self, template: str, snapshot: PageSnapshot, **context: Any) -> bytes:
        html = self._env.get_template(template).render(
            page=snapshot, brand=self.branding, **context
        )
        return html.encode("utf-8")
