"""Reading a submitted report modal back: Slack's view state -> a typed form -> a submission.

Slack sends ``state.values[block_id][action_id]`` with a different shape per element;
``read_report_state`` flattens that into ``ReportForm``. ``submission_from_form`` checks
what only the modal knows (configured choices, the time picker) and runs the service's
validation, so every problem comes back keyed by the block_id it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.errors import FieldErrors
from bot.ids import ReportIds
from bot.services.reports import ReportSubmission, parse_submission
from bot.slack.report_modal import (
    TICKET_LIMIT,
    VERSION_LIMIT,
    ReportChoices,
    ReportModalMetadata,
    split_account_value,
)

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
}
# A customer's first contact may be stamped a little ahead of our clock (their clock).
_FUTURE_TOLERANCE = timedelta(minutes=5)


class ReportForm(BaseModel):
    """The modal's answers as submitted: option values and raw text, nothing checked yet."""

    model_config = ConfigDict(frozen=True)

    incident: str | None = None
    account: str | None = None
    ticket: str | None = None
    first_contact: int | None = None
    region: str | None = None
    tier: str | None = None
    version: str | None = None
    platform: str | None = None
    features: list[str] = []
    contact: str | None = None
    summary: str | None = None
    sentiment: str | None = None


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
    """Flatten ``view.state.values``; blocks missing from the view are simply unanswered."""
    answers: dict[str, Any] = {}
    for name, (block_id, action_id) in _STATE_FIELDS.items():
        state = (values.get(block_id) or {}).get(action_id)
        if state:
            answers[name] = _element_value(state)
    return ReportForm.model_validate({k: v for k, v in answers.items() if v is not None})


def _element_value(state: Mapping[str, Any]) -> Any:
    if "selected_options" in state:
        return [o["value"] for o in state.get("selected_options") or []]
    if "selected_option" in state:
        selected = state.get("selected_option")
        return selected.get("value") if selected else None
    if "selected_date_time" in state:
        return state.get("selected_date_time")
    return state.get("value")


def submission_from_form(
    form: ReportForm,
    metadata: ReportModalMetadata,
    choices: ReportChoices,
    *,
    now: datetime,
) -> ReportSubmission:
    """Check the form and build the service's submission; raises FieldErrors by block_id."""
    errors: dict[str, str] = {}
    if form.region and form.region not in choices.regions:
        errors[ReportIds.region_block] = "That region is no longer offered; pick another."
    if form.tier and form.tier not in choices.tiers:
        errors[ReportIds.tier_block] = "That tier is no longer offered; pick another."
    unknown = [f for f in form.features if f not in choices.features]
    if unknown:
        errors[ReportIds.features_block] = f"No longer offered: {', '.join(unknown)}."
    if form.ticket and len(form.ticket.strip()) > TICKET_LIMIT:
        errors[ReportIds.ticket_block] = f"Keep the ticket under {TICKET_LIMIT} characters."
    if form.version and len(form.version.strip()) > VERSION_LIMIT:
        errors[ReportIds.version_block] = f"Keep the version under {VERSION_LIMIT} characters."
    first_contact = None
    if form.first_contact is not None:
        first_contact = datetime.fromtimestamp(form.first_contact, UTC)
        if first_contact > now + _FUTURE_TOLERANCE:
            errors[ReportIds.first_contact_block] = "That is in the future; when did they write?"
    account_id, customer_name = split_account_value(form.account)
    data: dict[str, object] = {
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
        submission = parse_submission(data)
    except FieldErrors as exc:
        errors = {**block_errors(exc), **errors}
        raise FieldErrors(errors) from exc
    if errors:
        raise FieldErrors(errors)
    if submission.account_id is None and not submission.customer_name:
        message = "Pick the customer's account or type their name."
        raise FieldErrors({ReportIds.account_block: message})
    return submission


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
