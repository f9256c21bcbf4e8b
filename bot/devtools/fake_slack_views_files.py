"""Fake Web API methods for modals and App Home (views.*) and file uploads (files.*).

The upload is Slack's three-step flow that ``WebClient.files_upload_v2`` drives:
files.getUploadURLExternal, a raw POST of the bytes to the returned URL (the
``file_upload`` pseudo-method here), then files.completeUploadExternal.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.devtools.fake_slack_state import ApiError, StoredFile, Workspace, require

APP_ID = "A0001"


def check_view(ws: Workspace, view: Any, kind: Literal["modal", "home"]) -> dict[str, Any]:
    """Refuse a view Slack would refuse, answering as Slack does for views.*."""
    problems = ws.checker.view_problems(view, kind)
    if problems:
        raise ApiError(
            "invalid_arguments",
            violation=f"invalid {kind} view: " + "; ".join(problems[:3]),
            extra={"response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]}},
        )
    if not isinstance(view, dict):  # view_problems reports it; this narrows the type
        raise ApiError("invalid_arguments")
    return view


def _stored_view(
    ws: Workspace,
    view_id: str,
    view: dict[str, Any],
    *,
    root_view_id: str | None,
    previous_view_id: str | None = None,
) -> dict[str, Any]:
    """The view object Slack answers with (and sends back in view_submission payloads)."""
    return {
        "id": view_id,
        "team_id": ws.team_id,
        "type": view["type"],
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": ws.next_hash(),
        "title": view.get("title"),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "previous_view_id": previous_view_id,
        "root_view_id": root_view_id,
        "app_id": APP_ID,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }


def _check_external_id(ws: Workspace, view: dict[str, Any], own_id: str | None = None) -> None:
    external_id = view.get("external_id")
    if external_id and any(
        v["external_id"] == external_id and v["id"] != own_id for v in ws.views.values()
    ):
        raise ApiError("duplicate_external_id")


def views_open(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """views.open and views.push: the fake does not model the modal stack."""
    require(params, "trigger_id", "view")
    view = check_view(ws, params["view"], "modal")
    _check_external_id(ws, view)
    view_id = ws.next_id("V")
    ws.views[view_id] = _stored_view(ws, view_id, view, root_view_id=view_id)
    return {"view": ws.views[view_id]}


def views_update(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "view")
    if not params.get("view_id") and not params.get("external_id"):
        raise ApiError("invalid_arguments", violation="view_id or external_id is required")
    if params.get("view_id"):
        current = ws.views.get(str(params["view_id"]))
    else:
        external_id = params["external_id"]
        current = next((v for v in ws.views.values() if v["external_id"] == external_id), None)
    if current is None:
        raise ApiError("not_found")
    if params.get("hash") and params["hash"] != current["hash"]:
        raise ApiError("hash_conflict")
    view = check_view(ws, params["view"], "home" if current["type"] == "home" else "modal")
    _check_external_id(ws, view, own_id=current["id"])
    updated = _stored_view(
        ws,
        current["id"],
        view,
        root_view_id=current["root_view_id"],
        previous_view_id=current["previous_view_id"],
    )
    ws.views[current["id"]] = updated
    for user_id, home in list(ws.homes.items()):
        if home["id"] == current["id"]:
            ws.homes[user_id] = updated
    return {"view": updated}


def views_publish(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "user_id", "view")
    view = check_view(ws, params["view"], "home")
    user_id = str(params["user_id"])
    current = ws.homes.get(user_id)
    if current and params.get("hash") and params["hash"] != current["hash"]:
        raise ApiError("hash_conflict")
    view_id = current["id"] if current else ws.next_id("V")
    _check_external_id(ws, view, own_id=view_id)
    published = _stored_view(ws, view_id, view, root_view_id=None)
    ws.views[view_id] = published
    ws.homes[user_id] = published
    return {"view": published}


def files_get_upload_url_external(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "filename", "length")
    try:
        length = int(params["length"])
    except (TypeError, ValueError):
        raise ApiError("invalid_arguments", violation="length must be an integer") from None
    if length <= 0:
        raise ApiError("invalid_arguments", violation=f"length must be positive, got {length}")
    file_id = ws.next_id("F")
    ws.files[file_id] = StoredFile(id=file_id, name=str(params["filename"]), declared_length=length)
    return {"upload_url": ws.public_url(f"upload/{file_id}"), "file_id": file_id}


def file_upload(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """The bytes POSTed to an upload_url; answers 404 for a URL the fake never issued."""
    stored = ws.files.get(str(params.get("file_id")))
    if stored is None:
        raise ApiError("file_not_found", status=404)
    stored.content = params.get("content", b"")
    return {}


def files_complete_upload_external(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "files")
    entries = params["files"]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ApiError("invalid_arguments", violation="files must be a JSON array of objects")
    channel = None
    channel_arg = params.get("channel_id") or (str(params.get("channels") or "").split(",")[0])
    if channel_arg:
        channel = ws.resolve_channel(channel_arg, allow_user=False)
        if channel.archived:
            raise ApiError("is_archived")
    stored_files = []
    for entry in entries:
        stored = ws.files.get(str(entry.get("id")))
        if stored is None:
            raise ApiError("file_not_found", violation=f"unknown file id {entry.get('id')!r}")
        if stored.content is None:
            raise ApiError("invalid_arguments", violation=f"file {stored.id} was never uploaded")
        if stored.length != stored.declared_length:
            raise ApiError(
                "invalid_arguments",
                violation=(
                    f"file {stored.id}: uploaded {stored.length} bytes "
                    f"but declared length {stored.declared_length}"
                ),
            )
        stored_files.append((stored, entry))
    for stored, entry in stored_files:
        stored.title = entry.get("title") or stored.name
        stored.channel = channel.id if channel else None
        stored.initial_comment = params.get("initial_comment") or None
        stored.thread_ts = params.get("thread_ts") or None
        stored.completed = True
    return {"files": [stored.to_api(ws.bot_user_id) for stored, _ in stored_files]}


HANDLERS = {
    "views.open": views_open,
    "views.push": views_open,
    "views.update": views_update,
    "views.publish": views_publish,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "file_upload": file_upload,
    "files.completeUploadExternal": files_complete_upload_external,
}
