"""The accounts directory: CSV import (bad rows reported, re-import updates) and search."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.clock import FakeClock
from bot.db import make_session_factory
from bot.models import Account
from bot.services.accounts import CsvFormatError, import_accounts_csv

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

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
    assert "accounts.csv: 3 accounts added, 0 updated (read as UTF-8)." in completed.stdout
    assert "3 rows skipped:" in completed.stdout
    assert "line 6: VIP flag 'maybe'" in completed.stdout
    assert "Traceback" not in completed.stderr


# --- The file as spreadsheets write it ---------------------------------------------------

ACCENTS = "account_id,name,tier,region,vip\n2001,Société Générale,enterprise,eu-west,yes\n"
ACCENTED = {"2001": ("Société Générale", "enterprise", "eu-west", True)}


def _cli(tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from bot.cli import import_accounts_command
    from bot.config import Settings

    path = tmp_path / "accounts.csv"
    path.write_bytes(content)
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'cli.db'}")
    code = import_accounts_command(settings, str(path), FakeClock(NOW))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _cli_accounts(tmp_path: Path) -> dict[str, tuple]:
    from bot.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        return _accounts(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "Excel workbook (.xlsx)"),
    ],
)
def test_a_binary_file_is_refused_with_exit_2_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    code, output = _cli(tmp_path, content, capsys)
    assert code == 2
    assert message in output
    assert "Traceback" not in output and "UnicodeDecodeError" not in output


@pytest.mark.parametrize(
    ("encoding", "described"),
    [
        ("cp1252", "Windows-1252"),  # Excel's "CSV (Comma delimited)" on Windows
        ("utf-16", "UTF-16"),  # "Unicode text", with its byte-order mark
        ("utf-8-sig", "UTF-8 with a byte-order mark"),  # "CSV UTF-8"
        ("utf-8", "UTF-8"),
    ],
)
def test_names_with_accents_survive_every_encoding_excel_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str, described: str
) -> None:
    code, output = _cli(tmp_path, ACCENTS.encode(encoding), capsys)
    assert code == 0, output
    assert f"accounts.csv: 1 account added, 0 updated (read as {described})." in output
    assert _cli_accounts(tmp_path) == ACCENTED


def test_windows_1252_punctuation_is_read_as_windows_1252(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 0x92 is a right quote in Windows-1252 (a control character in Latin-1).
    text = "account_id,name\n3001,Bob’s Café — €\n"
    code, output = _cli(tmp_path, text.encode("cp1252"), capsys)
    assert code == 0, output
    assert _cli_accounts(tmp_path)["3001"][0] == "Bob’s Café — €"


class _Lines(io.StringIO):
    """A text stream that records how many lines have been taken from it."""

    taken = 0

    def __next__(self) -> str:
        line = super().__next__()
        self.taken += 1
        return line


def test_the_import_streams_in_batches(engine: Engine, clock: FakeClock) -> None:
    rows = "".join(f"{4000 + i},Customer {i}\n" for i in range(10))
    stream = _Lines("account_id,name\n" + rows)
    sessions = make_session_factory(engine)
    seen: list[tuple[int, int, int]] = []

    def on_batch(read: int) -> None:
        # At each batch: rows read so far, lines taken from the file, accounts stored.
        seen.append((read, stream.taken, len(_accounts(engine))))

    result = import_accounts_csv(sessions, stream, now=clock.now(), batch_rows=4, on_batch=on_batch)
    assert result.created == 10
    # The file is read no further than the batch being written (header + 4, + 8, + 10),
    # and every batch is in the database before the next is read.
    assert seen == [(4, 5, 4), (8, 9, 8), (10, 11, 10)]


def test_skipped_rows_beyond_the_listed_ones_are_counted() -> None:
    from bot.cli import describe_import
    from bot.services.accounts import ERRORS_LISTED, ImportResult

    result = ImportResult(created=1)
    for line in range(2, ERRORS_LISTED + 5):
        result.refuse(line, "missing account id")
    text = describe_import("big.csv", result)
    assert text.startswith(f"big.csv: 1 account added, 0 updated.\n{ERRORS_LISTED + 3} rows")
    assert text.endswith("… and 3 more rows")
    assert text.count("missing account id") == ERRORS_LISTED


def test_progress_is_plain_lines_without_a_terminal() -> None:
    from bot.cli import Progress

    out = io.StringIO()
    progress = Progress("accounts.csv", total=200_000, stream=out)
    for read in range(1_000, 200_001, 1_000):
        progress.update(read)
    progress.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "accounts.csv: 20,000 of 200,000 rows read (10%)"
    assert lines[-1] == "accounts.csv: 180,000 of 200,000 rows read (90%)"
    assert len(lines) == 9


# --- Optional columns: the impact summary's baselines -------------------------------------


def test_platform_version_and_features_are_imported_and_replaced_on_reimport(
    engine: Engine, clock: FakeClock
) -> None:
    sessions = make_session_factory(engine)
    text = (
        "account_id,name,platform,version,features\n"
        '5001,Acme,Android,5.1,"Teapot Customization; SSO"\n'
        "5002,Globex,iOS,5.0,\n"
        "5003,Initech,fax machine,5.0,\n"
    )
    result = import_accounts_csv(sessions, text, now=clock.now())
    assert result.created == 2
    assert result.errors == [
        (4, "platform 'fax machine' for account 5003 is not one of "
            "web, ios, android, desktop, api, other"),
    ]  # fmt: skip
    with sessions() as session:
        acme = session.get(Account, "5001")
        assert acme is not None
        assert (acme.platform, acme.product_version) == ("android", "5.1")
        assert sorted(f.feature for f in acme.features) == ["SSO", "Teapot Customization"]
    import_accounts_csv(sessions, "id,name,features\n5001,Acme,Exports\n", now=clock.now())
    with sessions() as session:
        acme = session.get(Account, "5001")
        assert acme is not None
        assert [f.feature for f in acme.features] == ["Exports"]
        assert acme.platform == "android"  # a file without the column leaves it alone
