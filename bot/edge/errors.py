"""Errors the edge answers itself: a status, a short reason and an error id to quote.

Every answer of 4xx/5xx carries ``{"error": reason, "error_id": id}`` and is logged once
with the same id (never with the request body), so a user quoting the id in a support
ticket leads straight to the log line.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import falcon

log = logging.getLogger("liaison.edge")


class EdgeError(Exception):
    """Refuse a request with ``status`` and a reason safe to show the sender."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def new_error_id() -> str:
    return uuid.uuid4().hex[:12]


def answer_error(
    req: falcon.Request, resp: falcon.Response, status: int, reason: str, *, exc: Any = None
) -> str:
    """Write the error answer and its one log line; returns the error id."""
    error_id = new_error_id()
    resp.status = status
    resp.media = {"error": reason, "error_id": error_id}
    extra = {"error_id": error_id, "status": status, "method": req.method, "path": req.path}
    if status >= 500:
        log.error(
            "%s %s failed (error %s)", req.method, req.path, error_id, exc_info=exc, extra=extra
        )
    else:
        level = logging.INFO if status in (404, 405) else logging.WARNING
        log.log(
            level, "%s %s refused with %s: %s (error %s)",
            req.method, req.path, status, reason, error_id, extra=extra,
        )  # fmt: skip
    return error_id


def handle_edge_error(
    req: falcon.Request, resp: falcon.Response, exc: EdgeError, params: Any
) -> None:
    answer_error(req, resp, exc.status, exc.reason)


def handle_http_error(
    req: falcon.Request, resp: falcon.Response, exc: falcon.HTTPError, params: Any
) -> None:
    """Falcon's own refusals (unknown route, wrong method, bad header) in our shape."""
    reason = exc.description or exc.title or "request refused"
    answer_error(req, resp, falcon.http_status_to_code(exc.status), reason)
    for name, value in (exc.headers or {}).items():
        resp.set_header(name, value)


def handle_unexpected(
    req: falcon.Request, resp: falcon.Response, exc: Exception, params: Any
) -> None:
    """A fault of ours: 500 with an id, the traceback in the log only."""
    answer_error(req, resp, 500, "internal error; quote the error id to the operator", exc=exc)
