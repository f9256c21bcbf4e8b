from pathlib import Path

import pytest

from bot.db import (
    DatabaseNotMigrated,
    current_revisions,
    ensure_migrated,
    head_revisions,
    make_engine,
)


def test_an_unmigrated_database_is_refused_with_the_fixing_command(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DatabaseNotMigrated, match=r"Run `python app\.py migrate`"):
        ensure_migrated(engine, auto_migrate=False)


def test_auto_migrate_brings_an_empty_database_to_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    ensure_migrated(engine, auto_migrate=True)
    assert current_revisions(engine) == head_revisions()
    ensure_migrated(engine, auto_migrate=False)  # now accepted as it is


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
