"""Builds the status site from the runtime (called by the composition root)."""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.statuspage import email_subscribers, page
from bot.services.statuspage.publishing import components
from bot.statuspage_web.cache import PageCache
from bot.statuspage_web.resources import StatusSite
from bot.statuspage_web.subscribe import EmailSubscriptions
from bot.statuspage_web.views import Branding, PageViews


def build_site(rt: Runtime) -> StatusSite:
    settings = rt.settings
    parts = components(rt)

    def load() -> page.PageSnapshot:
        with rt.sessions() as session:
            return page.load(
                session, parts, now=rt.clock.now(), history_days=settings.status_page_history_days
            )

    def version() -> tuple[object, ...]:
        with rt.sessions() as session:
            return page.version(session)

    links = [
        (label.strip(), url.strip())
        for label, _, url in (item.partition("=") for item in settings.status_page_footer_links)
    ]
    branding = Branding(
        name=settings.status_page_name,
        logo_url=settings.status_page_logo_url,
        accent=settings.status_page_accent_colour,
        footer_links=links,
        base_path=settings.status_page_path,
        page_url=(settings.status_page_url or settings.status_page_path).rstrip("/"),
        email_form=settings.status_email_enabled,
    )
    cache = PageCache(load=load, version=version, ttl=settings.status_page_cache_ttl)
    return StatusSite(
        cache=cache,
        views=PageViews(branding, settings.templates_dir or None),
        private_token=settings.status_page_private_token,
        history_days=settings.status_page_history_days,
        email=_email(rt) if settings.status_email_enabled else None,
    )


def _email(rt: Runtime) -> EmailSubscriptions:
    return EmailSubscriptions(
        subscribe=lambda address, keys: email_subscribers.subscribe(rt, email=address, keys=keys),
        confirm=lambda token: email_subscribers.confirm(rt, token),
        unsubscribe=lambda token: email_subscribers.unsubscribe(rt, token),
    )
