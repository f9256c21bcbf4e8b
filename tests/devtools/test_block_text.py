"""The demo's Block Kit to text rendering copes with any message or view."""

from __future__ import annotations

from bot.devtools.block_text import BlockText, mrkdwn_to_text
from bot.slack.report_modal import (
    IncidentChoice,
    ReportChoices,
    ReportModalMetadata,
    ReportPrefill,
    build_report_modal,
)

NAMES = {"U1": "Alex Rivera", "C1": "inc-sev2-checkout-eu"}
TEXT = BlockText(user=NAMES.get, channel=NAMES.get)


def test_mrkdwn_tokens_become_readable() -> None:
    text = (
        "<@U1> in <#C1> and <#C2|named>: <https://x.example/t/1|ticket 1> <https://y.example> "
        "<!here> <!subteam^S1|@support> <!date^1795437600^{date}|2026-11-23 10:00 UTC> "
        "a &lt;b&gt; &amp; c"
    )
    assert mrkdwn_to_text(text, user=NAMES.get, channel=NAMES.get) == (
        "@Alex Rivera in #inc-sev2-checkout-eu and #named: ticket 1 (https://x.example/t/1) "
        "https://y.example @here @support 2026-11-23 10:00 UTC a <b> & c"
    )


def test_every_block_kind_renders_and_unknown_ones_are_named() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Impact"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*3* customers"},
            "fields": [{"type": "mrkdwn", "text": "*Region*\neu-west"}],
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"}},
        },
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "by <@U1>"}]},
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Accept"}},
                {"type": "button", "text": {"type": "plain_text", "text": "Hand off"}},
            ],
        },
        {"type": "image", "image_url": "https://x/i.png", "alt_text": "chart"},
        {"type": "rich_text", "elements": [{"type": "rich_text_section",
                                            "elements": [{"type": "text", "text": "quoted"}]}]},
        {"type": "table", "rows": []},
    ]  # fmt: skip
    assert TEXT.message("fallback", blocks) == [
        "IMPACT",
        "*3* customers",
        "  *Region* eu-west",
        "  [Open]",
        "────────",
        "  by @Alex Rivera",
        "[Accept] [Hand off]",
        "[Image: chart]",
        "quoted",
        "[table block]",
    ]
    assert TEXT.message("just text <@U1>", None) == ["just text @Alex Rivera"]


def test_a_modal_shows_its_inputs_as_labelled_fields() -> None:
    view = build_report_modal(
        ReportChoices([IncidentChoice(1, "Checkout", "sev2")], ["eu"], ["standard"], ["login"]),
        ReportPrefill(incident_id=1, summary="Card declined", notes=["Source: <#C1>"]),
        ReportModalMetadata(),
    )
    lines = TEXT.view(view)
    assert lines[0] == "┌ Attach customer report ┐"
    assert "Incident *: [#1 Checkout (sev2) ▾]" in lines
    assert "Ticket (ID or link): [48213, SF-00123 or https://…]" in lines
    assert "Platform: [Choose, 6 choices ▾]" in lines
    assert "Region: [Choose, 1 choice ▾]" in lines
    assert "Summary *: [Card declined]" in lines
    assert "  Source: #inc-sev2-checkout-eu" in lines
    assert lines[-1] == "[Cancel] [Attach]"


def test_a_long_prefilled_text_area_is_shown_in_full() -> None:
    draft = "We are aware of an issue affecting checkout in eu-west. " * 3 + "\nMore soon."
    block = {
        "type": "input",
        "block_id": "message",
        "label": {"type": "plain_text", "text": "Message for customers"},
        "element": {
            "type": "plain_text_input",
            "action_id": "message_input",
            "multiline": True,
            "initial_value": draft,
        },
    }
    assert TEXT.block(block) == [
        "Message for customers *:",
        "  │ " + draft.splitlines()[0].rstrip(),
        "  │ More soon.",
    ]
