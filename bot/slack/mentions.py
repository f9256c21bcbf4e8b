"""Reading people out of slash-command text.

With escaping on (the manifest's ``should_escape: true``), Slack sends a mention picked
from the autocomplete as ``<@U123|alex>`` (older clients: ``<@U123>``); people may also
paste a raw member id.
"""

from __future__ import annotations

import re

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_RAW_ID = re.compile(r"^([UW][A-Z0-9]{2,})$")


def parse_user_mention(text: str) -> str | None:
    """The user id in ``<@U123|name>``, ``<@U123>`` or ``U123``; None for anything else."""
    value = text.strip()
    match = _MENTION.match(value) or _RAW_ID.match(value)
    return match.group(1) if match else None


_MARKUP = re.compile(r"<([@#!]?)([^<>|]+)(?:\|([^<>]*))?>")


def to_plain_text(text: str) -> str:
    """Free text from a command (a title, a note) as a person typed it.

    Slack sends mentions, channels and links as ``<…|label>`` markup and ``&``, ``<``,
    ``>`` as entities; stored titles should read as typed (``@alex``, ``#ops``, the link's
    label or address), and are escaped again whenever they are shown.
    """

    def replace(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            return f"@{label or target}"
        if sigil == "#":
            return f"#{label or target}"
        if sigil == "!":
            return label or f"@{target.split('^')[0]}"
        return label if label and label != target else target.removeprefix("mailto:")

    plain = _MARKUP.sub(replace, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
