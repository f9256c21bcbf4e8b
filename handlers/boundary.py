"""Reading an interaction's envelope before a listener acts on it.

Every button listener starts with ``read_press``: the payload is checked against
bot/slack/payloads.py (a damaged one is answered privately, never with a traceback) and a
redelivery of a press already handled is dropped, so each press has one effect.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from sqlalchemy.exc import SQLAlchemyError

from bot.runtime import Runtime
from bot.services.deliveries import first_delivery
from bot.slack.payloads import BlockAction, MalformedPayload, parse_block_action

log = logging.getLogger(__name__)


def read_press(rt: Runtime, body: dict[str, Any], respond: Respond) -> BlockAction | None:
    """The press, or None when it was damaged (the presser is told) or handled before."""
    try:
        press = parse_block_action(body)
    except MalformedPayload as exc:
        tell(respond, f":warning: {exc.message}")
        return None
    if press.action.action_ts and not _first_delivery(rt, press.action_key):
        log.info("Dropped a redelivered %s press", press.action.action_id)
        return None
    return press


def _first_delivery(rt: Runtime, key: str) -> bool:
    try:
        return first_delivery(rt, key)
    except SQLAlchemyError:
        # The database is out of reach: the press's own work fails the same way and the
        # listener tells the presser so, as it would without the check.
        log.warning("Could not record the press %s; handling it anyway", key)
        return True


def tell(respond: Respond, text: str) -> None:
    """A private answer to the presser; a payload without a response URL gets none."""
    if not respond.response_url:
        log.warning("An interaction without a response URL could not be answered: %s", text)
        return
    respond(text=text, response_type="ephemeral", replace_original=False)
