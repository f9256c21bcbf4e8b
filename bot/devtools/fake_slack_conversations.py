"""Fake Web API methods about people and conversations: auth, conversations.*, users.*."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from bot.devtools.fake_slack_state import (
    ApiError,
    Channel,
    Workspace,
    paginate,
    parse_bool,
    require,
    split_ids,
)

TOPIC_MAX = 250
CHANNEL_NAME_MAX = 80
_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MPIM_MAX_USERS = 8


def auth_test(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    bot = ws.users[ws.bot_user_id]
    return {
        "url": "https://fake.slack.com/",
        "team": "Fake Workspace",
        "user": bot.name,
        "team_id": ws.team_id,
        "user_id": bot.id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def _conversation(ws: Workspace, params: dict[str, Any]) -> Channel:
    require(params, "channel", error="channel_not_found")
    return ws.resolve_channel(params["channel"], allow_user=False)


def _named_channel(ws: Workspace, params: dict[str, Any]) -> Channel:
    """A conversation that must be a channel (not a DM), for join/invite/setTopic."""
    channel = _conversation(ws, params)
    if channel.is_im or channel.is_mpim:
        raise ApiError("method_not_supported_for_channel_type")
    return channel


def conversations_info(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = _conversation(ws, params)
    return {"channel": channel.to_api(ws.bot_user_id)}


def conversations_join(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = _named_channel(ws, params)
    if channel.is_private:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.archived:
        raise ApiError("is_archived")
    if ws.bot_user_id in channel.members:
        return {
            "channel": channel.to_api(ws.bot_user_id),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    channel.members.append(ws.bot_user_id)
    return {"channel": channel.to_api(ws.bot_user_id)}


def conversations_invite(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "users", error="no_user")
    channel = _named_channel(ws, params)
    if channel.archived:
        raise ApiError("is_archived")
    user_ids = split_ids(params["users"])
    for user_id in user_ids:
        user = ws.users.get(user_id)
        if user_id == ws.bot_user_id:
            raise ApiError("cant_invite_self")
        if user is None:
            raise ApiError("user_not_found")
        if user.deleted:
            raise ApiError("user_is_inactive")
    new = [user_id for user_id in dict.fromkeys(user_ids) if user_id not in channel.members]
    if not new:
        raise ApiError("already_in_channel")
    channel.members.extend(new)
    return {"channel": channel.to_api(ws.bot_user_id)}


def conversations_members(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = _conversation(ws, params)
    page, cursor = paginate(channel.members, params, default_limit=100)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def conversations_set_topic(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = _named_channel(ws, params)
    topic = str(params.get("topic") or "")
    if len(topic) > TOPIC_MAX:
        raise ApiError("too_long", violation=f"topic is {len(topic)} characters, at most 250")
    if channel.archived:
        raise ApiError("is_archived")
    channel.topic = topic
    return {"channel": channel.to_api(ws.bot_user_id)}


def conversations_open(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("channel"):
        channel = _conversation(ws, params)
        return {"no_op": True, "already_open": True, "channel": {"id": channel.id}}
    require(params, "users", error="users_list_not_supplied")
    user_ids = list(dict.fromkeys(split_ids(params["users"])))
    if len(user_ids) > MPIM_MAX_USERS:
        raise ApiError("too_many_users")
    for user_id in user_ids:
        user = ws.users.get(user_id)
        if user is None:
            raise ApiError("user_not_found")
        if user.deleted:
            raise ApiError("user_disabled")
        if user.is_bot:
            raise ApiError("cannot_dm_bot")
    if len(user_ids) == 1:
        already = ws.dm_channel_id(user_ids[0]) in ws.channels
        channel = ws.ensure_dm(user_ids[0])
    else:
        digest = hashlib.sha1(",".join(sorted(user_ids)).encode()).hexdigest()[:10].upper()
        already = f"G{digest}" in ws.channels
        channel = ws.channels.setdefault(
            f"G{digest}",
            Channel(
                id=f"G{digest}",
                name="mpdm-" + "--".join(ws.users[u].name for u in user_ids) + "-1",
                is_mpim=True,
                members=[ws.bot_user_id, *user_ids],
            ),
        )
    shown = channel.to_api(ws.bot_user_id) if parse_bool(params.get("return_im")) else None
    return {"no_op": already, "already_open": already, "channel": shown or {"id": channel.id}}


def conversations_history(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """Newest first; metadata only with ``include_all_metadata``. The app must be in the
    conversation (a DM always has it). ``oldest``/``latest`` are compared with when each
    message arrived (see ``Workspace.add_message``); ``inclusive`` is honoured."""
    channel = _conversation(ws, params)
    if ws.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    inclusive = parse_bool(params.get("inclusive"))
    oldest = float(params.get("oldest") or 0)
    latest = float(params["latest"]) if params.get("latest") else None

    def shown(message: dict[str, Any]) -> bool:
        if message.get("thread_ts") not in (None, message["ts"]):
            return False  # a reply in a thread: conversations.replies shows those
        at = message["received_at"]
        after = at >= oldest if inclusive else at > oldest
        before = latest is None or (at <= latest if inclusive else at < latest)
        return after and before

    found = [m for m in reversed(ws.messages.get(channel.id, [])) if shown(m)]
    with_metadata = parse_bool(params.get("include_all_metadata"))
    page, cursor = paginate(found, params, default_limit=100)
    return {
        "messages": [ws.message_to_api(m, with_metadata=with_metadata) for m in page],
        "has_more": bool(cursor),
        "pin_count": len(ws.pins.get(channel.id, [])),
        "response_metadata": {"next_cursor": cursor},
    }


def users_info(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "user", error="user_not_found")
    user = ws.users.get(str(params["user"]))
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user.to_api(ws.team_id)}


def users_list(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    members = [user.to_api(ws.team_id) for user in ws.users.values()]
    page, cursor = paginate(members, params, default_limit=0)
    return {"members": page, "cache_ts": 0, "response_metadata": {"next_cursor": cursor}}


def users_lookup_by_email(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "email", error="users_not_found")
    wanted = str(params["email"]).strip().lower()
    for user in ws.users.values():
        if user.email and user.email.lower() == wanted:
            return {"user": user.to_api(ws.team_id)}
    raise ApiError("users_not_found")


def usergroups_users_list(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "usergroup", error="no_such_subteam")
    group = ws.usergroups.get(str(params["usergroup"]))
    if group is None:
        raise ApiError("no_such_subteam")
    users = list(group["users"])
    if not parse_bool(params.get("include_disabled")):
        users = [u for u in users if u not in ws.users or not ws.users[u].deleted]
    return {"users": users}


def conversations_create(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """Create a channel the bot is a member of, with Slack's naming rules."""
    require(params, "name", error="invalid_name_required")
    name = str(params["name"])
    if len(name) > CHANNEL_NAME_MAX:
        raise ApiError("invalid_name_maxlength")
    if not _CHANNEL_NAME.match(name):
        raise ApiError("invalid_name_specials")
    if any(c.name == name for c in ws.channels.values() if not c.is_im):
        raise ApiError("name_taken")
    channel_id = f"C{len(ws.channels) + 1:03d}{hashlib.sha1(name.encode()).hexdigest()[:6].upper()}"
    channel = Channel(
        id=channel_id,
        name=name,
        is_private=parse_bool(params.get("is_private")),
        members=[ws.bot_user_id],
    )
    ws.channels[channel_id] = channel
    return {"channel": channel.to_api(ws.bot_user_id)}


HANDLERS = {
    "auth.test": auth_test,
    "conversations.create": conversations_create,
    "conversations.info": conversations_info,
    "conversations.join": conversations_join,
    "conversations.invite": conversations_invite,
    "conversations.members": conversations_members,
    "conversations.setTopic": conversations_set_topic,
    "conversations.open": conversations_open,
    "conversations.history": conversations_history,
    "users.info": users_info,
    "users.list": users_list,
    "users.lookupByEmail": users_lookup_by_email,
    "usergroups.users.list": usergroups_users_list,
}
