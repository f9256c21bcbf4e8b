"""Byte sizes written by operators (``1MB``, ``512KB``, ``65536``), for limits in settings."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

_SIZE = re.compile(r"^(\d+)\s*(b|kb|k|mb|m)?$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024 * 1024, "mb": 1024 * 1024}


def parse_byte_size(value: Any) -> Any:
    """``"1MB"``, ``"512KB"`` or a number of bytes -> bytes (KB and MB are 1024-based)."""
    if not isinstance(value, str):
        return value
    match = _SIZE.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a size; write it like 1MB, 512KB or 65536")
    return int(match[1]) * _UNITS[(match[2] or "").lower()]


ByteSize = Annotated[int, BeforeValidator(parse_byte_size), Field(ge=1)]
