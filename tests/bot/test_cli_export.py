"""``app.py export``: the stored facts as CSV files for BI tools."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Engine

from bot.cli_export import export_csv, parse_since
from bot.db import make_session_factory
from tests import followup_facts as facts
from tests.followup_facts import at


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_export_writes_five_files_of_the_rows_since_the_date(
    engine: Engine, tmp_path: Path
) -> None:
    with make_session_factory(engine).begin() as session:
        old = facts.incident(session, opened=at(days=-30), resolved_at=at(days=-29))
        new = facts.incident(session, opened=at(0), resolved_at=at(90), title='Login, "slow"')
        facts.report(session, old, customer="Acme", created=at(days=-30))
        facts.report(session, new, customer="Acme", created=at(5))
        facts.report(session, new, customer="Globex", created=at(6))
        facts.update(session, new, posted=at(10), next_due=at(25))
        facts.followup(session, new, "Acme", state="told", told_at=at(120))
        facts.credit(session, new, "A1", 10, at(90))
    with make_session_factory(engine)() as session:
        written = export_csv(session, parse_since("2026-11-01"), tmp_path / "out")
    assert written == {"incidents": 1, "reports": 2, "updates": 1, "followups": 1, "credits": 1}
    incidents = _rows(tmp_path / "out" / "incidents.csv")
    assert incidents[0]["title"] == 'Login, "slow"'
    assert incidents[0]["opened_at"] == "2026-11-02T09:00:00+00:00"
    assert [r["customer_name"] for r in _rows(tmp_path / "out" / "reports.csv")] == [
        "Acme",
        "Globex",
    ]
    assert _rows(tmp_path / "out" / "followups.csv")[0]["state"] == "told"
    assert _rows(tmp_path / "out" / "credits.csv")[0]["percent"] == "10"


def test_a_bad_date_is_refused_with_the_expected_form() -> None:
    import pytest

    with pytest.raises(ValueError, match="not a date like 2026-01-31"):
        parse_since("last week")
