"""Reading a request body with a cap, before anything parses it."""

from __future__ import annotations

import falcon

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
