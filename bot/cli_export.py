"""``python app.py export --since YYYY-MM-DD [--out DIR]``: stored facts as CSV for BI tools.

Five files, one row per stored row since the date (UTC): incidents (opened since), reports
(attached since), updates (posted since), followups and credits (written since). Rows are
streamed, so a year of reports does not have to fit in memory.
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.config import Settings
from bot.db import ensure_migrated, make_engine, make_session_factory
from bot.models import Followup, Incident, Report, SlaCredit, StatusUpdate

EXPORTS: dict[str, tuple[type[Any], str]] = {
    "incidents": (Incident, "opened_at"),
    "reports": (Report, "created_at"),
    "updates": (StatusUpdate, "posted_at"),
    "followups": (Followup, "created_at"),
    "credits": (SlaCredit, "created_at"),
}
_BATCH = 5000


def parse_since(value: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"--since {value!r} is not a date like 2026-01-31") from exc
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def export_csv(session: Session, since: datetime, out: Path) -> dict[str, int]:
    """Write the five files into ``out``; returns the rows written per file."""
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for name, (model, moment) in EXPORTS.items():
        columns = [column.key for column in model.__table__.columns]
        attributes: list[InstrumentedAttribute[Any]] = [getattr(model, c) for c in columns]
        query = (
            select(*attributes)
            .where(getattr(model, moment) >= since)
            .order_by(getattr(model, moment), model.id)
            .execution_options(yield_per=_BATCH)
        )
        count = 0
        with (out / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in session.execute(query):
                writer.writerow([_cell(value) for value in row])
                count += 1
        written[name] = count
    return written


def export_command(settings: Settings, since_text: str, out_dir: str) -> int:
    try:
        since = parse_since(since_text)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    ensure_migrated(engine, auto_migrate=settings.auto_migrate)
    try:
        with make_session_factory(engine)() as session:
            written = export_csv(session, since, Path(out_dir))
    finally:
        engine.dispose()
    summary = ", ".join(f"{name}.csv {count}" for name, count in written.items())
    print(f"Exported rows since {since:%Y-%m-%d} to {out_dir}: {summary}.")
    return 0


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return str(value)
    return value
