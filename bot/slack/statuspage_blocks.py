"""The status page part of the update form: publish or not, components and their state,
and what customers will read. Pure functions; the update form adds these blocks."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.rendering import escape_mrkdwn
from bot.services.statuspage.components import STATE_LABELS, ComponentState
from bot.services.statuspage.publishing import FormDefaults
from bot.slack.blocks import TEXT_LIMIT, Block, actions, button, clip, input_block, option, section

UNAFFECTED = "unaffected"
COMPONENTS_SHOWN = 40  # well inside a modal's 100 blocks with the form's own


class StatusPageIds(StrEnum):
    publish_block = "statuspage.publish"
    publish_input = "statuspage.publish_choice"
    publish_value = "publish"
    preview_block = "statuspage.preview"
    preview_actions = "statuspage.preview_actions"
    preview = "statuspage.preview_button"
    component_block = "statuspage.component"  # + "." + component key
    component_input = "statuspage.component_state"


def live_preview(block: Block, *, typing: bool = False) -> Block:
    """Make an input tell the app when its answer changes, so the preview follows it.

    Selects and checkboxes report each choice; a text input reports as the person types
    (Slack waits for a pause), so the preview never lags behind the message."""
    block["dispatch_action"] = True
    if typing:
        block["element"]["dispatch_action_config"] = {
            "trigger_actions_on": ["on_character_entered"]
        }
    return block


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
        live_preview(
            input_block(
                StatusPageIds.publish_block,
                "Status page",
                checkbox,
                optional=True,
                hint="Customers read the public title, the status, the components below and "
                "the message for customers. Never the internal title or note.",
            )
        ),
        section(preview_text(defaults, status_label), block_id=StatusPageIds.preview_block),
        actions(
            button("Preview what customers read", StatusPageIds.preview, "preview"),
            block_id=StatusPageIds.preview_actions,
        ),
    ]
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
        block = input_block(
            f"{StatusPageIds.component_block}.{component.key}", label[:2000], element, optional=True
        )
        blocks.append(live_preview(block))
    return blocks


def preview_text(defaults: FormDefaults, status_label: str, message: str | None = None) -> str:
    """What customers will read (mrkdwn): as the form opens, or with the form's current
    answers and message as they change (or when *Preview* is pressed)."""
    affected = ", ".join(
        f"{c.name} ({STATE_LABELS[defaults.states[c.key]]})"
        for c in defaults.components
        if c.key in defaults.states
    )
    head = (
        f":eyes: *Customers will read:* “{escape_mrkdwn(defaults.public_title)}” · "
        f"{status_label}" + (f" · {escape_mrkdwn(affected)}" if affected else "")
    )
    if message is None:
        return (
            f"{head}, then the *Message for customers* exactly as you write it "
            "(shown here as you type). Change the public title with `/liaison title public …`."
        )
    quoted = "\n".join(f">{line}" for line in escape_mrkdwn(message).splitlines()) or ">"
    return clip(f"{head}\n{quoted}", TEXT_LIMIT)


def with_preview(view: dict[str, Any], text: str) -> dict[str, Any]:
    """The open form as ``views.update`` takes it, with the preview replaced; inputs keep
    their answers because their block and action ids stay the same."""
    blocks = [
        section(text, block_id=StatusPageIds.preview_block)
        if block.get("block_id") == StatusPageIds.preview_block
        else block
        for block in view.get("blocks", [])
    ]
    keys = ("type", "callback_id", "title", "submit", "close", "private_metadata")
    return {**{k: view[k] for k in keys if k in view}, "blocks": blocks}


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
