"""Text that arrives from outside (Slack, a help desk, a CLI) made safe to store.

Every incoming name or free text goes through these helpers before it reaches a column:
control characters are removed (PostgreSQL refuses NUL in text, and the others only
garble what people read later) and names are cut to their column's length, so a 1 MB
channel name or a NUL byte pasted into a form is an odd value, never a failed write.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

# C0 and C1 control characters except tab and newline (which free text may carry), plus
# the Unicode "other, format" characters that are invisible in names (zero width, BiDi).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str, limit: int | None = None) -> str:
    """Free text without control characters (tabs and newlines kept); ``\\r\\n`` -> ``\\n``.

    With ``limit``, cut to that many characters: for values people may write at length
    the caller should rather refuse an over-long value, which this does not do.
    """
    text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return text[:limit] if limit is not None else text


def bounded_name(value: object, limit: int) -> str:
    """A one-line name (channel, customer, title) bounded to its column: whitespace runs
    become one space, control characters go, and the result is cut to ``limit``."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = " ".join(_CONTROL.sub("", text.replace("\t", " ")).split())
    return text[:limit]


def _clean_if_str(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


def _none_if_blank(value: str | None) -> str | None:
    return value if value else None


# For pydantic models at the boundary: free text cleaned before the length check runs.
CleanText = Annotated[str, BeforeValidator(_clean_if_str)]
OptionalCleanText = Annotated[
    str | None, BeforeValidator(_clean_if_str), AfterValidator(_none_if_blank)
]

# An id of one of our rows as it arrives in a button value or form metadata: a positive
# 32-bit integer (the column's range on PostgreSQL), so 10**20 is refused, not a DB error.
ROW_ID_MAX = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]
