"""Liaison settings, mention parsing, Block Kit builders and the topic text."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from bot.config import ConfigError, load_settings
from bot.ids import LiaisonIds
from bot.rendering import Renderer
from bot.services.liaison.messages import topic
from bot.slack.blocks import TEXT_LIMIT
from bot.slack.liaison_blocks import announcement_blocks, checklist_blocks, hand_off_modal
from bot.slack.mentions import parse_user_mention


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@U0123ABC|alex>", "U0123ABC"),
        ("<@U0123ABC>", "U0123ABC"),
        ("<@W0123ABC|alex.smith>", "W0123ABC"),
        ("  U0123ABC ", "U0123ABC"),
        ("@alex", None),
        ("<#C0123|general>", None),
        ("<!subteam^S0123|liaisons>", None),
        ("alex", None),
        ("", None),
    ],
)
def test_user_mentions_escaped_or_raw_are_read(text: str, expected: str | None) -> None:
    assert parse_user_mention(text) == expected


def test_liaison_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    settings = load_settings(_env_file=None)
    assert settings.liaison_working_hours == "09:00-18:00"
    assert settings.liaison_accept_timeout == timedelta(minutes=5)
    assert (settings.liaison_usergroup, settings.liaison_users) == ("", [])


def test_liaison_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_USERS", "U01AAA, U02BBB,U01AAA")
    monkeypatch.setenv("LIAISON_USERGROUP", "S0LIAISON")
    monkeypatch.setenv("LIAISON_ACCEPT_TIMEOUT", "90s")
    monkeypatch.setenv("LIAISON_WORKING_HOURS", "24/7")
    settings = load_settings(_env_file=None)
    assert settings.liaison_users == ["U01AAA", "U02BBB"]
    assert settings.liaison_usergroup == "S0LIAISON"
    assert settings.liaison_accept_timeout == timedelta(seconds=90)
    assert settings.liaison_working_hours == "24/7"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LIAISON_WORKING_HOURS", "9 to 5", "LIAISON_WORKING_HOURS: .*not opening hours"),
        ("LIAISON_WORKING_HOURS", "18:00-09:00", "LIAISON_WORKING_HOURS: .*closing time"),
        ("LIAISON_ACCEPT_TIMEOUT", "soon", "LIAISON_ACCEPT_TIMEOUT"),
        ("LIAISON_ACCEPT_TIMEOUT", "0s", "LIAISON_ACCEPT_TIMEOUT: .*longer than zero"),
        ("LIAISON_USERS", "U01AAA,@alex", "LIAISON_USERS: .*not Slack user ids"),
        ("LIAISON_USERGROUP", "@liaisons", "LIAISON_USERGROUP: .*not a user group id"),
        ("LIAISON_ESCALATION", "#support", "LIAISON_ESCALATION: .*not a Slack user id"),
    ],
)
def test_bad_liaison_settings_stop_the_app_with_their_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings(_env_file=None)


def test_announcement_blocks_carry_the_assignment_on_both_buttons() -> None:
    blocks = announcement_blocks("text", ["a note", ""], assignment_id=42, with_buttons=True)
    assert [b["type"] for b in blocks] == ["section", "context", "actions"]
    actions = blocks[-1]
    assert actions["block_id"] == LiaisonIds.buttons_block
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (LiaisonIds.accept, "42"),
        (LiaisonIds.hand_off, "42"),
    ]
    assert actions["elements"][0]["style"] == "primary"
    closed = announcement_blocks("text", [], assignment_id=42, with_buttons=False)
    assert [b["type"] for b in closed] == ["section"]


def test_long_texts_are_clipped_to_slacks_limit() -> None:
    [section] = checklist_blocks(["x" * 5000], assignment_id=1, with_buttons=False)
    assert len(section["text"]["text"]) == TEXT_LIMIT


def test_hand_off_modal_has_a_required_user_and_an_optional_note() -> None:
    modal = hand_off_modal("Pick someone", '{"assignment_id": 3}')
    assert modal["callback_id"] == LiaisonIds.hand_off_modal
    assert len(modal["title"]["text"]) <= 24
    user, note = modal["blocks"][1:]
    assert (user["block_id"], user["element"]["type"]) == (
        LiaisonIds.hand_off_user_block,
        "users_select",
    )
    assert "optional" not in user
    assert (note["block_id"], note["optional"]) == (LiaisonIds.hand_off_note_block, True)
    assert note["element"]["multiline"] is True
    assert modal["private_metadata"] == '{"assignment_id": 3}'


def _rt() -> SimpleNamespace:
    return SimpleNamespace(renderer=Renderer())


def test_the_topic_gets_the_liaison_and_keeps_the_rest() -> None:
    assert topic(_rt(), "", "Ana") == "Customer Liaison: Ana"
    assert topic(_rt(), "IC: Casey", "Ana") == "IC: Casey | Customer Liaison: Ana"
    assert (
        topic(_rt(), "IC: Casey | Customer Liaison: Ana | Bridge: zoom", "Ben")
        == "IC: Casey | Bridge: zoom | Customer Liaison: Ben"
    )


def test_a_long_topic_is_cut_so_the_liaison_still_fits() -> None:
    result = topic(_rt(), "x" * 300, "Ana")
    assert len(result) <= 250
    assert result.endswith(" | Customer Liaison: Ana")
