"""The page as Statuspage's public API v2 (``/api/v2/summary.json`` and friends), so
status aggregators and monitors read it as they read any Statuspage page.

Field names, id types (strings), enumerations and timestamps (ISO 8601) follow the
documentation of that API; tests/schemas/statuspage_v2.json checks the shape.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.services.statuspage.page import IncidentView, PageSnapshot

PAGE_ID = "liaison"
INCIDENTS_LISTED = 50


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _group_id(name: str) -> str:
    return "group-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x")


def page_block(snapshot: PageSnapshot, *, name: str, url: str) -> dict[str, Any]:
    updated = max(
        [i.updated_at for i in (*snapshot.active, *snapshot.maintenance, *snapshot.history)],
        default=snapshot.generated_at,
    )
    return {
        "id": PAGE_ID,
        "name": name,
        "url": url,
        "time_zone": "Etc/UTC",
        "updated_at": _time(updated),
    }


def status_block(snapshot: PageSnapshot) -> dict[str, Any]:
    return {"indicator": snapshot.indicator, "description": snapshot.description}


def components(snapshot: PageSnapshot) -> list[dict[str, Any]]:
    """Components in order; each group is a component of its own with ``group: true``."""
    stamp = _time(snapshot.generated_at)
    listed: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for c in snapshot.components:
        group_id = _group_id(c.group) if c.group else None
        if c.group and group_id not in groups:
            groups[group_id or ""] = group = _component_json(
                group_id or "", c.group, "operational", c.position, stamp, group=True
            )
            listed.append(group)
        listed.append(_component_json(c.key, c.name, c.state.value, c.position, stamp, group_id))
        if group_id:
            group = groups[group_id]
            group["components"].append(c.key)
            group["status"] = _worse(group["status"], c.state.value)
    return listed


_ORDER = ["operational", "under_maintenance", "degraded_performance", "partial_outage",
          "major_outage"]  # fmt: skip


def _worse(a: str, b: str) -> str:
    return a if _ORDER.index(a) >= _ORDER.index(b) else b


def _component_json(
    ident: str,
    name: str,
    status: str,
    position: int,
    stamp: str | None,
    group_id: str | None = None,
    *,
    group: bool = False,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": ident,
        "name": name,
        "status": status,
        "created_at": stamp,
        "updated_at": stamp,
        "position": position,
        "description": None,
        "showcase": True,
        "start_date": None,
        "group_id": group_id,
        "page_id": PAGE_ID,
        "group": group,
        "only_show_if_degraded": False,
    }
    if group:
        item["components"] = []
    return item


def incident(view: IncidentView, snapshot: PageSnapshot, *, link: str) -> dict[str, Any]:
    names = snapshot.names
    affected = [
        {
            "id": key,
            "name": names.get(key, key),
            "status": state.value,
            "page_id": PAGE_ID,
            "group_id": None,
        }
        for key, state in view.components.items()
        if key in names
    ]
    monitoring = next((u.created_at for u in view.updates if u.status == "monitoring"), None)
    started = view.scheduled_for if view.kind == "maintenance" else view.created_at
    item: dict[str, Any] = {
        "id": str(view.id),
        "name": view.name,
        "status": view.status,
        "created_at": _time(view.created_at),
        "updated_at": _time(view.updated_at),
        "monitoring_at": _time(monitoring),
        "resolved_at": _time(view.resolved_at),
        "impact": "maintenance" if view.kind == "maintenance" else view.impact,
        "shortlink": link,
        "started_at": _time(started),
        "page_id": PAGE_ID,
        "incident_updates": [_update(view, u, names) for u in view.updates],
        "components": affected,
    }
    if view.kind == "maintenance":
        item["scheduled_for"] = _time(view.scheduled_for)
        item["scheduled_until"] = _time(view.scheduled_until)
    return item


def _update(view: IncidentView, u: Any, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": str(u.id),
        "status": u.status,
        "body": u.body,
        "incident_id": str(view.id),
        "created_at": _time(u.created_at),
        "updated_at": _time(u.created_at),
        "display_at": _time(u.created_at),
        "affected_components": [
            {
                "code": key,
                "name": names.get(key, key),
                "old_status": None,
                "new_status": state.value,
            }
            for key, state in u.components.items()
            if key in names
        ],
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }


def documents(
    snapshot: PageSnapshot, *, name: str, url: str, link: Any
) -> dict[str, dict[str, Any]]:
    """Every JSON document by its path under ``api/v2/``; ``link(id)`` gives shortlinks."""
    page = page_block(snapshot, name=name, url=url)
    status = status_block(snapshot)
    comps = components(snapshot)

    def incidents(views: list[IncidentView]) -> list[dict[str, Any]]:
        return [incident(v, snapshot, link=link(v.id)) for v in views]

    unresolved = incidents(snapshot.active)
    recent = incidents(
        sorted([*snapshot.active, *[h for h in snapshot.history if h.kind == "incident"]],
               key=lambda v: (v.created_at, v.id), reverse=True)[:INCIDENTS_LISTED]
    )  # fmt: skip
    maintenance = incidents(snapshot.maintenance)
    return {
        "summary.json": {
            "page": page,
            "status": status,
            "components": comps,
            "incidents": unresolved,
            "scheduled_maintenances": maintenance,
        },
        "status.json": {"page": page, "status": status},
        "components.json": {"page": page, "components": comps},
        "incidents.json": {"page": page, "incidents": recent},
        "incidents/unresolved.json": {"page": page, "incidents": unresolved},
        "scheduled-maintenances.json": {
            "page": page,
            "scheduled_maintenances": [
                *maintenance,
                *incidents([h for h in snapshot.history if h.kind == "maintenance"]),
            ],
        },
    }
