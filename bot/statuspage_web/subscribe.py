"""Email subscriptions on the built-in page (only where ``SMTP_URL`` is configured).

``POST <path>/subscribe`` takes the page's form (an address and, optionally, components:
no JavaScript) and answers the same page whatever the address's state, so it never tells
whether an address is subscribed. ``GET <path>/subscribe/confirm?token=`` is the link of
the confirmation email. ``<path>/unsubscribe?token=`` is the link in every email: GET shows
a one-button form (so a mail scanner following links unsubscribes nobody), POST
unsubscribes, which is also what mail clients send for RFC 8058's one-click
``List-Unsubscribe-Post``. The token is the credential, so the links work on a private page.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import falcon

from bot.errors import InvalidInput
from bot.services.statuspage.email_links import LinkInvalid
from bot.statuspage_web.cache import PageUnavailable
from bot.statuspage_web.resources import HTML, StatusSite

BODY_LIMIT = 4096


@dataclass(frozen=True)
class EmailSubscriptions:
    """The services behind the form and the links (bot/services/statuspage/)."""

    subscribe: Callable[[str, list[str]], None]
    confirm: Callable[[str], Any]
    unsubscribe: Callable[[str], None]


def _form(req: falcon.Request) -> dict[str, list[str]]:
    if req.content_length and req.content_length > BODY_LIMIT:
        raise falcon.HTTPContentTooLarge(description="the form is larger than it can be")
    raw = req.bounded_stream.read(BODY_LIMIT + 1)[:BODY_LIMIT]
    return parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)


class _Answering:
    def __init__(self, site: StatusSite, email: EmailSubscriptions) -> None:
        self.site = site
        self.email = email

    def answer(
        self, resp: falcon.Response, *, status: int, heading: str, message: str, **extra: Any
    ) -> None:
        try:
            snapshot = self.site.cache.snapshot()
        except PageUnavailable:
            raise falcon.HTTPServiceUnavailable(
                description="The status page is starting; try again in a few seconds."
            ) from None
        context = {"heading": heading, "message": message, "unsubscribe_token": "", **extra}
        resp.status = status
        resp.content_type = HTML
        resp.data = self.site.views.render("subscription.html", snapshot, **context)
        resp.set_header("Cache-Control", "private, no-store")
        resp.set_header("X-Content-Type-Options", "nosniff")
        resp.set_header("Referrer-Policy", "no-referrer")  # the token stays in this page
        resp.set_header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src https: http:; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )


class SubscribeResource(_Answering):
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        if not self.site.allowed(req):
            raise falcon.HTTPUnauthorized(description="This status page is private.")
        form = _form(req)
        address = (form.get("email") or [""])[0]
        try:
            self.email.subscribe(address, form.get("component") or [])
        except InvalidInput as exc:
            self.answer(resp, status=400, heading="Not subscribed", message=str(exc))
            return
        self.answer(
            resp,
            status=200,
            heading="Check your inbox",
            message="If the address can receive updates, an email with a confirmation link "
            "is on its way. Updates are sent only once the link is opened.",
        )


class ConfirmResource(_Answering):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            self.email.confirm(req.get_param("token") or "")
        except LinkInvalid:
            self.answer(
                resp, status=400, heading="This link no longer works",
                message="It has expired or was already replaced. Subscribe again on the "
                "status page to get a new one.",
            )  # fmt: skip
            return
        self.answer(
            resp, status=200, heading="Subscribed",
            message="You will receive an email for every update. Each email has a link to "
            "unsubscribe with one click.",
        )  # fmt: skip


class UnsubscribeResource(_Answering):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.answer(
            resp, status=200, heading="Unsubscribe",
            message="Stop receiving status updates by email?",
            unsubscribe_token=req.get_param("token") or "",
        )  # fmt: skip

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        token = req.get_param("token") or (_form(req).get("token") or [""])[0]
        # Already unsubscribed (or never): the same answer, nothing to tell.
        with contextlib.suppress(LinkInvalid):
            self.email.unsubscribe(token)
        self.answer(
            resp, status=200, heading="Unsubscribed",
            message="You will receive no more status updates by email.",
        )  # fmt: skip


def mount(app: falcon.App, site: StatusSite, path: str, email: EmailSubscriptions) -> None:
    app.add_route(f"{path}/subscribe", SubscribeResource(site, email))
    app.add_route(f"{path}/subscribe/confirm", ConfirmResource(site, email))
    app.add_route(f"{path}/unsubscribe", UnsubscribeResource(site, email))
