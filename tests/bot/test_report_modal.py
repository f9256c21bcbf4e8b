"""The report modal's builders and the parsing of its submitted state (pure functions)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bot.devtools.slack_requests import fill_view
from bot.errors import FieldErrors
from bot.ids import ReportIds
from bot.services.accounts import AccountMatch
from bot.services.reports import IntakeRules, Platform
from bot.slack.report_form import block_errors, read_report_state, submission_from_form
from bot.slack.report_modal import (
    IncidentChoice,
    ReportChoices,
    ReportModalMetadata,
    ReportPrefill,
    account_options,
    build_report_modal,
    split_account_value,
    summary_from_message,
)

SCHEMA_PATH = Path(__file__).resolve().parents[2].parent / "shared/slack/block-kit.schema.json"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CHOICES = ReportChoices(
    incidents=[
        IncidentChoice(2, "Login slow", "sev3", "inc-login"),
        IncidentChoice(1, "Checkout failing in EU", "sev2", "inc-sev2-checkout-eu"),
    ],
    regions=["eu-west", "us-east"],
    tiers=["standard", "enterprise"],
    features=["checkout", "payments"],
)
RULES = IntakeRules(regions=CHOICES.regions, tiers=CHOICES.tiers, features=CHOICES.features)


def _validate_modal(view: dict[str, Any]) -> None:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"Block Kit schema not found at {SCHEMA_PATH}")
    schema = json.loads(SCHEMA_PATH.read_text())
    validator = Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/modal_view"})
    payload = json.loads(json.dumps(view))
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(payload)]
    assert errors == []


def _blocks(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block for block in view["blocks"] if "block_id" in block}


def _submit(view: dict[str, Any], answers: dict[str, Any]):
    form = read_report_state(fill_view(view, answers))
    metadata = ReportModalMetadata.load(view["private_metadata"])
    return submission_from_form(form, metadata, RULES, now=NOW, owner_id="UAGENT")


def _modal(**prefill: Any) -> dict[str, Any]:
    return build_report_modal(
        CHOICES, ReportPrefill(**prefill), ReportModalMetadata(origin_channel_id="C1")
    )


def test_the_modal_is_valid_block_kit_with_every_field() -> None:
    view = _modal(incident_id=1, summary="Card declined", notes=["Source: a message"])
    _validate_modal(view)
    assert view["callback_id"] == "report.submit"
    assert len(view["title"]["text"]) <= 24
    blocks = _blocks(view)
    assert list(blocks) == [
        ReportIds.incident_block,
        ReportIds.account_block,
        ReportIds.ticket_block,
        ReportIds.first_contact_block,
        ReportIds.region_block,
        ReportIds.tier_block,
        ReportIds.version_block,
        ReportIds.platform_block,
        ReportIds.features_block,
        ReportIds.contact_block,
        ReportIds.summary_block,
        ReportIds.source_block,
        ReportIds.sentiment_block,
    ]
    required = [
        b for b, block in blocks.items() if block["type"] == "input" and not block.get("optional")
    ]
    assert required == [ReportIds.incident_block, ReportIds.account_block, ReportIds.summary_block]
    assert blocks[ReportIds.account_block]["element"]["type"] == "external_select"
    assert blocks[ReportIds.features_block]["element"]["type"] == "multi_static_select"
    assert blocks[ReportIds.first_contact_block]["element"]["type"] == "datetimepicker"
    platforms = [o["text"]["text"] for o in blocks[ReportIds.platform_block]["element"]["options"]]
    assert platforms == ["Web", "iOS", "Android", "Desktop", "API", "Other"]


def test_the_channels_incident_is_preselected() -> None:
    incident = _blocks(_modal(incident_id=1))[ReportIds.incident_block]["element"]
    assert incident["initial_option"]["value"] == "1"
    assert incident["initial_option"]["text"]["text"] == (
        "#1 Checkout failing in EU (sev2) · #inc-sev2-checkout-eu"
    )
    assert "initial_option" not in _blocks(_modal())[ReportIds.incident_block]["element"]


def test_a_preselected_incident_beyond_the_option_limit_is_still_offered() -> None:
    many = [IncidentChoice(i, f"Incident {i}", "sev3") for i in range(150, 0, -1)]
    choices = ReportChoices(incidents=many, regions=[], tiers=[], features=[])
    view = build_report_modal(choices, ReportPrefill(incident_id=1), ReportModalMetadata())
    _validate_modal(view)
    element = _blocks(view)[ReportIds.incident_block]["element"]
    assert len(element["options"]) == 100
    assert element["options"][-1]["value"] == "1"
    assert element["initial_option"]["value"] == "1"
    # Nothing configured to choose from: those selects are left out rather than empty.
    assert ReportIds.region_block not in _blocks(view)
    assert ReportIds.features_block not in _blocks(view)


def test_long_titles_are_cut_to_slacks_option_limit() -> None:
    choices = ReportChoices([IncidentChoice(1, "x" * 300, "sev1")], ["eu"], ["t"], ["f"])
    view = build_report_modal(choices, ReportPrefill(), ReportModalMetadata())
    _validate_modal(view)


def test_private_metadata_round_trips_and_tolerates_garbage() -> None:
    metadata = ReportModalMetadata(origin_channel_id="C1", source_permalink="https://x/p1")
    assert ReportModalMetadata.load(metadata.dump()) == metadata
    assert ReportModalMetadata.load("not json") == ReportModalMetadata()
    assert ReportModalMetadata.load(None) == ReportModalMetadata()


def test_account_options_offer_matches_then_the_typed_name() -> None:
    matches = [
        AccountMatch("ACME-1", "Acme Corp", "enterprise", "eu-west", True),
        AccountMatch("ACME-2", "Acme Labs", None, None, False),
    ]
    options = account_options(matches, "  acme  ")
    assert [(o["text"]["text"], o["value"]) for o in options] == [
        ("Acme Corp · enterprise · eu-west · VIP", "account:ACME-1"),
        ("Acme Labs", "account:ACME-2"),
        ("Use “acme” (not in the directory)", "name:acme"),
    ]
    exact = account_options(matches, "Acme Labs")
    assert [o["value"] for o in exact] == ["account:ACME-1", "account:ACME-2"]
    assert account_options([], "") == []


def test_the_typed_name_option_stays_within_slacks_value_limit() -> None:
    [typed] = account_options([], "n" * 400)
    assert len(typed["value"]) == 150
    assert len(typed["text"]["text"]) <= 75


def test_account_values_are_split_into_account_or_name() -> None:
    assert split_account_value("account:ACME-1") == ("ACME-1", None)
    assert split_account_value("name: Globex ") == (None, "Globex")
    assert split_account_value(None) == (None, None)


def test_summary_from_a_message_is_unescaped_and_clipped() -> None:
    assert summary_from_message("Can&apos;t pay &lt;EU&gt; &amp; UK") == (
        "Can't pay <EU> & UK",
        None,
    )
    summary, original = summary_from_message("y" * 4210)
    assert (len(summary), original) == (3000, 4210)
    assert summary.endswith("…")


def test_a_full_submission_is_parsed_into_the_service_model() -> None:
    view = _modal(incident_id=1)
    submission = _submit(
        view,
        {
            ReportIds.account_block: ("account:ACME-1", "Acme Corp"),
            ReportIds.ticket_block: "https://acme.zendesk.com/agent/tickets/48213",
            ReportIds.first_contact_block: int(NOW.timestamp()) - 600,
            ReportIds.region_block: "eu-west",
            ReportIds.tier_block: "enterprise",
            ReportIds.version_block: "4.12.1",
            ReportIds.platform_block: "ios",
            ReportIds.features_block: ["checkout", "payments"],
            ReportIds.contact_block: "chat",
            ReportIds.summary_block: "  Card declined at checkout  ",
            ReportIds.sentiment_block: "frustrated",
        },
    )
    assert submission.incident_id == 1
    assert (submission.account_id, submission.customer_name) == ("ACME-1", None)
    assert submission.platform is Platform.ios
    assert submission.features == ["checkout", "payments"]
    assert submission.summary == "Card declined at checkout"
    assert submission.first_contact_at == datetime(2026, 11, 23, 9, 50, tzinfo=UTC)


def test_a_typed_customer_name_is_accepted() -> None:
    submission = _submit(
        _modal(incident_id=1),
        {ReportIds.account_block: "name:Globex", ReportIds.summary_block: "Down"},
    )
    assert (submission.account_id, submission.customer_name) == (None, "Globex")


def test_errors_are_keyed_by_block_id() -> None:
    view = _modal()
    with pytest.raises(FieldErrors) as caught:
        _submit(
            view,
            {
                ReportIds.account_block: "name:Globex",
                ReportIds.ticket_block: "https://",
                ReportIds.summary_block: "   ",
                ReportIds.first_contact_block: int(NOW.timestamp()) + 3600,
            },
        )
    errors = caught.value.errors
    assert set(errors) == {
        ReportIds.incident_block,
        ReportIds.ticket_block,
        ReportIds.summary_block,
        ReportIds.first_contact_block,
    }
    assert errors[ReportIds.incident_block] == "Choose the incident this report belongs to."
    assert errors[ReportIds.summary_block] == "Describe what the customer reported."
    assert "not a valid http(s) URL" in errors[ReportIds.ticket_block]
    assert "in the future" in errors[ReportIds.first_contact_block]


def test_values_the_modal_does_not_offer_are_refused() -> None:
    view = _modal(incident_id=1)
    values = fill_view(view, {ReportIds.account_block: "name:Globex", ReportIds.summary_block: "x"})
    values[ReportIds.platform_block][ReportIds.platform_input]["selected_option"] = {
        "text": {"type": "plain_text", "text": "Fax"},
        "value": "fax",
    }
    values[ReportIds.region_block][ReportIds.region_input]["selected_option"] = {
        "text": {"type": "plain_text", "text": "Mars"},
        "value": "mars",
    }
    with pytest.raises(FieldErrors) as caught:
        submission_from_form(
            read_report_state(values), ReportModalMetadata(), RULES, now=NOW, owner_id="UAGENT"
        )
    assert caught.value.errors == {
        ReportIds.platform_block: "Pick one of the listed values.",
        ReportIds.region_block: "That region is no longer offered; pick another.",
    }


def test_a_summary_over_the_limit_is_refused() -> None:
    with pytest.raises(FieldErrors) as caught:
        _submit(
            _modal(incident_id=1),
            {ReportIds.account_block: "name:Globex", ReportIds.summary_block: "z" * 3001},
        )
    assert caught.value.errors == {
        ReportIds.summary_block: "The summary is 3,001 characters; keep it under 3,000."
    }


def test_a_missing_customer_is_refused_on_the_account_field() -> None:
    with pytest.raises(FieldErrors) as caught:
        _submit(_modal(incident_id=1), {ReportIds.summary_block: "x"})
    assert set(caught.value.errors) == {ReportIds.account_block}


def test_service_errors_for_blocks_not_in_the_view_land_on_the_summary() -> None:
    errors = FieldErrors({"incident_id": "Resolved meanwhile.", "features": "Unknown."})
    mapped = block_errors(errors, {ReportIds.incident_block, ReportIds.summary_block})
    assert mapped == {
        ReportIds.incident_block: "Resolved meanwhile.",
        ReportIds.summary_block: "Unknown.",
    }
