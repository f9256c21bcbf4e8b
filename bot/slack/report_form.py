"""Reading a submitted report modal back: Slack's view state -> a typed form -> a submission.

Slack sends ``state.values[block_id][action_id]`` with a different shape per element;
``read_report_state`` flattens that into ``ReportForm``, refusing values of the wrong
shape on their own block. ``submission_from_form`` hands the answers to the reports
service, whose rules (bot/services/reports/submission.py) decide what is acceptable;
its field errors come back keyed by the block_id they belong to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import FieldErrors
from bot.ids import ReportIds
from bot.services.reports import IntakeRules, ReportSubmission, parse_submission
from bot.slack.report_modal import ReportModalMetadata, split_account_value

# Service field name -> the block that shows its error.
FIELD_BLOCKS: dict[str, str] = {
    "incident_id": ReportIds.incident_block,
    "account_id": ReportIds.account_block,
    "customer_name": ReportIds.account_block,
    "ticket_ref": ReportIds.ticket_block,
    "region": ReportIds.region_block,
    "tier": ReportIds.tier_block,
    "product_version": ReportIds.version_block,
    "platform": ReportIds.platform_block,
    "features": ReportIds.features_block,
    "contact_channel": ReportIds.contact_block,
    "summary": ReportIds.summary_block,
    "sentiment": ReportIds.sentiment_block,
    "first_contact_at": ReportIds.first_contact_block,
    "source_permalink": ReportIds.summary_block,
    "owner_id": ReportIds.summary_block,
}
# Slack's datetimepicker sends Unix seconds; beyond year 9999 no datetime can hold it.
_LAST_TIMESTAMP = 253_402_300_799
_Answer = Annotated[str, Field(max_length=10_000)]


class ReportForm(BaseModel):
    """The modal's answers as submitted: option values and raw text, nothing checked yet."""

    model_config = ConfigDict(frozen=True)

    incident: _Answer | None = None
    account: _Answer | None = None
    ticket: _Answer | None = None
    first_contact: Annotated[int, Field(ge=0, le=_LAST_TIMESTAMP)] | None = None
    region: _Answer | None = None
    tier: _Answer | None = None
    version: _Answer | None = None
    platform: _Answer | None = None
    features: Annotated[list[_Answer], Field(max_length=100)] = []
    contact: _Answer | None = None
    summary: _Answer | None = None
    sentiment: _Answer | None = None


_STATE_FIELDS: dict[str, tuple[str, str]] = {
    "incident": (ReportIds.incident_block, ReportIds.incident_input),
    "account": (ReportIds.account_block, ReportIds.account_input),
    "ticket": (ReportIds.ticket_block, ReportIds.ticket_input),
    "first_contact": (ReportIds.first_contact_block, ReportIds.first_contact_input),
    "region": (ReportIds.region_block, ReportIds.region_input),
    "tier": (ReportIds.tier_block, ReportIds.tier_input),
    "version": (ReportIds.version_block, ReportIds.version_input),
    "platform": (ReportIds.platform_block, ReportIds.platform_input),
    "features": (ReportIds.features_block, ReportIds.features_input),
    "contact": (ReportIds.contact_block, ReportIds.contact_input),
    "summary": (ReportIds.summary_block, ReportIds.summary_input),
    "sentiment": (ReportIds.sentiment_block, ReportIds.sentiment_input),
}


def read_report_state(values: Mapping[str, Any]) -> ReportForm:
    """Flatten ``view.state.values``; blocks missing from the view are simply unanswered.

    An answer of the wrong shape (a string where Slack sends an object, a date beyond
    year 9999, a number where text belongs) raises FieldErrors on its block.
    """
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, (block_id, action_id) in _STATE_FIELDS.items():
        block = values.get(block_id)
        state = block.get(action_id) if isinstance(block, Mapping) else None
        shapeless = (block is not None and not isinstance(block, Mapping)) or (
            state is not None and not isinstance(state, Mapping)
        )
        value = _element_value(state) if isinstance(state, Mapping) and state else None
        if shapeless or isinstance(value, _Unreadable):
            errors[block_id] = _UNREADABLE
        elif value is not None:
            answers[name] = value
    try:
        form = ReportForm.model_validate({k: v for k, v in answers.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors():
            block_id = _STATE_FIELDS[str(error["loc"][0])][0]
            errors.setdefault(block_id, _form_message(error))
        raise FieldErrors(errors) from exc
    if errors:
        raise FieldErrors(errors)
    return form


_UNREADABLE = "This answer could not be read; answer it again."


def _form_message(error: Mapping[str, Any]) -> str:
    if error["type"] in ("greater_than_equal", "less_than_equal"):
        return "That date is out of range; pick when the customer first wrote."
    if error["type"] == "string_too_long":
        return "That answer is far too long."
    return _UNREADABLE


class _Unreadable:
    """An element state whose shape no Slack element sends."""


def _element_value(state: Mapping[str, Any]) -> Any:
    if "selected_options" in state:
        selected = state.get("selected_options") or []
        if not isinstance(selected, list) or not all(isinstance(o, Mapping) for o in selected):
            return _Unreadable()
        return [o.get("value") for o in selected]
    if "selected_option" in state:
        option = state.get("selected_option")
        if option is not None and not isinstance(option, Mapping):
            return _Unreadable()
        return option.get("value") if option else None
    if "selected_date_time" in state:
        return state.get("selected_date_time")
    return state.get("value")


def submission_from_form(
    form: ReportForm,
    metadata: ReportModalMetadata,
    rules: IntakeRules,
    *,
    now: datetime,
    owner_id: str | None,
) -> ReportSubmission:
    """The service's submission from the form, checked by the service's intake rules;
    raises FieldErrors keyed by block_id, naming every problem at once."""
    account_id, customer_name = split_account_value(form.account)
    first_contact = None
    if form.first_contact is not None:
        first_contact = datetime.fromtimestamp(form.first_contact, UTC)
    data: dict[str, object] = {
        "owner_id": owner_id,
        "incident_id": form.incident,
        "account_id": account_id,
        "customer_name": customer_name,
        "ticket_ref": form.ticket,
        "region": form.region,
        "tier": form.tier,
        "product_version": form.version,
        "platform": form.platform,
        "features": form.features,
        "contact_channel": form.contact,
        "summary": form.summary or "",
        "sentiment": form.sentiment,
        "source_permalink": metadata.source_permalink,
        "first_contact_at": first_contact,
    }
    try:
        return parse_submission(data, rules, now=now)
    except FieldErrors as exc:
        raise FieldErrors(block_errors(exc)) from exc


def block_errors(exc: FieldErrors, blocks: set[str] | None = None) -> dict[str, str]:
    """Service field errors keyed by the block that shows them (first message per block).

    ``blocks``: the block_ids the submitted view has; an error for a block it lacks is
    shown on the summary, which every report modal has, so it is never lost.
    """
    mapped: dict[str, str] = {}
    for key, message in exc.errors.items():
        block = FIELD_BLOCKS.get(key, key)
        if blocks is not None and block not in blocks:
            block = ReportIds.summary_block
        mapped.setdefault(block, message)
    return mapped
