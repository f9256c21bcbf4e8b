"""The accounts directory: CSV import (bad rows reported, re-import updates) and search."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.clock import FakeClock
from bot.db import make_session_factory
from bot.models import Account
from bot.services.accounts import CsvFormatError, import_accounts_csv

ROOT = Path(__file__).resolve().parents[2]

CSV = """account_id,name,tier,region,vip,owner_email
1001,Acme Corp,Enterprise,EU-Central,yes,ignored@example.com
1002,Globex,standard,us-east,no,
,Missing Id,standard,us-east,no,
1003,,premium,eu-south,1,
1004,Initech,premium,eu-south,maybe,
1005,Umbrella,premium,eu-south,1,
"""


def _accounts(engine: Engine) -> dict[str, tuple]:
    with make_session_factory(engine)() as session:
        return {
            a.account_id: (a.name, a.tier, a.region, a.vip)
            for a in session.scalars(select(Account))
        }


def test_valid_rows_are_imported_and_bad_ones_reported_by_line(
    engine: Engine, clock: FakeClock
) -> None:
    result = import_accounts_csv(make_session_factory(engine), CSV, now=clock.now())
    assert (result.created, result.updated) == (3, 0)
    assert result.errors == [
        (4, "missing account id"),
        (5, "account 1003 has no name"),
        (6, "VIP flag 'maybe' for account 1004 is not yes/no/true/false/1/0"),
    ]
    assert _accounts(engine) == {
        "1001": ("Acme Corp", "enterprise", "eu-central", True),
        "1002": ("Globex", "standard", "us-east", False),
        "1005": ("Umbrella", "premium", "eu-south", True),
    }


def test_reimport_updates_rows_in_place(engine: Engine, clock: FakeClock) -> None:
    sessions = make_session_factory(engine)
    import_accounts_csv(sessions, CSV, now=clock.now())
    again = "id,Account Name,Tier,Region,VIP\n1001,Acme Corporation,premium,eu-west,no\n"
    result = import_accounts_csv(sessions, again, now=clock.now())
    assert (result.created, result.updated, result.errors) == (0, 1, [])
    assert _accounts(engine)["1001"] == ("Acme Corporation", "premium", "eu-west", False)
    assert len(_accounts(engine)) == 3


def test_a_file_without_an_id_column_is_refused(engine: Engine, clock: FakeClock) -> None:
    with pytest.raises(CsvFormatError, match="needs columns for account_id"):
        import_accounts_csv(
            make_session_factory(engine), "name,tier\nAcme,premium\n", now=clock.now()
        )


def test_the_cli_imports_and_lists_skipped_rows(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text(CSV)
    database = tmp_path / "cli.db"
    completed = subprocess.run(
        [sys.executable, "app.py", "import-accounts", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert completed.returncode == 1, completed.stderr
    assert "accounts.csv: 3 accounts added, 0 updated." in completed.stdout
    assert "line 6: VIP flag 'maybe'" in completed.stdout
