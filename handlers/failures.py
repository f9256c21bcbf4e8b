"""Turns exceptions into what the user sees, and logs what they cannot act on.

Domain errors are shown as written. Database failures are named as such (the user should
retry, nothing was saved); anything else gets an error id that matches the log line.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.exc import SQLAlchemyError

from bot.errors import LiaisonError
from bot.rendering import Renderer

log = logging.getLogger(__name__)


def describe_failure(renderer: Renderer, exc: BaseException) -> str:
    """The sentence to show the user for ``exc``; unexpected errors are logged with an id."""
    if isinstance(exc, LiaisonError):
        return f":warning: {exc.message}"
    error_id = uuid.uuid4().hex[:8]
    if isinstance(exc, SQLAlchemyError):
        log.error("Database error %s", error_id, exc_info=exc)
        return renderer.render("common/database_error.j2", error_id=error_id)
    log.error("Unexpected error %s", error_id, exc_info=exc)
    return renderer.render("common/internal_error.j2", error_id=error_id)
