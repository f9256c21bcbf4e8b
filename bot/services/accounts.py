"""The customer accounts directory: CSV import and the search behind the report modal.

The directory gives each report its region, tier and VIP flag, and gives the impact
summary its baseline (how many accounts exist per segment).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Account
from bot.runtime import Runtime

# Header spellings accepted for each column (compared lower-cased, spaces/dashes as "_").
COLUMN_ALIASES = {
    "account_id": ("account_id", "id", "account", "account_number", "customer_id"),
    "name": ("name", "account_name", "customer", "customer_name", "company"),
    "tier": ("tier", "plan", "customer_tier"),
    "region": ("region", "data_region"),
    "vip": ("vip", "is_vip", "vip_flag"),
}
_TRUE = {"1", "true", "yes", "y", "vip", "x"}
_FALSE = {"", "0", "false", "no", "n"}


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

    @property
    def imported(self) -> int:
        return self.created + self.updated


class CsvFormatError(ValueError):
    """The file cannot be read as an accounts directory at all (e.g. no id column)."""


def import_accounts_csv(
    sessions: sessionmaker[Session], text: str, *, now: datetime
) -> ImportResult:
    """Upsert every valid row; bad rows are reported with their line number and skipped."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = _map_columns(reader.fieldnames or [])
    result = ImportResult()
    rows: dict[str, dict[str, object]] = {}
    for row in reader:
        line = reader.line_num
        try:
            parsed = _parse_row(row, columns)
        except ValueError as exc:
            result.errors.append((line, str(exc)))
            continue
        rows[str(parsed["account_id"])] = parsed
    with sessions.begin() as session:
        existing = {
            account.account_id: account
            for chunk in _chunks(list(rows), 500)
            for account in session.scalars(select(Account).where(Account.account_id.in_(chunk)))
        }
        for account_id, values in rows.items():
            account = existing.get(account_id)
            if account is None:
                session.add(Account(**values, updated_at=now))
                result.created += 1
            else:
                for key, value in values.items():
                    setattr(account, key, value)
                account.updated_at = now
                result.updated += 1
    return result


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
            "Expected columns: account_id, name, tier, region, vip."
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
    return {
        "account_id": account_id,
        "name": name[:200],
        "tier": cell("tier").lower() or None,
        "region": cell("region").lower() or None,
        "vip": vip_text in _TRUE,
    }


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
