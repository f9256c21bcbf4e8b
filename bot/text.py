"""Words people read that are not templates: counts with the right plural form.

One helper for the whole app (CLI output, Block Kit fallbacks and the templates' ``plural``
filter), so "1 accounts added" cannot creep back in one corner while another is right.
"""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 account``, ``2 accounts``, ``0 accounts``; irregular forms passed explicitly."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"
