"""Settings of the status page (the built-in page, the push to Atlassian Statuspage and
PagerDuty Status Pages, email subscribers); bot/config.py's Settings inherits them.

Components are declared as ``key=Name`` pairs, optionally grouped with ``Group/key=Name``:
``api=API, web=Web app, Regions/eu=EU region``. Keys are what the form and the component
mapping of an external page refer to; names are what customers read.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings

from bot.setting_types import CsvList as PairList
from bot.setting_types import Duration

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class StatusPageSettings(BaseSettings):
    # Where the built-in page is served on the HTTP server (PORT); empty switches it off.
    status_page_path: str = "/status"
    # The page's public address, for links in the channel and the feeds (empty: none).
    status_page_url: str = ""
    status_page_name: str = "Service status"
    # key=Name pairs, optionally Group/key=Name; empty: no status page publishing.
    status_components: PairList = []
    # Which components a customer report points at, so the update form pre-selects them
    # (as partial outage) before anything was published: feature:<feature>=<key> and
    # region:<region>=<key> pairs, e.g. feature:checkout=web,region:eu-west=eu.
    status_component_map: PairList = []
    # Empty: the page is public. Otherwise readers need it as a bearer token, ?token=,
    # or the password of HTTP basic auth.
    status_page_private_token: str = ""
    status_page_logo_url: str = ""
    status_page_accent_colour: str = "#1f4e8c"
    # Label=https://… pairs shown in the page's footer.
    status_page_footer_links: PairList = []
    status_page_history_days: int = Field(default=90, ge=1, le=366)
    # Each server process re-reads the page's data at most this often (it also re-reads at
    # once when it notices a change); while the database is unreachable it serves the last.
    status_page_cache_ttl: Duration = timedelta(seconds=2)
    # Atlassian Statuspage: updates are also pushed there when the key and page id are set.
    statuspage_api_url: str = "https://api.statuspage.io/v1"
    statuspage_api_key: str = ""
    statuspage_page_id: str = ""
    # key=component id pairs: which Statuspage component each of STATUS_COMPONENTS is.
    statuspage_component_ids: PairList = []
    # PagerDuty Status Pages: updates are also posted there when this and
    # PAGERDUTY_API_TOKEN are set (PAGERDUTY_API_URL is shared with the on-call side).
    pagerduty_status_page_id: str = ""
    # key=service id pairs: which service of that status page each component is.
    pagerduty_status_page_services: PairList = []
    # Webhook subscribers may be at private, loopback or link-local addresses (a receiver
    # inside the company network). Off: anyone who can run /liaison could otherwise make
    # the server post to internal services (cloud metadata, admin ports).
    status_webhooks_allow_private: bool = False
    # Email subscribers, only where an SMTP relay is set: smtp://user:pass@host:587
    # (add ?starttls=true to upgrade the connection) or smtps://user:pass@host:465.
    smtp_url: str = ""
    # The sender of status emails, e.g. "Acme status <status@example.com>".
    smtp_from: str = ""
    # How long the link in a confirmation email works.
    status_email_confirm_ttl: Duration = timedelta(days=2)
    # At most this many confirmation emails per address per window; the form answers
    # the same either way, so it never tells whether an address is subscribed.
    status_email_attempts: int = Field(default=3, ge=1, le=100)
    status_email_attempts_window: Duration = timedelta(hours=1)

    @field_validator("status_components")
    @classmethod
    def _components(cls, value: list[str]) -> list[str]:
        from bot.services.statuspage.components import parse_components

        parse_components(value)
        return value

    @field_validator("status_component_map")
    @classmethod
    def _component_map(cls, value: list[str]) -> list[str]:
        for item in value:
            fact, sep, key = item.partition("=")
            kind, colon, name = fact.partition(":")
            if not sep or not colon or kind.strip() not in ("feature", "region") or not name:
                raise ValueError(
                    f"{item!r} should look like feature:checkout=web or region:eu-west=eu"
                )
            if not _KEY.match(key.strip()):
                raise ValueError(f"{item!r}: {key.strip()!r} is not a component key")
        return value

    @field_validator("status_page_path")
    @classmethod
    def _path(cls, value: str) -> str:
        value = value.strip()
        if value == "/":
            raise ValueError("give the page its own path, e.g. /status (/ serves Slack's routes)")
        value = value.rstrip("/")
        if value and not value.startswith("/"):
            raise ValueError("must start with /, e.g. /status (empty switches the page off)")
        return value

    @field_validator("status_page_accent_colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not _COLOUR.match(value.strip()):
            raise ValueError("must be a colour like #1f4e8c")
        return value.strip()

    @field_validator("status_page_footer_links")
    @classmethod
    def _links(cls, value: list[str]) -> list[str]:
        for item in value:
            _label, sep, url = item.partition("=")
            if not sep or not url.strip().lower().startswith(("http://", "https://")):
                raise ValueError(f"{item!r} should look like Help=https://help.example.com")
        return value

    @field_validator("status_page_logo_url", "status_page_url", "statuspage_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http(s) address")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str) -> str:
        from bot.services.statuspage.mail import parse_smtp_url

        value = value.strip()
        if value:
            parse_smtp_url(value)
        return value

    @model_validator(mode="after")
    def _email_needs_a_sender_and_an_address(self) -> Any:
        if self.smtp_url and not self.smtp_from.strip():
            raise ValueError("SMTP_FROM is needed with SMTP_URL: the sender of status emails")
        if self.smtp_url and not self.status_page_url:
            raise ValueError(
                "STATUS_PAGE_URL is needed with SMTP_URL: emails link back to the page"
            )
        return self

    @field_validator("statuspage_component_ids", "pagerduty_status_page_services")
    @classmethod
    def _component_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            key, sep, ident = item.partition("=")
            if not sep or not _KEY.match(key.strip()) or not ident.strip():
                raise ValueError(f"{item!r} should look like api=8kbf7d35c070")
        return value

    @property
    def statuspage_configured(self) -> bool:
        return bool(self.statuspage_api_key and self.statuspage_page_id)

    @property
    def pagerduty_status_page_configured(self) -> bool:
        return bool(self.pagerduty_status_page_id and getattr(self, "pagerduty_api_token", ""))

    @property
    def status_email_enabled(self) -> bool:
        return bool(self.smtp_url and self.status_components)
