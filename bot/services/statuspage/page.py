"""The status page's data as customers see it: one snapshot per change, read by the web
page, the JSON twins and the feeds alike (so they never disagree).

A component's state is the worst over the open incidents that affect it and the
maintenance windows in progress; everything else is operational.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.models import PageIncident, PageUpdate
from bot.services.statuspage.components import (
    STATE_LABELS,
    Component,
    ComponentState,
    overall_indicator,
    worst,
)

STATUS_LABELS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "verifying": "Verifying",
    "completed": "Completed",
}
OPEN_INCIDENT = ("investigating", "identified", "monitoring")
OPEN_MAINTENANCE = ("scheduled", "in_progress", "verifying")


@dataclass(frozen=True)
class ComponentView:
    key: str
    name: str
    group: str | None
    state: ComponentState
    position: int

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class UpdateView:
    id: int
    status: str
    body: str
    created_at: datetime
    components: dict[str, ComponentState]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class IncidentView:
    id: int
    kind: str
    name: str
    status: str
    impact: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    scheduled_for: datetime | None
    scheduled_until: datetime | None
    components: dict[str, ComponentState]
    updates: list[UpdateView]  # newest first

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_INCIDENT or self.status in OPEN_MAINTENANCE


@dataclass(frozen=True)
class PageSnapshot:
    generated_at: datetime
    version: tuple[object, ...]
    components: list[ComponentView]
    indicator: str
    description: str
    active: list[IncidentView]  # open incidents, newest first
    maintenance: list[IncidentView]  # scheduled or in progress, soonest first
    history: list[IncidentView]  # resolved within the history window, newest first
    names: dict[str, str] = field(default_factory=dict)  # component key -> name

    def incident(self, page_incident_id: int) -> IncidentView | None:
        for item in (*self.active, *self.maintenance, *self.history):
            if item.id == page_incident_id:
                return item
        return None


def version(session: Session) -> tuple[object, ...]:
    """Changes whenever anything the page shows changes: one cheap query."""
    row = session.execute(
        select(
            select(func.max(PageIncident.updated_at)).scalar_subquery(),
            select(func.count(PageUpdate.id)).scalar_subquery(),
            select(func.count(PageIncident.id)).scalar_subquery(),
        )
    ).one()
    return tuple(row)


def load(
    session: Session, components: list[Component], *, now: datetime, history_days: int
) -> PageSnapshot:
    since = now - timedelta(days=history_days)
    rows = session.scalars(
        select(PageIncident)
        .where(
            or_(
                PageIncident.status.in_(OPEN_INCIDENT + OPEN_MAINTENANCE),
                PageIncident.resolved_at >= since,
            )
        )
        .order_by(PageIncident.created_at.desc(), PageIncident.id.desc())
    ).all()
    ids = [r.id for r in rows]
    updates: dict[int, list[UpdateView]] = {i: [] for i in ids}
    if ids:
        for u in session.scalars(
            select(PageUpdate)
            .where(PageUpdate.page_incident_id.in_(ids))
            .order_by(PageUpdate.created_at.desc(), PageUpdate.id.desc())
        ):
            updates[u.page_incident_id].append(
                UpdateView(u.id, u.status, u.body, u.created_at, _states(u.components))
            )
    views = [_view(r, updates[r.id]) for r in rows]
    known = {c.key for c in components}
    current: dict[str, list[ComponentState]] = {c.key: [] for c in components}
    for view in views:
        live = view.status in OPEN_INCIDENT or view.status == "in_progress"
        if not live:
            continue
        for key, state in view.components.items():
            if key in known:
                current[key].append(state)
    component_views = [
        ComponentView(c.key, c.name, c.group, worst(current[c.key]), position)
        for position, c in enumerate(components, start=1)
    ]
    indicator, description = overall_indicator([c.state for c in component_views])
    active = [v for v in views if v.kind == "incident" and v.status in OPEN_INCIDENT]
    if active and indicator == "none":
        indicator, description = "minor", "Minor Service Outage"
    maintenance = sorted(
        (v for v in views if v.kind == "maintenance" and v.status in OPEN_MAINTENANCE),
        key=lambda v: (v.scheduled_for or v.created_at, v.id),
    )
    history = [v for v in views if not v.is_open]
    history.sort(key=lambda v: (v.resolved_at or v.updated_at, v.id), reverse=True)
    return PageSnapshot(
        generated_at=now,
        version=version(session),
        components=component_views,
        indicator=indicator,
        description=description,
        active=active,
        maintenance=maintenance,
        history=history,
        names={c.key: c.name for c in components},
    )


def _states(raw: dict[str, object]) -> dict[str, ComponentState]:
    states: dict[str, ComponentState] = {}
    for key, value in raw.items():
        try:
            states[key] = ComponentState(str(value))
        except ValueError:
            continue
    return states


def _view(row: PageIncident, updates: list[UpdateView]) -> IncidentView:
    return IncidentView(
        id=row.id,
        kind=row.kind,
        name=row.name,
        status=row.status,
        impact=row.impact,
        created_at=row.created_at,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
        scheduled_for=row.scheduled_for,
        scheduled_until=row.scheduled_until,
        components=_states(row.components),
        updates=updates,
    )
