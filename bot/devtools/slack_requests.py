"""Signed Slack requests, built exactly as Slack sends them, for tests, the demo and benches.

Slash commands and interactivity are form-encoded (interactivity as one ``payload`` field),
events are JSON; every request carries a valid ``X-Slack-Signature`` for the secret.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackRequests:
    """Posts signed requests to a Liaison server's ``/slack/events``."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        response_url: str = "https://hooks.slack.invalid/response",
        team_id: str = "T0001",
        app_id: str = "A0001",
    ) -> None:
        self.url = base_url.rstrip("/") + "/slack/events"
        self._verifier = SignatureVerifier(signing_secret)
        self.response_url = response_url
        self.team_id = team_id
        self.app_id = app_id
        self._ids = itertools.count(1)

    # --- transport ----------------------------------------------------------------------

    def post(
        self,
        body: str,
        content_type: str,
        *,
        extra_headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> HttpResult:
        # Slack signs with the wall clock and Bolt checks against it: not our injected clock.
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature
            or self._verifier.generate_signature(timestamp=stamp, body=body),
            **(extra_headers or {}),
        }
        request = urllib.request.Request(self.url, data=body.encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return HttpResult(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return HttpResult(error.code, error.read().decode())

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    # --- payload kinds --------------------------------------------------------------------

    def command(
        self,
        text: str,
        *,
        user: str = "UAGENT",
        channel: str = "CGENERAL",
        channel_name: str = "general",
        command: str = "/liaison",
    ) -> HttpResult:
        form = {
            "token": "legacy",
            "team_id": self.team_id,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "response_url": self.response_url,
            "trigger_id": self.next_id("trigger."),
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded")

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> HttpResult:
        body = {
            "token": "legacy",
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or self.next_id("Ev"),
            "event_time": int(time.time()),  # wall-clock, as Slack sends it
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(json.dumps(body), "application/json", extra_headers=headers)

    def interaction(self, payload: dict[str, Any]) -> HttpResult:
        payload = {"team": {"id": self.team_id}, "api_app_id": self.app_id, **payload}
        return self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    def block_action(
        self,
        action_id: str,
        *,
        value: str = "",
        user: str = "UAGENT",
        channel: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        block_id: str = "actions",
        extra: dict[str, Any] | None = None,
    ) -> HttpResult:
        action = {"action_id": action_id, "block_id": block_id, "type": "button", "value": value}
        action.update(extra or {})
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower()},
            "trigger_id": self.next_id("trigger."),
            "response_url": self.response_url,
            "actions": [action],
        }
        if channel:
            payload["channel"] = {"id": channel}
            payload["container"] = {"type": "message", "channel_id": channel}
        if message:
            payload["message"] = message
        if view:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0")}
        return self.interaction(payload)

    def message_shortcut(
        self,
        callback_id: str,
        *,
        message: dict[str, Any],
        channel: str,
        user: str = "UAGENT",
        channel_name: str = "support",
    ) -> HttpResult:
        return self.interaction(
            {
                "type": "message_action",
                "callback_id": callback_id,
                "trigger_id": self.next_id("trigger."),
                "response_url": self.response_url,
                "user": {"id": user, "username": user.lower()},
                "channel": {"id": channel, "name": channel_name},
                "message": message,
                "message_ts": message.get("ts"),
            }
        )

    def view_submission(
        self, view: dict[str, Any], answers: dict[str, Any], *, user: str = "UAGENT"
    ) -> HttpResult:
        """Submit a view as Slack would, with ``answers`` keyed by block_id (see fill_view)."""
        submitted = {**view, "state": {"values": fill_view(view, answers)}}
        submitted.setdefault("id", self.next_id("V"))
        submitted.setdefault("hash", "h")
        return self.interaction(
            {
                "type": "view_submission",
                "user": {"id": user, "username": user.lower()},
                "trigger_id": self.next_id("trigger."),
                "view": submitted,
            }
        )

    def block_suggestion(
        self,
        view: dict[str, Any],
        *,
        block_id: str,
        action_id: str,
        value: str,
        user: str = "UAGENT",
    ) -> HttpResult:
        return self.interaction(
            {
                "type": "block_suggestion",
                "user": {"id": user},
                "block_id": block_id,
                "action_id": action_id,
                "value": value,
                "view": view,
            }
        )


def fill_view(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Build ``state.values`` for a modal: answered inputs, else their initial values.

    Answers are keyed by block_id. Selects take the option *value* (or a list of values);
    external selects take ``(value, label)`` or a value; user selects take a user id.
    """
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        block_id = block["block_id"]
        answer = answers.get(block_id, _MISSING)
        values[block_id] = {element["action_id"]: _element_state(element, answer)}
    unknown = set(answers) - set(values)
    if unknown:
        raise KeyError(f"answers for blocks not in the view: {sorted(unknown)}")
    return values


_MISSING = object()


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options.extend(group.get("options", []))
    return options


def _find_option(element: dict[str, Any], value: str) -> dict[str, Any]:
    for option in _options(element):
        if option["value"] == value:
            return option
    raise ValueError(f"{value!r} is not an option of {element.get('action_id')}")


def _element_state(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    kind = element["type"]
    state: dict[str, Any] = {"type": kind}
    given = answer is not _MISSING
    if kind in ("plain_text_input", "url_text_input", "email_text_input", "number_input"):
        state["value"] = answer if given else element.get("initial_value")
    elif kind in ("static_select", "radio_buttons"):
        state["selected_option"] = (
            (_find_option(element, answer) if answer is not None else None)
            if given
            else element.get("initial_option")
        )
    elif kind == "external_select":
        if given and answer is not None:
            value, label = answer if isinstance(answer, tuple) else (answer, answer)
            state["selected_option"] = {
                "text": {"type": "plain_text", "text": label},
                "value": value,
            }
        else:
            state["selected_option"] = None if given else element.get("initial_option")
    elif kind in ("multi_static_select", "checkboxes"):
        state["selected_options"] = (
            [_find_option(element, value) for value in answer]
            if given
            else element.get("initial_options", [])
        )
    elif kind == "users_select":
        state["selected_user"] = answer if given else element.get("initial_user")
    elif kind == "multi_users_select":
        state["selected_users"] = answer if given else element.get("initial_users", [])
    elif kind == "conversations_select":
        state["selected_conversation"] = answer if given else element.get("initial_conversation")
    elif kind == "datetimepicker":
        state["selected_date_time"] = answer if given else element.get("initial_date_time")
    elif kind == "datepicker":
        state["selected_date"] = answer if given else element.get("initial_date")
    elif kind == "timepicker":
        state["selected_time"] = answer if given else element.get("initial_time")
    else:
        raise ValueError(f"fill_view does not know input element type {kind!r}")
    return state
