"""The components customers see, and the states a component can be in.

States and their order follow Statuspage's public API, so aggregators read our JSON as
they read any status page; the worst state of a component over every open incident and
maintenance window is the one shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ComponentState(StrEnum):
    operational = "operational"
    degraded_performance = "degraded_performance"
    partial_outage = "partial_outage"
    major_outage = "major_outage"
    under_maintenance = "under_maintenance"


STATE_LABELS = {
    ComponentState.operational: "Operational",
    ComponentState.degraded_performance: "Degraded performance",
    ComponentState.partial_outage: "Partial outage",
    ComponentState.major_outage: "Major outage",
    ComponentState.under_maintenance: "Under maintenance",
}
# How bad each state is; the page shows the worst one a component is in.
_SEVERITY = {
    ComponentState.operational: 0,
    ComponentState.under_maintenance: 1,
    ComponentState.degraded_performance: 2,
    ComponentState.partial_outage: 3,
    ComponentState.major_outage: 4,
}
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class Component:
    key: str
    name: str
    group: str | None = None


def parse_components(items: list[str]) -> list[Component]:
    """``["api=API", "Regions/eu=EU region"]`` into components, in the given order."""
    components: list[Component] = []
    seen: set[str] = set()
    for item in items:
        left, sep, name = item.partition("=")
        group, slash, key = left.rpartition("/")
        key = key.strip().lower()
        name = " ".join(name.split())
        if not sep or not _KEY.match(key) or not name or len(name) > 100:
            raise ValueError(
                f"{item!r} should look like api=API or Regions/eu=EU region "
                "(key: lower-case letters, digits, - or _)"
            )
        if key in seen:
            raise ValueError(f"component key {key!r} appears twice")
        seen.add(key)
        components.append(Component(key, name, " ".join(group.split()) if slash else None))
    return components


def worst(states: list[ComponentState]) -> ComponentState:
    return max(states, key=_SEVERITY.__getitem__, default=ComponentState.operational)


def incident_impact(states: list[ComponentState]) -> str:
    """Statuspage's incident ``impact`` from the states of its components."""
    top = worst(states)
    return {
        ComponentState.major_outage: "critical",
        ComponentState.partial_outage: "major",
        ComponentState.degraded_performance: "minor",
    }.get(top, "none")


def overall_indicator(states: list[ComponentState]) -> tuple[str, str]:
    """The page's ``status.indicator`` and its description, from every component's state."""
    top = worst(states)
    if top is ComponentState.major_outage:
        return "critical", "Major System Outage"
    if top is ComponentState.partial_outage:
        return "major", "Partial System Outage"
    if top is ComponentState.degraded_performance:
        return "minor", "Minor Service Outage"
    if top is ComponentState.under_maintenance:
        return "maintenance", "Service Under Maintenance"
    return "none", "All Systems Operational"
