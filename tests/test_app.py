"""The entry point as a user runs it: without tokens it explains; ``demo`` plays an incident."""

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


def test_the_demo_plays_a_scripted_incident(tmp_path: Path) -> None:
    result = _run(tmp_path, "demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    expected_in_order = [
        "[09:40]  ▶ The support lead loads the customer directory",
        "[09:42]  #inc-sev2-checkout-eu",
        "is the *Customer Liaison* for *incident #1*",
        "*Incident #1 opened* — Checkout eu",
        "[09:43]  ▶ Jordan, asked to be the Customer Liaison, presses Accept.",
        "[09:46]  modal for Alex Rivera",
        "┌ Attach customer report ┐",
        "Incident *: [#1 Checkout eu (sev2) · #inc-sev2-checkout-eu ▾]",
        "Alex Rivera types “acme”: the menu offers",
        "• Acme Corp · enterprise · eu-west · VIP",
        "[09:46]  DM to Alex Rivera",
        "Report attached to *incident #1*",
        "Incident channel: #inc-sev2-checkout-eu · 1 report from 1 customer so far.",
        "form for Blair Chen not accepted",
        "⚠ Summary: Describe what the customer reported.",
        "*Customer:* Bluth Company (not in the accounts directory)",
        "Acme Corp had already reported this incident",
        "Source: the customer's message (https://",
        "[09:57]  ▶ Jordan asks for the impact picture: `/liaison impact`.",
        "[09:59]  private reply to Casey Morgan",
        "4 customer reports from 3 distinct customers",
        "changed the severity of incident #1 from *sev2* to *sev1*",
        "A status update for *incident #1* is overdue",
        "resolved *incident #1*",
        "There is no open incident to attach a customer report to.",
        "End of the demo.",
    ]
    position = 0
    for line in expected_in_order:
        found = out.find(line, position)
        assert found >= 0, f"{line!r} missing (or out of order) in:\n{out}"
        position = found
    assert "Slack would have refused" not in out


def test_a_bad_log_level_is_a_clean_configuration_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "app.py")], cwd=tmp_path, env={**env, "LOG_LEVEL": "verbose"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert completed.returncode == 2
    assert "LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING'" in completed.stderr
    assert "Traceback" not in completed.stderr
