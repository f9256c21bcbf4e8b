"""The customer accounts directory: CSV import and the search behind the report modal.

The directory gives each report its region, tier and VIP flag, and gives the impact
summary its baseline (how many accounts exist per region, tier, account number and, where
the CSV has the optional columns, per platform, product version and enabled feature).

The import streams: rows are read, checked and written in batches of ``BATCH_ROWS``, so a
200,000-row file takes the memory of one batch, and progress can be shown as it goes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Account, AccountFeature
from bot.runtime import Runtime
from bot.services.reports import PLATFORM_LABELS, Platform

# Header spellings accepted for each column (compared lower-cased, spaces/dashes as "_").
COLUMN_ALIASES = {
    "account_id": ("account_id", "id", "account", "account_number", "customer_id"),
    "name": ("name", "account_name", "customer", "customer_name", "company"),
    "tier": ("tier", "plan", "customer_tier"),
    "region": ("region", "data_region"),
    "vip": ("vip", "is_vip", "vip_flag"),
    "platform": ("platform", "client_platform"),
    "version": ("version", "product_version", "app_version"),
    "features": ("features", "enabled_features", "feature_flags"),
}
_TRUE = {"1", "true", "yes", "y", "vip", "x"}
_FALSE = {"", "0", "false", "no", "n"}
_PLATFORMS = {p.value: p.value for p in Platform} | {
    label.lower(): p.value for p, label in PLATFORM_LABELS.items()
}
_FEATURE_SEPARATORS = re.compile(r"[;|,]")
BATCH_ROWS = 1_000
# Skipped rows listed one by one; beyond this, only counted (a wrong file skips them all).
ERRORS_LISTED = 100


@dataclass(frozen=True)
class AccountMatch:
    account_id: str
    name: str
    tier: str | None
    region: str | None
    vip: bool


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    skipped: int = 0  # rows refused, listed or not

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def refuse(self, line: int, message: str) -> None:
        self.skipped += 1
        if len(self.errors) < ERRORS_LISTED:
            self.errors.append((line, message))


class CsvFormatError(ValueError):
    """The file cannot be read as an accounts directory at all (e.g. no id column)."""


def import_accounts_csv(
    sessions: sessionmaker[Session],
    source: str | TextIO,
    *,
    now: datetime,
    batch_rows: int = BATCH_ROWS,
    on_batch: Callable[[int], None] | None = None,
) -> ImportResult:
    """Upsert every valid row, batch by batch; bad rows are reported by line and skipped.

    ``source`` is the CSV text or an open text stream (read once, row by row);
    ``on_batch`` hears how many rows have been read after each batch is written.
    """
    stream = io.StringIO(source) if isinstance(source, str) else source
    reader = csv.DictReader(stream)
    fieldnames = [name.lstrip("\ufeff") for name in reader.fieldnames or []]
    reader.fieldnames = fieldnames
    columns = _map_columns(fieldnames)
    result = ImportResult()
    for batch in _batches(reader, columns, result, batch_rows):
        _write(sessions, batch, columns, result, now)
        if on_batch is not None:
            on_batch(reader.line_num - 1)
    return result


def _batches(
    reader: csv.DictReader[str],
    columns: dict[str, str],
    result: ImportResult,
    size: int,
) -> Iterator[dict[str, dict[str, object]]]:
    """Valid rows keyed by account id, ``size`` at a time (a later duplicate wins)."""
    batch: dict[str, dict[str, object]] = {}
    for row in reader:
        try:
            parsed = _parse_row(row, columns)
        except ValueError as exc:
            result.refuse(reader.line_num, str(exc))
            continue
        batch[str(parsed["account_id"])] = parsed
        if len(batch) >= size:
            yield batch
            batch = {}
    if batch:
        yield batch


def _write(
    sessions: sessionmaker[Session],
    rows: dict[str, dict[str, object]],
    columns: dict[str, str],
    result: ImportResult,
    now: datetime,
) -> None:
    """One batch in one transaction: update the accounts that exist, insert the others."""
    with sessions.begin() as session:
        existing = {
            account.account_id: account
            for account in session.scalars(
                select(Account).where(Account.account_id.in_(list(rows)))
            )
        }
        new = []
        for account_id, values in rows.items():
            fields = {k: v for k, v in values.items() if k != "features"}
            account = existing.get(account_id)
            if account is None:
                new.append({**fields, "updated_at": now})
                result.created += 1
            else:
                for key, value in fields.items():
                    setattr(account, key, value)
                account.updated_at = now
                result.updated += 1
        if new:
            session.execute(insert(Account), new)
        if "features" in columns:
            # The file lists each account's features in full: replace, not merge.
            session.flush()
            session.execute(delete(AccountFeature).where(AccountFeature.account_id.in_(list(rows))))
            features = [
                {"account_id": account_id, "feature": feature}
                for account_id, values in rows.items()
                for feature in values["features"]  # type: ignore[union-attr]
            ]
            if features:
                session.execute(insert(AccountFeature), features)


def search_accounts(rt: Runtime, query: str, *, limit: int = 20) -> list[AccountMatch]:
    """Accounts whose name contains, or whose id starts with, what the agent typed."""
    query = query.strip()
    with rt.sessions() as session:
        statement = select(Account).order_by(Account.vip.desc(), Account.name).limit(limit)
        if query:
            pattern = query.lower().replace("%", r"\%").replace("_", r"\_")
            statement = statement.where(
                or_(
                    func.lower(Account.name).like(f"%{pattern}%", escape="\\"),
                    func.lower(Account.account_id).like(f"{pattern}%", escape="\\"),
                )
            )
        return [_match(account) for account in session.scalars(statement)]


def get_account(rt: Runtime, account_id: str) -> AccountMatch | None:
    with rt.sessions() as session:
        account = session.get(Account, account_id)
        return _match(account) if account else None


def _match(account: Account) -> AccountMatch:
    return AccountMatch(account.account_id, account.name, account.tier, account.region, account.vip)


def _map_columns(fieldnames: Iterable[str]) -> dict[str, str]:
    normalised = {
        name.strip().lower().replace(" ", "_").replace("-", "_"): name for name in fieldnames
    }
    columns = {}
    for column, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in normalised:
                columns[column] = normalised[alias]
                break
    missing = [c for c in ("account_id", "name") if c not in columns]
    if missing:
        raise CsvFormatError(
            f"The CSV header needs columns for {' and '.join(missing)} "
            f"(found: {', '.join(fieldnames) or 'no header'}). "
            "Expected columns: account_id, name, tier, region, vip "
            "(optional: platform, version, features)."
        )
    return columns


def _parse_row(row: dict[str, str | None], columns: dict[str, str]) -> dict[str, object]:
    def cell(column: str) -> str:
        source = columns.get(column)
        return (row.get(source) or "").strip() if source else ""

    account_id, name = cell("account_id"), cell("name")
    if not account_id:
        raise ValueError("missing account id")
    if len(account_id) > 64:
        raise ValueError(f"account id {account_id[:20]!r}… is longer than 64 characters")
    if not name:
        raise ValueError(f"account {account_id} has no name")
    vip_text = cell("vip").lower()
    if vip_text not in _TRUE | _FALSE:
        raise ValueError(
            f"VIP flag {cell('vip')!r} for account {account_id} is not yes/no/true/false/1/0"
        )
    values: dict[str, object] = {
        "account_id": account_id,
        "name": name[:200],
        "tier": cell("tier").lower()[:32] or None,
        "region": cell("region").lower()[:64] or None,
        "vip": vip_text in _TRUE,
    }
    if "platform" in columns:
        platform = cell("platform")
        if platform and platform.lower() not in _PLATFORMS:
            raise ValueError(
                f"platform {platform[:20]!r} for account {account_id} is not one of "
                + ", ".join(p.value for p in Platform)
            )
        values["platform"] = _PLATFORMS[platform.lower()] if platform else None
    if "version" in columns:
        version = cell("version")
        if len(version) > 64:
            raise ValueError(f"version for account {account_id} is longer than 64 characters")
        values["product_version"] = version or None
    if "features" in columns:
        names = (f.strip() for f in _FEATURE_SEPARATORS.split(cell("features")))
        features = list(dict.fromkeys(f for f in names if f))
        if any(len(f) > 64 for f in features):
            raise ValueError(f"a feature of account {account_id} is longer than 64 characters")
        values["features"] = features
    return values
