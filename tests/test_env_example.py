"""Every setting is documented in .env.example, so operators can find it."""

import re
from pathlib import Path

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_listed_in_env_example() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    missing = [
        name.upper()
        for name in Settings.model_fields
        if not re.search(rf"^#?\s*{name.upper()}=", text, re.MULTILINE)
    ]
    assert missing == []
