"""Slack's interaction payloads, checked at the boundary before a handler reads them.

A signed request proves it came from Slack, not that its shape is right: a view whose
``state.values`` is a list, a button value of 10**20 or a payload without a user must end
in a clear answer, never a traceback. Handlers parse the envelope into these models first
and answer a ``MalformedPayload`` themselves (inline on the modal, or privately).

Each model also names the interaction's idempotency key: a view submission is keyed on
the view id (stable across Slack's retries and double clicks), a button press on the
message, the action and its ``action_ts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import InvalidInput
from bot.inbound import ROW_ID_MAX, CleanText

SlackId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
_Short = Annotated[str, Field(max_length=255)]
# Slack's own limits: private_metadata 3,000 characters, button values 2,000.
_Metadata = Annotated[str, Field(max_length=3000)]
_Value = Annotated[str, Field(max_length=2000)]


class MalformedPayload(InvalidInput):
    """A signed payload whose shape is not what Slack sends; the message is for the user."""


class PayloadUser(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: SlackId


class ViewState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # block_id -> action_id -> the element's state (its shape is read per element)
    values: dict[_Short, dict[_Short, dict[str, Any]]] = {}


class SubmittedView(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, Field(min_length=1, max_length=64)]
    callback_id: _Short = ""
    private_metadata: _Metadata = ""
    state: ViewState = ViewState()
    blocks: list[dict[str, Any]] = []

    def block_ids(self) -> set[str]:
        return {str(block.get("block_id")) for block in self.blocks if block.get("block_id")}


class ViewSubmission(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user: PayloadUser
    view: SubmittedView

    @property
    def submission_key(self) -> str:
        """Source-neutral key of this submission: the same for every delivery of it."""
        return f"slack:view:{self.view.id}"

    @property
    def values(self) -> dict[str, dict[str, dict[str, Any]]]:
        return self.view.state.values


class PressedAction(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action_id: _Short
    block_id: _Short | None = None
    value: _Value = ""
    action_ts: _Short | None = None


class ActionContainer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: _Short | None = None
    message_ts: _Short | None = None
    channel_id: _Short | None = None
    view_id: _Short | None = None


class BlockAction(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user: PayloadUser
    actions: Annotated[list[PressedAction], Field(min_length=1)]
    container: ActionContainer = ActionContainer()
    trigger_id: _Short = ""

    @property
    def action(self) -> PressedAction:
        return self.actions[0]

    @property
    def action_key(self) -> str:
        """This very press: a redelivery has the same key, a second click a new one."""
        where = self.container.message_ts or self.container.view_id or ""
        return f"slack:action:{where}:{self.action.action_id}:{self.action.action_ts or ''}"

    def row_id(self) -> int:
        """The button's value as the id of one of our rows (incident, report, assignment)."""
        value = self.action.value.strip()
        if not value.isdigit() or not 1 <= int(value) <= ROW_ID_MAX:
            raise MalformedPayload(
                "This button does not name anything Liaison knows; it may be from an old "
                "message. Run `/liaison help` to find the command instead."
            )
        return int(value)


_M = TypeVar("_M", bound=BaseModel)
_NO_USER = "Slack did not say who you are, so nothing was done. Try again in a moment."
_DAMAGED_VIEW = "This form arrived damaged, so nothing was saved. Close it and open it again."
_DAMAGED_ACTION = "This button press arrived damaged, so nothing was done. Try again."


def parse_view_submission(body: Mapping[str, Any]) -> ViewSubmission:
    """The submission's envelope, or MalformedPayload saying what the user can do."""
    return _parse(ViewSubmission, body, _DAMAGED_VIEW)


def parse_block_action(body: Mapping[str, Any]) -> BlockAction:
    return _parse(BlockAction, body, _DAMAGED_ACTION)


def _parse(model: type[_M], body: Mapping[str, Any], damaged: str) -> _M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        if any(error["loc"][:1] == ("user",) for error in exc.errors()):
            raise MalformedPayload(_NO_USER) from exc
        raise MalformedPayload(damaged) from exc


class PickedUser(BaseModel):
    """A users_select answer with an optional note, as the hand-off/hand-over modals ask."""

    user: SlackId | None = None
    note: Annotated[CleanText, Field(max_length=3000)] | None = None

    @field_validator("note")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


def read_picked_user(
    values: Mapping[str, Mapping[str, Mapping[str, Any]]],
    user: tuple[str, str],
    note: tuple[str, str],
) -> PickedUser:
    """The person picked and the note written; a value of the wrong shape or length is a
    MalformedPayload (the user sees it inline) rather than a stored oddity."""
    try:
        return PickedUser.model_validate(
            {
                "user": (values.get(user[0]) or {}).get(user[1], {}).get("selected_user"),
                "note": (values.get(note[0]) or {}).get(note[1], {}).get("value"),
            }
        )
    except ValidationError as exc:
        fields = {str(error["loc"][0]) for error in exc.errors()}
        if "note" in fields:
            raise MalformedPayload("Keep the note under 3,000 characters of text.") from exc
        raise MalformedPayload("Pick the person from the list.") from exc
