"""The /liaison router: help, unknown subcommands, and errors the user can act on."""

from __future__ import annotations

from tests.harness import Harness


def test_help_lists_every_subcommand_with_one_line(harness: Harness) -> None:
    response = harness.command("help")
    text = response.body
    router_names = ["declare", "status", "severity", "resolve", "reopen"]
    for name in router_names:
        assert f"`/liaison {name}" in text
    assert text.count("\n• ") >= len(router_names)


def test_empty_command_shows_help(harness: Harness) -> None:
    assert "Usage: `/liaison <subcommand>`" in harness.command("").body


def test_unknown_subcommand_suggests_the_closest_one(harness: Harness) -> None:
    text = harness.command("stauts").body
    assert "`stauts` is not a Liaison subcommand" in text
    assert "Did you mean `/liaison status`?" in text
    assert "/liaison help" in text


def test_unknown_subcommand_without_a_close_match(harness: Harness) -> None:
    text = harness.command("xyzzy").body
    assert "`xyzzy` is not a Liaison subcommand" in text
    assert "Did you mean" not in text


def test_a_database_failure_is_named_as_such(harness: Harness) -> None:
    harness.liaison.engine.dispose()
    harness.rt.sessions.configure(bind=_broken_engine())
    harness.command("status", channel="CSUPPORT")
    reply = harness.last_reply()
    assert "could not reach its database, so nothing was saved" in reply
    assert "error id" in reply


def _broken_engine():
    from sqlalchemy import create_engine

    return create_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
