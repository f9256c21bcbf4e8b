"""The status page part of the update form: publish or not, components and their state,
and what customers will read. Pure functions; the update form adds these blocks."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.rendering import escape_mrkdwn
from bot.services.statuspage.components import STATE_LABELS, ComponentState
from bot.services.statuspage.publishing import FormDefaults
from bot.slack.blocks import Block, context, input_block, option

UNAFFECTED = "unaffected"
COMPONENTS_SHOWN = 40  # well inside a modal's 100 blocks with the form's own


class StatusPageIds(StrEnum):
    publish_block = "statuspage.publish"
    publish_input = "statuspage.publish_choice"
    publish_value = "publish"
    preview_block = "statuspage.preview"
    component_block = "statuspage.component"  # + "." + component key
    component_input = "statuspage.component_state"


def _state_options() -> list[dict[str, Any]]:
    return [option("Not affected", UNAFFECTED)] + [
        option(label, state.value) for state, label in STATE_LABELS.items()
    ]


def status_page_blocks(defaults: FormDefaults, status_label: str) -> list[Block]:
    publish_option = option("Publish to the status page", StatusPageIds.publish_value)
    checkbox: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": StatusPageIds.publish_input,
        "options": [publish_option],
    }
    if defaults.publish:
        checkbox["initial_options"] = [publish_option]
    blocks: list[Block] = [
        input_block(
            StatusPageIds.publish_block,
            "Status page",
            checkbox,
            optional=True,
            hint="Customers read the public title, the status, the components below and "
            "the message for customers. Never the internal title or note.",
        ),
        context(preview_text(defaults, status_label)),
    ]
    blocks[-1]["block_id"] = StatusPageIds.preview_block
    states = _state_options()
    for component in defaults.components[:COMPONENTS_SHOWN]:
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": StatusPageIds.component_input,
            "options": states,
        }
        state = defaults.states.get(component.key)
        if state is not None:
            element["initial_option"] = option(STATE_LABELS[state], state.value)
        label = f"{component.group}: {component.name}" if component.group else component.name
        blocks.append(
            input_block(
                f"{StatusPageIds.component_block}.{component.key}",
                label[:2000],
                element,
                optional=True,
            )
        )
    return blocks


def preview_text(defaults: FormDefaults, status_label: str) -> str:
    """What customers will read, as the form opens (mrkdwn)."""
    affected = ", ".join(
        f"{c.name} ({STATE_LABELS[defaults.states[c.key]]})"
        for c in defaults.components
        if c.key in defaults.states
    )
    return (
        f":eyes: *Customers will read:* “{escape_mrkdwn(defaults.public_title)}” · "
        f"{status_label}"
        + (f" · {escape_mrkdwn(affected)}" if affected else "")
        + ", then the *Message for customers* exactly as you write it. "
        "Change the public title with `/liaison title public …`."
    )


def read_status_page_state(values: dict[str, Any]) -> dict[str, Any]:
    """The submitted status page answers as raw values for ``publishing.parse_choice``."""
    publish_state = (values.get(StatusPageIds.publish_block) or {}).get(
        StatusPageIds.publish_input
    ) or {}
    chosen = publish_state.get("selected_options") or []
    publish = any(
        isinstance(o, dict) and o.get("value") == StatusPageIds.publish_value for o in chosen
    )
    components: dict[str, Any] = {}
    prefix = f"{StatusPageIds.component_block}."
    for block_id, block in values.items():
        if not block_id.startswith(prefix):
            continue
        selected = ((block or {}).get(StatusPageIds.component_input) or {}).get("selected_option")
        value = selected.get("value") if isinstance(selected, dict) else selected
        if value and value != UNAFFECTED:
            components[block_id[len(prefix) :]] = value
    return {"publish": publish, "components": components}


__all__ = ["ComponentState", "StatusPageIds", "read_status_page_state", "status_page_blocks"]
