"""The one Bolt error handler: what a person sees when a listener fails, and the log line.

Listeners let what they cannot answer better propagate; this module is the only place that
turns an exception into a reply. Domain errors (bot/errors.py) are shown as written, inline
on the field they name when a modal is being submitted. Anything else is logged with its
traceback and a short error id, and the person is told that id, so a report to an admin
finds the log line. Database failures are named as such: the fix is to retry later.

Where the answer goes depends on how far the listener got: a modal not acked yet gets
``response_action: errors`` (it stays open with the person's input); a command not acked
yet gets the text as its ephemeral answer; after the ack, the private reply goes through
``response_url`` where there is one, else as a DM (a submitted modal, App Home). Events
have nobody waiting for an answer: they are only logged.

Failures before the ack reach the ``app.error`` handler, whose answer Bolt sends to Slack.
Failures after the ack are answered by ``guard`` around each listener instead: given such
a failure, Bolt's listener runner resets the ack it already has (``ack.response = None``)
while the request thread may still be about to send it, so a listener failing within
milliseconds of its ack would leave Slack without an answer (and the person with
"operation_timeout"). ``register_all`` wraps every listener through ``GuardedApp``.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse, Respond
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import LiaisonError
from bot.ids import CadenceIds, FollowupIds, LiaisonIds, ReportIds, SlaIds
from bot.rendering import Renderer
from bot.runtime import Runtime
from bot.slack.client import SlackDeliveryError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModalErrors:
    """Where a modal shows errors: the block of each service field, and one for the rest."""

    general: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def block_for(self, field_name: str | None) -> str:
        return self.fields.get(field_name or "", self.general)


MODALS: Mapping[str, ModalErrors] = MappingProxyType(
    {
        ReportIds.modal: ModalErrors(ReportIds.summary_block),
        CadenceIds.update_modal: ModalErrors(CadenceIds.message_block),
        LiaisonIds.hand_off_modal: ModalErrors(
            LiaisonIds.hand_off_user_block,
            {"user": LiaisonIds.hand_off_user_block, "note": LiaisonIds.hand_off_note_block},
        ),
        SlaIds.handover_modal: ModalErrors(
            SlaIds.handover_user_block, {"new_owner": SlaIds.handover_user_block}
        ),
        FollowupIds.not_needed_modal: ModalErrors(FollowupIds.reason_block),
    }
)


@dataclass(frozen=True)
class Failure:
    """What to tell the person: ``text`` for messages (mrkdwn), ``inline`` for a modal field
    (plain text); ``error_id`` when the failure was logged for an admin to find."""

    text: str
    inline: str
    error_id: str | None = None


def new_error_id() -> str:
    """Six hex digits: short enough to read out, unique enough to find one log line."""
    return secrets.token_hex(3)


def describe(renderer: Renderer, exc: BaseException, *, where: str = "a request") -> Failure:
    """The one mapping of exceptions to what a person reads; logs what they cannot act on."""
    if isinstance(exc, LiaisonError):
        return Failure(f":warning: {exc.message}", exc.message)
    error_id = new_error_id()
    if isinstance(exc, SQLAlchemyError):
        log.error("Database error (error id %s) in %s", error_id, where, exc_info=exc)
        template = "database_error"
    else:
        log.error("Unexpected error (error id %s) in %s", error_id, where, exc_info=exc)
        template = "internal_error"
    return Failure(
        renderer.render(f"common/{template}.j2", error_id=error_id),
        renderer.render(f"common/{template}_inline.j2", error_id=error_id),
        error_id,
    )


Reply = Callable[[str], None]


def register(app: App, rt: Runtime) -> None:
    """Install the handler for every listener of ``app``."""

    def handle_listener_error(
        error: Exception,
        body: dict[str, Any],
        context: BoltContext,
        respond: Respond,
        response: BoltResponse | None,
    ) -> BoltResponse | None:
        def reply(text: str) -> None:
            respond(text=text, response_type="ephemeral", replace_original=False)

        usable = context.response_url and _kind(body) != "view_submission"
        # Bolt passes no response once the listener has acked: Slack is answered already.
        return answer(rt, error, body, reply if usable else None, acked=response is None)

    app.error(handle_listener_error)


class GuardedApp:
    """Stands in for the Bolt app while listeners are registered: each is wrapped in
    ``guard``; everything else is the app's own."""

    _REGISTRATIONS = frozenset({"command", "action", "view", "shortcut", "options", "event"})

    def __init__(self, app: App, rt: Runtime) -> None:
        self._app = app
        self._rt = rt

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._app, name)
        if name not in self._REGISTRATIONS:
            return attribute

        def registration(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
            decorate = attribute(*args, **kwargs)
            return lambda listener: decorate(guard(self._rt, listener))

        return registration


def guard(rt: Runtime, listener: Callable[..., Any]) -> Callable[..., Any]:
    """``listener``, with a failure after its ack answered here rather than by Bolt.

    Bolt injects the arguments ``listener`` names (it reads them through ``__wrapped__``).
    """

    @functools.wraps(listener)
    def guarded(**kwargs: Any) -> Any:
        try:
            return listener(**kwargs)
        except Exception as exc:
            ack = kwargs.get("ack")
            if not isinstance(ack, Ack) or ack.response is None:
                raise  # Slack still waits: app.error's answer becomes the HTTP response
            payloads = (kwargs.get(name) for name in ("body", "command", "shortcut"))
            body = next((p for p in payloads if isinstance(p, dict)), {})
            answer(rt, exc, body, _responder(body), acked=True)
            return None

    return guarded


def _responder(body: dict[str, Any]) -> Reply | None:
    response_url = body.get("response_url")
    if not response_url or _kind(body) == "view_submission":
        return None
    respond = Respond(response_url=response_url)

    def reply(text: str) -> None:
        respond(text=text, response_type="ephemeral", replace_original=False)

    return reply


def answer(
    rt: Runtime, error: Exception, body: dict[str, Any], reply: Reply | None, *, acked: bool
) -> BoltResponse | None:
    """Tell the person what failed; returns the HTTP answer when Slack still waits for one."""
    kind = _kind(body)
    failure = describe(rt.renderer, error, where=kind)
    if kind == "event_callback":
        if isinstance(error, LiaisonError):
            log.warning("Event not handled: %s", error.message)
        return None
    if not acked:
        if kind == "view_submission":
            errors = _inline_errors(body.get("view") or {}, error, failure)
            return _json({"response_action": "errors", "errors": errors})
        if kind == "block_suggestion":
            return _json({"options": []})
        if kind == "command":
            return _json({"response_type": "ephemeral", "text": failure.text})
    _tell(rt, body, reply, failure.text)
    return None if acked else BoltResponse(status=200, body="")


def _kind(body: dict[str, Any]) -> str:
    if "command" in body and "type" not in body:
        return "command"
    return str(body.get("type") or "unknown")


def _inline_errors(view: dict[str, Any], error: Exception, failure: Failure) -> dict[str, str]:
    modal = MODALS.get(view.get("callback_id") or "")
    field_name = error.field if isinstance(error, LiaisonError) else None
    if modal is not None:
        return {modal.block_for(field_name): failure.inline}
    inputs = [b["block_id"] for b in view.get("blocks") or [] if b.get("type") == "input"]
    return {field_name if field_name in inputs else inputs[0]: failure.inline} if inputs else {}


def _tell(rt: Runtime, body: dict[str, Any], reply: Reply | None, text: str) -> None:
    """Privately: through response_url, else by DM (a submitted modal, App Home)."""
    if reply is not None:
        reply(text)
        return
    user_id = (body.get("user") or {}).get("id") or body.get("user_id")
    if not user_id:
        return
    try:
        rt.notifier.dm(user_id, text)
    except SlackDeliveryError as exc:
        log.warning("Could not tell %s about a failure: %s", user_id, exc.error)


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200,
        body=json.dumps(payload),
        headers={"content-type": "application/json;charset=utf-8"},
    )
