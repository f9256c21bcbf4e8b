"""The preview on the update form follows the message and the component states as the
liaison changes them, without pressing *Preview*."""

from __future__ import annotations

from typing import Any

from bot.devtools.slack_requests import fill_view
from bot.ids import CadenceIds
from bot.slack.statuspage_blocks import StatusPageIds
from tests.handlers.cadence_support import open_update_modal, sqlite_only
from tests.statuspage.support import CHANNEL, SETTINGS, component, declare

pytestmark = sqlite_only


def _preview(call: Any) -> str:
    blocks = {b.get("block_id"): b for b in call.params["view"]["blocks"]}
    return str(blocks[StatusPageIds.preview_block]["text"]["text"])


def _changed(harness, view, typed, *, action_id, block_id, extra):
    with_state = {**view, "state": {"values": fill_view(view, typed)}}
    harness.block_action(action_id, view=with_state, block_id=block_id, extra=extra)
    return harness.fake.calls_to("views.update")


def test_the_inputs_the_preview_shows_tell_the_app_when_they_change(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    declare(harness, "sev1")
    view = open_update_modal(harness)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    for block_id in (
        CadenceIds.status_block,
        CadenceIds.message_block,
        StatusPageIds.publish_block,
        component("api"),
        component("eu"),
    ):
        assert blocks[block_id]["dispatch_action"] is True, block_id
    message = blocks[CadenceIds.message_block]["element"]
    assert message["dispatch_action_config"] == {"trigger_actions_on": ["on_character_entered"]}
    # Fields the preview does not show stay quiet.
    assert "dispatch_action" not in blocks[CadenceIds.note_block]


def test_typing_the_message_refreshes_the_preview(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    declare(harness, "sev1")
    harness.command('title public "Checkout errors for EU customers"', channel=CHANNEL)
    view = open_update_modal(harness)
    typed = {CadenceIds.message_block: "We are rolling back <now>."}

    [update] = _changed(
        harness, view, typed,
        action_id=CadenceIds.message_input, block_id=CadenceIds.message_block,
        extra={"type": "plain_text_input", "value": "We are rolling back <now>."},
    )  # fmt: skip

    preview = _preview(update)
    assert ">We are rolling back &lt;now&gt;." in preview
    assert "“Checkout errors for EU customers” · Investigating" in preview
    assert update.params["view_id"] == view["id"]


def test_choosing_a_component_state_or_status_refreshes_the_preview(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    declare(harness, "sev1")
    view = open_update_modal(harness)
    typed = {
        CadenceIds.message_block: "Payments fail.",
        component("eu"): "major_outage",
        CadenceIds.status_block: "identified",
    }
    selected = {"type": "static_select", "selected_option": {"value": "major_outage"}}

    [first] = _changed(
        harness, view, typed, action_id=StatusPageIds.component_input,
        block_id=component("eu"), extra=selected,
    )  # fmt: skip
    assert "Identified · EU region (Major outage)" in _preview(first)
    assert ">Payments fail." in _preview(first)

    typed[CadenceIds.status_block] = "monitoring"
    typed[component("eu")] = "degraded_performance"
    updates = _changed(
        harness, view, typed, action_id=CadenceIds.status_input,
        block_id=CadenceIds.status_block,
        extra={"type": "static_select", "selected_option": {"value": "monitoring"}},
    )  # fmt: skip
    assert "Monitoring · EU region (Degraded performance)" in _preview(updates[-1])


def test_the_preview_button_still_works(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    declare(harness, "sev1")
    view = open_update_modal(harness)
    typed = {CadenceIds.message_block: "Payments fail."}
    [update] = _changed(
        harness, view, typed, action_id=StatusPageIds.preview,
        block_id=StatusPageIds.preview_actions, extra={},
    )  # fmt: skip
    assert ">Payments fail." in _preview(update)
