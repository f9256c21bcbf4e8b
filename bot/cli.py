"""Command-line tasks that run beside the app (``python app.py import-accounts FILE``)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.clock import Clock
from bot.config import Settings
from bot.db import ensure_migrated, make_engine, make_session_factory
from bot.services.accounts import CsvFormatError, ImportResult, import_accounts_csv


def import_accounts_command(settings: Settings, csv_path: str, clock: Clock) -> int:
    """Import the directory; exit 0 if every row was imported, 1 if some were rejected."""
    path = Path(csv_path)
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    ensure_migrated(engine, auto_migrate=settings.auto_migrate)
    try:
        result = import_accounts_csv(
            make_session_factory(engine), path.read_text(encoding="utf-8-sig"), now=clock.now()
        )
    except CsvFormatError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(describe_import(path.name, result))
    return 1 if result.errors else 0


def describe_import(name: str, result: ImportResult) -> str:
    lines = [f"{name}: {result.created} accounts added, {result.updated} updated."]
    if result.errors:
        lines.append(f"{len(result.errors)} rows skipped:")
        lines.extend(f"  line {line}: {message}" for line, message in result.errors)
    return "\n".join(lines)
