"""Fake Web API methods about messages: chat.*, reactions, pins, bookmarks, response_url.

Each handler takes the workspace and the decoded arguments, returns the answer's
fields (``ok`` is added by the dispatcher) or raises ApiError.
"""

from __future__ import annotations

from typing import Any

from bot.devtools.fake_slack_state import (
    FIRST_TS_SECONDS,
    PERMALINK_BASE,
    ApiError,
    Workspace,
    parse_bool,
    require,
)


def check_message_content(ws: Workspace, params: dict[str, Any], *, need_content: bool) -> None:
    """Refuse a message Slack would refuse: nothing to show, text too long, invalid blocks."""
    content_keys = ("text", "blocks", "attachments", "markdown_text")
    if need_content and all(params.get(key) in (None, "", []) for key in content_keys):
        raise ApiError("no_text", violation="no text, blocks or attachments")
    problems = ws.checker.message_text_problems(params.get("text"))
    if problems:
        raise ApiError("msg_too_long", violation=problems[0])
    problems = ws.checker.message_blocks_problems(params.get("blocks") or None)
    if problems:
        raise ApiError(
            "invalid_blocks",
            violation="invalid_blocks: " + "; ".join(problems[:3]),
            extra={
                "errors": problems,
                "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
            },
        )


def _text(params: dict[str, Any]) -> str:
    return str(params.get("text") or params.get("markdown_text") or "")


def chat_post_message(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel", error="channel_not_found")
    check_message_content(ws, params, need_content=True)
    channel = ws.resolve_channel(params["channel"])
    if channel.archived:
        raise ApiError("is_archived")
    if ws.bot_user_id not in channel.members:
        # What Slack answers a bot without chat:write.public: join first (or, for a
        # private channel it cannot see, nothing to be done).
        raise ApiError("channel_not_found" if channel.is_private else "not_in_channel")
    message = ws.add_message(
        channel.id,
        text=_text(params),
        user=ws.bot_user_id,
        blocks=params.get("blocks") or None,
        thread_ts=params.get("thread_ts") or None,
        metadata=_metadata(params.get("metadata")),
    )
    return {"channel": channel.id, "ts": message["ts"], "message": ws.message_to_api(message)}


def _metadata(value: Any) -> dict[str, Any] | None:
    """Message metadata as Slack checks it: an ``event_type`` and an ``event_payload``."""
    if value in (None, "", {}):
        return None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("event_type"), str)
        or not isinstance(value.get("event_payload"), dict)
    ):
        raise ApiError("invalid_metadata_format", violation=f"bad metadata {value!r}")
    return {"event_type": value["event_type"], "event_payload": value["event_payload"]}


def chat_update(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel", error="channel_not_found")
    require(params, "ts", error="message_not_found")
    check_message_content(ws, params, need_content=True)
    channel = ws.resolve_channel(params["channel"])
    if channel.archived:
        raise ApiError("is_archived")
    message = ws.find_message(channel.id, params["ts"])
    if message["user"] != ws.bot_user_id:
        raise ApiError("cant_update_message")
    # Like Slack: fields that are not sent keep their previous value.
    if "text" in params or "markdown_text" in params:
        message["text"] = _text(params)
    if "blocks" in params:
        message["blocks"] = params["blocks"] or None
    message["edited"] = True
    return {
        "channel": channel.id,
        "ts": message["ts"],
        "text": message["text"],
        "message": ws.message_to_api(message),
    }


def chat_delete(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel", error="channel_not_found")
    require(params, "ts", error="message_not_found")
    channel = ws.resolve_channel(params["channel"])
    message = ws.find_message(channel.id, params["ts"])
    if message["user"] != ws.bot_user_id:
        raise ApiError("cant_delete_message")
    ws.messages[channel.id].remove(message)
    return {"channel": channel.id, "ts": message["ts"]}


def chat_post_ephemeral(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel", error="channel_not_found")
    require(params, "user", error="user_not_found")
    check_message_content(ws, params, need_content=True)
    channel = ws.resolve_channel(params["channel"])
    if channel.archived:
        raise ApiError("is_archived")
    user = ws.users.get(str(params["user"]))
    if user is None or user.deleted:
        raise ApiError("user_not_found")
    ephemeral: dict[str, Any] = {
        "channel": channel.id,
        "user": user.id,
        "ts": ws.next_ts(),
        "text": _text(params),
        "blocks": params.get("blocks") or None,
    }
    if params.get("thread_ts"):
        ephemeral["thread_ts"] = params["thread_ts"]
    ws.ephemerals.append(ephemeral)
    return {"message_ts": ephemeral["ts"]}


def chat_get_permalink(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel", error="channel_not_found")
    require(params, "message_ts", error="message_not_found")
    channel = ws.resolve_channel(params["channel"], allow_user=False)
    message = ws.find_message(channel.id, params["message_ts"])
    link = f"{PERMALINK_BASE}/{channel.id}/p{message['ts'].replace('.', '')}"
    return {"channel": channel.id, "permalink": link}


def reactions_add(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel", error="channel_not_found")
    require(params, "timestamp", error="message_not_found")
    require(params, "name", error="invalid_name")
    channel = ws.resolve_channel(params["channel"], allow_user=False)
    ws.find_message(channel.id, params["timestamp"])
    names = ws.reactions.setdefault((channel.id, str(params["timestamp"])), [])
    name = str(params["name"]).strip(":")
    if name in names:
        raise ApiError("already_reacted")
    names.append(name)
    return {}


def pins_add(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel", error="channel_not_found")
    require(params, "timestamp", error="no_item_specified")
    channel = ws.resolve_channel(params["channel"], allow_user=False)
    ws.find_message(channel.id, params["timestamp"])
    pinned = ws.pins.setdefault(channel.id, [])
    if params["timestamp"] in pinned:
        raise ApiError("already_pinned")
    pinned.append(str(params["timestamp"]))
    return {}


def bookmarks_add(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel_id", error="channel_not_found")
    require(params, "title", "type")
    if params["type"] == "link":
        require(params, "link")
    channel = ws.resolve_channel(params["channel_id"], allow_user=False)
    if channel.archived:
        raise ApiError("is_archived")
    bookmark = {
        "id": ws.next_id("Bk"),
        "channel_id": channel.id,
        "title": params["title"],
        "link": params.get("link", ""),
        "emoji": params.get("emoji"),
        "icon_url": None,
        "type": params["type"],
        "entity_id": params.get("entity_id"),
        "date_created": FIRST_TS_SECONDS,
        "date_updated": 0,
        "rank": "U",
        "last_updated_by_user_id": ws.bot_user_id,
        "last_updated_by_team_id": ws.team_id,
        "shortcut_id": None,
        "app_id": None,
    }
    ws.bookmarks.setdefault(channel.id, []).append(bookmark)
    return {"bookmark": bookmark}


def response_url_post(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """A POST to a slash command's or action's response_url (Bolt's ``respond()``)."""
    check_message_content(ws, params, need_content=not parse_bool(params.get("delete_original")))
    response_type = params.get("response_type")
    if response_type not in (None, "ephemeral", "in_channel"):
        raise ApiError("invalid_arguments", violation=f"bad response_type {response_type!r}")
    return {}


HANDLERS = {
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.getPermalink": chat_get_permalink,
    "reactions.add": reactions_add,
    "pins.add": pins_add,
    "bookmarks.add": bookmarks_add,
    "response_url": response_url_post,
}
