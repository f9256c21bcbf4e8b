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
