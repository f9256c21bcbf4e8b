"""The customer report modal (``/liaison report`` and the *Attach to incident* shortcut).

Pure builders: they take what the modal offers (open incidents, configured choices) and
what it starts with (preselected incident, summary from a message), and return the view.
The account field is an external select fed by ``account_options`` as the agent types.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.ids import ReportIds
from bot.services.accounts import AccountMatch
from bot.services.reports import (
    PLATFORM_LABELS,
    SUMMARY_LIMIT,
    TICKET_LIMIT,
    VERSION_LIMIT,
    ContactChannel,
    Platform,
    Sentiment,
)
from bot.slack.blocks import OPTION_LIMIT, Block, clip, context, input_block, option, plain

TITLE = "Attach customer report"
# External-select option values say whether the agent picked a directory account or
# typed a name the directory does not know.
ACCOUNT_PREFIX = "account:"
NAME_PREFIX = "name:"
_VALUE_LIMIT = 150

CONTACT_LABELS = {
    ContactChannel.email: "Email",
    ContactChannel.chat: "Chat",
    ContactChannel.phone: "Phone",
    ContactChannel.social: "Social media",
    ContactChannel.other: "Other",
}
SENTIMENT_LABELS = {
    Sentiment.calm: "Calm",
    Sentiment.concerned: "Concerned",
    Sentiment.frustrated: "Frustrated",
    Sentiment.angry: "Angry",
}


class ReportModalMetadata(BaseModel):
    """What the modal carries from opening to submission in ``private_metadata``."""

    model_config = ConfigDict(extra="ignore")

    origin_channel_id: str | None = None
    source_permalink: str | None = None

    def dump(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def load(cls, raw: str | None) -> ReportModalMetadata:
        """Read it back; a modal opened by an older version (or none) yields empty metadata."""
        if not raw:
            return cls()
        try:
            return cls.model_validate_json(raw)
        except ValidationError:
            return cls()


@dataclass(frozen=True)
class IncidentChoice:
    """An open incident as the incident select shows it."""

    id: int
    title: str
    severity: str
    channel_name: str | None = None


@dataclass(frozen=True)
class ReportChoices:
    """Everything the modal offers: open incidents and the configured value lists."""

    incidents: Sequence[IncidentChoice]
    regions: Sequence[str]
    tiers: Sequence[str]
    features: Sequence[str]


@dataclass(frozen=True)
class ReportPrefill:
    """What the modal starts with; ``notes`` are rendered sentences shown under the summary."""

    incident_id: int | None = None
    summary: str = ""
    notes: Sequence[str] = field(default_factory=tuple)


def build_report_modal(
    choices: ReportChoices, prefill: ReportPrefill, metadata: ReportModalMetadata
) -> dict[str, Any]:
    """The report modal. Optional details stay optional: a report with only the incident,
    the customer and a summary is already useful at 3 a.m."""
    blocks: list[Block] = [
        _incidentinput_block(choices.incidents, prefill.incident_id),
        input_block(
            ReportIds.account_block,
            "Customer account",
            {
                "type": "external_select",
                "action_id": ReportIds.account_input,
                "placeholder": plain("Search the accounts directory"),
                "min_query_length": 0,
            },
            hint="Not in the directory? Type the customer's name and pick “Use …”.",
        ),
        input_block(
            ReportIds.ticket_block,
            "Ticket (ID or link)",
            {
                "type": "plain_text_input",
                "action_id": ReportIds.ticket_input,
                "max_length": TICKET_LIMIT,
                "placeholder": plain("48213, SF-00123 or https://…"),
            },
            optional=True,
        ),
        input_block(
            ReportIds.first_contact_block,
            "Customer first contacted us at",
            {"type": "datetimepicker", "action_id": ReportIds.first_contact_input},
            optional=True,
            hint="Starts the ticket's SLA clock; leave empty if it was just now.",
        ),
    ]
    blocks += _optional_select(
        ReportIds.region_block,
        ReportIds.region_input,
        "Region",
        [(region, region) for region in choices.regions],
        hint="Taken from the accounts directory when the account is listed there.",
    )
    blocks += _optional_select(
        ReportIds.tier_block,
        ReportIds.tier_input,
        "Customer tier",
        [(tier.capitalize(), tier) for tier in choices.tiers],
        hint="Taken from the accounts directory when the account is listed there.",
    )
    blocks.append(
        input_block(
            ReportIds.version_block,
            "Product version",
            {
                "type": "plain_text_input",
                "action_id": ReportIds.version_input,
                "max_length": VERSION_LIMIT,
                "placeholder": plain("e.g. 4.12.1"),
            },
            optional=True,
        )
    )
    blocks += _optional_select(
        ReportIds.platform_block,
        ReportIds.platform_input,
        "Platform",
        [(PLATFORM_LABELS[p], p.value) for p in Platform],
    )
    blocks += _optional_select(
        ReportIds.features_block,
        ReportIds.features_input,
        "Affected features",
        [(feature.capitalize(), feature) for feature in choices.features],
        multi=True,
    )
    blocks += _optional_select(
        ReportIds.contact_block,
        ReportIds.contact_input,
        "How they reached us",
        [(CONTACT_LABELS[c], c.value) for c in ContactChannel],
    )
    summary: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ReportIds.summary_input,
        "multiline": True,
        "placeholder": plain("What is the customer seeing? Quote them if you can."),
    }
    if prefill.summary:
        summary["initial_value"] = prefill.summary
    blocks.append(
        input_block(
            ReportIds.summary_block,
            "Summary",
            summary,
            hint=f"Up to {SUMMARY_LIMIT:,} characters.",
        )
    )
    if prefill.notes:
        source = context("\n".join(prefill.notes))
        source["block_id"] = ReportIds.source_block
        blocks.append(source)
    blocks += _optional_select(
        ReportIds.sentiment_block,
        ReportIds.sentiment_input,
        "Customer sentiment",
        [(SENTIMENT_LABELS[s], s.value) for s in Sentiment],
    )
    return {
        "type": "modal",
        "callback_id": ReportIds.modal,
        "title": plain(TITLE, 24),
        "submit": plain("Attach", 24),
        "close": plain("Cancel", 24),
        "private_metadata": metadata.dump()[:3000],
        "blocks": blocks,
    }


def incident_label(incident: IncidentChoice) -> str:
    where = f" · #{incident.channel_name}" if incident.channel_name else ""
    return f"#{incident.id} {incident.title} ({incident.severity}){where}"


def account_options(matches: Sequence[AccountMatch], typed: str) -> list[dict[str, Any]]:
    """Options for the account search: directory matches, then the typed text itself
    (unless it names a listed account exactly), so unknown customers can still be named."""
    options = [
        option(_account_label(match), f"{ACCOUNT_PREFIX}{match.account_id}")
        for match in matches[: OPTION_LIMIT - 1]
    ]
    name = " ".join(typed.split())
    exact = {m.name.lower() for m in matches} | {m.account_id.lower() for m in matches}
    if name and name.lower() not in exact:
        value = f"{NAME_PREFIX}{name}"[:_VALUE_LIMIT]
        options.append(option(f"Use “{clip(name, 50)}” (not in the directory)", value))
    return options


def split_account_value(value: str | None) -> tuple[str | None, str | None]:
    """``account:ACME-1`` -> ("ACME-1", None); ``name:Globex`` -> (None, "Globex")."""
    if not value:
        return None, None
    if value.startswith(ACCOUNT_PREFIX):
        return value[len(ACCOUNT_PREFIX) :] or None, None
    if value.startswith(NAME_PREFIX):
        return None, value[len(NAME_PREFIX) :].strip() or None
    return None, value.strip() or None


def summary_from_message(text: str) -> tuple[str, int | None]:
    """A Slack message's text as a summary: Slack's escapes undone, cut to the limit.

    Returns the summary and, when it had to be cut, the original length (so the modal
    can say so).
    """
    unescaped = html.unescape(text or "").strip()
    if len(unescaped) <= SUMMARY_LIMIT:
        return unescaped, None
    return clip(unescaped, SUMMARY_LIMIT), len(unescaped)


def _account_label(match: AccountMatch) -> str:
    details = [part for part in (match.tier, match.region) if part]
    if match.vip:
        details.append("VIP")
    suffix = f" · {' · '.join(details)}" if details else ""
    return f"{match.name}{suffix}"


def _incidentinput_block(incidents: Sequence[IncidentChoice], selected: int | None) -> Block:
    shown = list(incidents[:OPTION_LIMIT])
    chosen = next((i for i in incidents if i.id == selected), None)
    if chosen is not None and chosen not in shown:
        shown[-1] = chosen  # the preselected incident is always offered
    options = [option(incident_label(i), str(i.id)) for i in shown]
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": ReportIds.incident_input,
        "placeholder": plain("Choose an open incident"),
        "options": options,
    }
    if chosen is not None:
        element["initial_option"] = option(incident_label(chosen), str(chosen.id))
    return input_block(ReportIds.incident_block, "Incident", element)


def _optional_select(
    block_id: str,
    action_id: str,
    label: str,
    pairs: Sequence[tuple[str, str]],
    *,
    multi: bool = False,
    hint: str | None = None,
) -> list[Block]:
    """An optional select, or nothing when there is nothing to choose from."""
    if not pairs:
        return []
    element = {
        "type": "multi_static_select" if multi else "static_select",
        "action_id": action_id,
        "placeholder": plain("Choose" if not multi else "Choose any that apply"),
        "options": [option(text, value) for text, value in pairs[:OPTION_LIMIT]],
    }
    return [input_block(block_id, label, element, optional=True, hint=hint)]
