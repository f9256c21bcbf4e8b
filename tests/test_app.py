"""The entry point as a user runs it: without tokens it explains (the demo: test_demo.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run app.py from an empty directory (no .env) with no Slack settings in the env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_without_tokens_it_explains_in_one_paragraph_and_points_at_the_demo(
    tmp_path: Path,
) -> None:
    result = _run(tmp_path)
    assert result.returncode == 2
    text = result.stdout.strip()
    assert "\n\n" not in text  # one paragraph
    assert "(missing: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)" in text
    assert "manifest.yml" in text
    assert "python app.py demo" in text


def test_a_bad_log_level_is_a_clean_configuration_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env={**env, "LOG_LEVEL": "verbose"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert completed.returncode == 2
    assert "LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING'" in completed.stderr
    assert "Traceback" not in completed.stderr
