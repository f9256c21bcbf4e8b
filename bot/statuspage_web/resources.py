"""Falcon resources of the status page, mounted under ``STATUS_PAGE_PATH``.

Every answer comes from the cache (bot/statuspage_web/cache.py). A private page
(``STATUS_PAGE_PRIVATE_TOKEN``) answers 401 unless the request carries the token as a
bearer token, ``?token=``, the password of HTTP basic auth, or the access cookie set when
a reader first came with ``?token=`` (so the page's own links and its subscribe form,
which do not repeat the token, keep working); private answers are never cached by shared
caches.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable
from typing import Any

import falcon

from bot.statuspage_web import api
from bot.statuspage_web.cache import PageCache, PageUnavailable
from bot.statuspage_web.views import PageViews

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
FEED_ITEMS = 50
# The page posts its subscribe form to itself when email subscriptions are on.
FORM_ACTION_SELF = "'self'"
FORM_ACTION_NONE = "'none'"
ACCESS_COOKIE = "liaison_status_access"
ACCESS_COOKIE_DAYS = 30


class StatusSite:
    """Everything the resources share: cache, views, access rule, addresses."""

    def __init__(
        self,
        *,
        cache: PageCache,
        views: PageViews,
        private_token: str,
        history_days: int,
        email: Any = None,
    ) -> None:
        self.cache = cache
        self.views = views
        self.private_token = private_token
        self.history_days = history_days
        # bot/statuspage_web/subscribe.py's EmailSubscriptions, where SMTP_URL is set.
        self.email = email

    def allowed(self, req: falcon.Request) -> bool:
        if not self.private_token:
            return True
        offered = [req.get_param("token") or "", *(req.get_cookie_values(ACCESS_COOKIE) or [])]
        header = req.get_header("Authorization") or ""
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            offered.append(value.strip())
        elif scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            offered.append(decoded.partition(":")[2])
        expected = self.private_token.encode()
        return any(hmac.compare_digest(o.encode(), expected) for o in offered if o)

    def remember_access(self, req: falcon.Request, resp: falcon.Response) -> None:
        """A reader let in by ``?token=`` keeps access through the page's own links."""
        resp.set_cookie(
            ACCESS_COOKIE,
            self.private_token,
            max_age=ACCESS_COOKIE_DAYS * 86400,
            path=self.views.branding.base_path or "/",
            secure=req.forwarded_scheme == "https",
            http_only=True,
            same_site="Lax",
        )

    def link(self, page_incident_id: int) -> str:
        return f"{self.views.branding.page_url}/incidents/{page_incident_id}"

    def serve(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        key: str,
        content_type: str,
        render: Callable[[Any], bytes],
    ) -> None:
        if not self.allowed(req):
            resp.status = 401
            resp.content_type = "text/plain; charset=utf-8"
            resp.set_header("WWW-Authenticate", 'Basic realm="Status page", charset="UTF-8"')
            resp.text = "This status page is private: give the access token."
            return
        try:
            resp.data = self.cache.rendered(key, render)
        except PageUnavailable:
            resp.status = 503
            resp.content_type = "text/plain; charset=utf-8"
            resp.set_header("Retry-After", "5")
            resp.text = "The status page is starting; try again in a few seconds."
            return
        resp.content_type = content_type
        resp.set_header(
            "Cache-Control", "private, no-store" if self.private_token else "public, max-age=10"
        )
        if self.private_token and req.get_param("token"):
            self.remember_access(req, resp)
        resp.set_header("X-Content-Type-Options", "nosniff")
        if content_type == HTML:
            resp.set_header(
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; img-src https: http:; "
                "base-uri 'none'; "
                f"form-action {FORM_ACTION_SELF if self.email else FORM_ACTION_NONE}; "
                "frame-ancestors 'none'",
            )


class PageResource:
    def __init__(self, site: StatusSite) -> None:
        self.site = site

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.site.serve(req, resp, "page", HTML, lambda s: self.site.views.render("page.html", s))


class HistoryResource:
    def __init__(self, site: StatusSite) -> None:
        self.site = site

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        days = self.site.history_days
        self.site.serve(
            req, resp, "history", HTML,
            lambda s: self.site.views.render("history.html", s, days=days),
        )  # fmt: skip


class IncidentResource:
    def __init__(self, site: StatusSite) -> None:
        self.site = site

    def on_get(self, req: falcon.Request, resp: falcon.Response, incident_id: int) -> None:
        def render(snapshot: Any) -> bytes:
            item = snapshot.incident(incident_id)
            if item is None:
                raise falcon.HTTPNotFound(description="no such incident on this page")
            return self.site.views.render("incident.html", snapshot, item=item)

        self.site.serve(req, resp, f"incident:{incident_id}", HTML, render)


class JsonResource:
    def __init__(self, site: StatusSite, document: str) -> None:
        self.site = site
        self.document = document

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        branding = self.site.views.branding

        def render(snapshot: Any) -> bytes:
            docs = api.documents(
                snapshot, name=branding.name, url=branding.page_url, link=self.site.link
            )
            return json.dumps(docs[self.document], separators=(",", ":")).encode()

        self.site.serve(req, resp, f"json:{self.document}", JSON, render)


class FeedResource:
    def __init__(self, site: StatusSite, template: str, content_type: str) -> None:
        self.site = site
        self.template = template
        self.content_type = content_type

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        def render(snapshot: Any) -> bytes:
            items = sorted(
                [*snapshot.active, *snapshot.maintenance, *snapshot.history],
                key=lambda v: (v.updated_at, v.id),
                reverse=True,
            )[:FEED_ITEMS]
            feed_id = f"tag:liaison,2026:{self.site.views.branding.page_url or 'status'}"
            return self.site.views.render(self.template, snapshot, items=items, feed_id=feed_id)

        self.site.serve(req, resp, self.template, self.content_type, render)


JSON_DOCUMENTS = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
)


def mount(app: falcon.App, site: StatusSite, path: str) -> None:
    """Add the status page's routes under ``path`` (e.g. ``/status``)."""
    app.add_route(path or "/", PageResource(site))
    app.add_route(f"{path}/history", HistoryResource(site))
    app.add_route(f"{path}/incidents/{{incident_id:int}}", IncidentResource(site))
    for document in JSON_DOCUMENTS:
        app.add_route(f"{path}/api/v2/{document}", JsonResource(site, document))
    app.add_route(f"{path}/feed.atom", FeedResource(site, "feed.atom", ATOM))
    app.add_route(f"{path}/feed.rss", FeedResource(site, "feed.rss", RSS))
