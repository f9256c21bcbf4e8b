from pathlib import Path

import pytest

from bot.rendering import Renderer, TemplateConfigError, escape_mrkdwn, sample_contexts


def test_every_builtin_template_renders_with_its_sample() -> None:
    renderer = Renderer()
    samples = sample_contexts()
    names = renderer.template_names()
    assert names, "no templates found"
    for name in names:
        assert name in samples, f"{name} has no sample context"
        assert renderer.render(name, **samples[name]).strip(), f"{name} rendered empty"
    renderer.validate_all()


def test_user_values_are_escaped_but_mentions_are_not() -> None:
    text = Renderer().render(
        "incidents/declared.j2",
        actor="U123",
        incident={"id": 1, "title": "<!channel> & co", "severity": "sev2", "is_major": True},
    )
    assert "&lt;!channel&gt; &amp; co" in text
    assert "<@U123>" in text


def test_escape_mrkdwn() -> None:
    assert escape_mrkdwn("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_override_directory_wins_per_file(tmp_path: Path) -> None:
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "reopened.j2").write_text("Back again: #{{ incident.id }}")
    renderer = Renderer(tmp_path)
    renderer.validate_all()
    assert renderer.render("incidents/reopened.j2", incident={"id": 4}) == "Back again: #4"


def test_override_with_a_syntax_error_is_reported_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "opened.j2").write_text("line one\n{% if %}\n")
    with pytest.raises(TemplateConfigError, match=r"opened\.j2, line 2"):
        Renderer(tmp_path).validate_all()


def test_override_with_an_undefined_variable_is_reported_with_file_and_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "opened.j2").write_text("ok\n\nHello {{ incident.nope }}\n")
    with pytest.raises(TemplateConfigError, match=r"opened\.j2, line 3: .*nope"):
        Renderer(tmp_path).validate_all()


def test_missing_override_directory_is_a_startup_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateConfigError, match="is not a directory"):
        Renderer(tmp_path / "missing")
