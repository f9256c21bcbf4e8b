"""Block Kit for the update cadence: reminders with a *Post update* button, the status
update modal, and the update as posted in the incident channel. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from bot.ids import CadenceIds
from bot.rendering import escape_mrkdwn
from bot.slack.blocks import (
    TEXT_LIMIT,
    Block,
    actions,
    button,
    clip,
    context,
    input_block,
    option,
    plain,
    section,
)

if TYPE_CHECKING:
    from bot.services.statuspage.publishing import FormDefaults

STATUS_LABELS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
}
AFFECTED_LIMIT = 500
NOTE_LIMIT = 2000
MESSAGE_LIMIT = 2500
# Milestones a status update satisfies (the first update also records the assessment).
_UPDATE_MILESTONES = ("update", "assessment")


class UpdateModalMetadata(BaseModel):
    """The modal's private_metadata: which incident the update is for."""

    incident_id: int


@dataclass(frozen=True)
class NextUpdateChoice:
    label: str
    seconds: int


@dataclass(frozen=True)
class UpdateModalContent:
    """What the update modal starts with."""

    incident_id: int
    intro: str
    status: str
    affected: str
    message: str
    next_choices: list[NextUpdateChoice]
    next_default: int
    # The status page's part of the form (None: no status page configured).
    status_page: FormDefaults | None = None
    # A help desk is connected: offer to send the message to the linked tickets' reporters.
    offer_send_to_reporters: bool = False


def reminder_blocks(text: str, incident_id: int, milestone: str) -> list[Block]:
    """A cadence reminder; reminders an update can satisfy get a *Post update* button."""
    blocks = [section(text)]
    if milestone in _UPDATE_MILESTONES:
        blocks.append(
            actions(
                button("Post update", CadenceIds.post_update, str(incident_id), style="primary"),
                block_id=CadenceIds.reminder_actions,
            )
        )
    return blocks


def build_update_modal(content: UpdateModalContent) -> dict[str, Any]:
    statuses = [option(label, value) for value, label in STATUS_LABELS.items()]
    status_element: dict[str, Any] = {
        "type": "static_select",
        "action_id": CadenceIds.status_input,
        "options": statuses,
        "initial_option": option(STATUS_LABELS[content.status], content.status),
    }
    next_options = [option(c.label, str(c.seconds)) for c in content.next_choices]
    default = next(
        (o for o in next_options if o["value"] == str(content.next_default)), next_options[-1]
    )
    next_element: dict[str, Any] = {
        "type": "static_select",
        "action_id": CadenceIds.next_input,
        "options": next_options,
        "initial_option": default,
    }
    affected: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": CadenceIds.affected_input,
        "max_length": AFFECTED_LIMIT,
    }
    if content.affected:
        affected["initial_value"] = clip(content.affected, AFFECTED_LIMIT)
    message: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": CadenceIds.message_input,
        "multiline": True,
        "max_length": MESSAGE_LIMIT,
    }
    if content.message:
        message["initial_value"] = clip(content.message, MESSAGE_LIMIT)
    note = {
        "type": "plain_text_input",
        "action_id": CadenceIds.note_input,
        "multiline": True,
        "max_length": NOTE_LIMIT,
    }
    blocks = [
        section(content.intro),
        input_block(CadenceIds.status_block, "Status", status_element),
        input_block(
            CadenceIds.affected_block,
            "What is affected",
            affected,
            optional=True,
            hint="Features, regions, customers: what people cannot do right now.",
        ),
        input_block(
            CadenceIds.message_block,
            "Message for customers",
            message,
            hint="Drafted from the incident's facts; edit freely. Support sends this text.",
        ),
        input_block(
            CadenceIds.note_block,
            "Internal note",
            note,
            optional=True,
            hint="For the incident channel only; never part of the customer message.",
        ),
        input_block(
            CadenceIds.next_block,
            "Next update",
            next_element,
            hint="The cadence clock restarts from now. Ignored when the status is Resolved.",
        ),
    ]
    if content.status_page is not None:
        from bot.slack.statuspage_blocks import live_preview, status_page_blocks

        # The preview follows the status and the message as they change.
        live_preview(blocks[1])
        live_preview(blocks[3], typing=True)
        blocks.extend(status_page_blocks(content.status_page, STATUS_LABELS[content.status]))
    if content.offer_send_to_reporters:
        blocks.append(_reporters_block())
    return {
        "type": "modal",
        "callback_id": CadenceIds.update_modal,
        "title": plain("Status update", 24),
        "submit": plain("Post update", 24),
        "close": plain("Cancel", 24),
        "private_metadata": UpdateModalMetadata(incident_id=content.incident_id).model_dump_json(),
        "blocks": blocks,
    }


def _reporters_block() -> Block:
    element = {
        "type": "checkboxes",
        "action_id": CadenceIds.reporters_input,
        "options": [option("Also send to reporters", "yes")],
    }
    return input_block(
        CadenceIds.reporters_block,
        "Help-desk tickets",
        element,
        optional=True,
        hint="Linked tickets get the message as a public reply instead of an internal note.",
    )


def update_message_blocks(headline: str, customer_message: str, details: str) -> list[Block]:
    """The update as posted in the channel: headline, the customer text quoted, details."""
    quoted = "\n".join(f">{line}" for line in escape_mrkdwn(customer_message).splitlines())
    blocks = [section(headline), section(clip(quoted or ">", TEXT_LIMIT))]
    if details:
        blocks.append(context(details))
    return blocks


# Service field name -> the block that shows its error.
FIELD_BLOCKS: dict[str, str] = {
    "status": CadenceIds.status_block,
    "affected": CadenceIds.affected_block,
    "customer_message": CadenceIds.message_block,
    "internal_note": CadenceIds.note_block,
    "next_update_seconds": CadenceIds.next_block,
    "incident_id": CadenceIds.message_block,
    "status_page": "statuspage.publish",
}
_STATE_FIELDS: dict[str, tuple[str, str]] = {
    "status": (CadenceIds.status_block, CadenceIds.status_input),
    "affected": (CadenceIds.affected_block, CadenceIds.affected_input),
    "customer_message": (CadenceIds.message_block, CadenceIds.message_input),
    "internal_note": (CadenceIds.note_block, CadenceIds.note_input),
    "next_update_seconds": (CadenceIds.next_block, CadenceIds.next_input),
}


def read_update_state(values: dict[str, Any], metadata: UpdateModalMetadata) -> dict[str, Any]:
    """The submitted modal's answers as the raw values the service validates."""
    answers: dict[str, Any] = {"incident_id": metadata.incident_id}
    for name, (block_id, action_id) in _STATE_FIELDS.items():
        state = (values.get(block_id) or {}).get(action_id) or {}
        if "selected_option" in state:
            selected = state.get("selected_option")
            # Anything but an option object is passed on for the service model to refuse.
            answers[name] = selected.get("value") if isinstance(selected, dict) else selected
        else:
            answers[name] = state.get("value")
    if answers.get("customer_message") is None:
        answers["customer_message"] = ""
    reporters = (values.get(CadenceIds.reporters_block) or {}).get(CadenceIds.reporters_input)
    answers["send_to_reporters"] = bool((reporters or {}).get("selected_options"))
    return answers


def block_errors(errors: dict[str, str]) -> dict[str, str]:
    """Service field errors keyed by the block that shows them (first message per block)."""
    mapped: dict[str, str] = {}
    for field, message in errors.items():
        mapped.setdefault(FIELD_BLOCKS.get(field, CadenceIds.message_block), message)
    return mapped
