"""Operators reword any message from TEMPLATES_DIR; a broken override stops the app at
startup with the file and line, instead of failing at 3 a.m. during an incident."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

import app
from bot.config import Settings
from bot.rendering import TemplateConfigError
from tests.handlers.test_cadence import CHANNEL, declare, sqlite_only


def _override(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@sqlite_only
def test_an_override_rewords_the_channel_reminder(app_factory, tmp_path: Path) -> None:
    _override(
        tmp_path,
        "cadence/due.j2",
        ":bell: {{ milestone | capitalize }} for #{{ incident.id }} owed since "
        "{{ due | date('{time}') }} ({{ overdue }} late).",
    )
    harness = app_factory(templates_dir=str(tmp_path))
    declare(harness)
    harness.advance(timedelta(minutes=20))
    [text] = [m["text"] for m in harness.fake.messages(CHANNEL) if "Update for" in m["text"]]
    assert text.startswith(":bell: Update for #1 owed since <!date^")
    assert text.endswith("(5m late).")


@sqlite_only
@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("A nudge\n{% if milestone %}\nno end", r"cadence/nudge\.j2, line 3"),
        ("A nudge\n\nfor {{ incident.nickname }}", r"cadence/nudge\.j2, line 3: .*nickname"),
    ],
)
def test_building_the_app_with_a_broken_override_names_file_and_line(
    make_settings: Callable[..., Settings], engine: Engine, tmp_path: Path, text: str, where: str
) -> None:
    _override(tmp_path, "cadence/nudge.j2", text)
    with pytest.raises(TemplateConfigError, match=where):
        app.build(make_settings(templates_dir=str(tmp_path)), engine=engine)


@sqlite_only
def test_the_app_refuses_to_start_with_a_broken_override(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    tmp_path: Path,
) -> None:
    templates = tmp_path / "templates"
    broken = _override(templates, "cadence/escalation.j2", "Escalate {{ incident.id }\n")
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_APP_TOKEN": "",
        "DATABASE_URL": db_url,
        "TEMPLATES_DIR": str(templates),
    }.items():
        monkeypatch.setenv(name, value)
    assert app.main([]) == 2
    error = capsys.readouterr().err
    assert f"{broken}, line 1" in error
