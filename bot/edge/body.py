"""Reading a request body with a cap, before anything parses it, and parsing it once."""

from __future__ import annotations

from urllib.parse import unquote_plus

import falcon
from falcon.uri import decode

from bot.edge.errors import EdgeError


def read_capped(req: falcon.Request, limit: int) -> bytes:
    """The raw body, or 413 as soon as it is known to be longer than ``limit``.

    A declared Content-Length over the cap is refused without reading a byte; a body sent
    without one is read up to one byte past the cap, never further.
    """
    declared = req.content_length  # Falcon answers 400 for a malformed header
    if declared is not None and declared > limit:
        raise EdgeError(413, f"body larger than {limit} bytes")
    body = req.bounded_stream.read(limit + 1)
    if len(body) > limit:
        raise EdgeError(413, f"body larger than {limit} bytes")
    return body


def parse_form(text: str) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as fields (the last of a repeated
    name wins), strictly: a field without ``=`` or percent-escapes that are not UTF-8
    raise ValueError, as ``parse_qsl(strict_parsing=True, errors="strict")`` would.

    Falcon's compiled decoder does the percent-decoding: a Slack view submission is a
    JSON document of 20 kB or more with every brace and quote escaped, and the standard
    library's pure-Python ``unquote`` spent milliseconds of CPU on each.
    """
    fields: dict[str, str] = {}
    for pair in text.split("&"):
        name, equals, value = pair.partition("=")
        if not equals:
            raise ValueError("form field without '='")
        fields[_decode(name)] = _decode(value)
    return fields


def _decode(raw: str) -> str:
    decoded = decode(raw, unquote_plus=True)
    if "\ufffd" in decoded and "%" in raw:
        # The compiled decoder replaces escapes that are not UTF-8; strict decoding says
        # whether that happened (the character may also have been sent as such).
        return unquote_plus(raw, errors="strict")
    return decoded
