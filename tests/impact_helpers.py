"""Building incidents, accounts and reports straight in the database for impact tests.

Aggregation tests need exact, hand-picked rows (creation times, SLA fields) that the
report modal would never produce on demand, so they are inserted directly; end-to-end
tests create reports through ``bot.services.reports.attach`` instead (``attach_report``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot.models import Account, Incident, Report, ReportFeature
from bot.runtime import Runtime
from bot.services import reports

# For tests of wording only: the database cannot change what they check.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def add_incident(
    session: Session, *, opened_at: datetime, severity: str = "sev3", channel_id: str = "CINC"
) -> Incident:
    incident = Incident(
        channel_id=channel_id,
        channel_name="inc-test",
        title="Checkout failing",
        severity=severity,
        status="open",
        opened_at=opened_at,
    )
    session.add(incident)
    session.flush()
    return incident


def add_accounts(session: Session, rows: Iterable[dict[str, Any]], *, now: datetime) -> None:
    values = [
        {"name": row.get("name", f"Account {row['account_id']}"), "tier": None, "region": None,
         "vip": False, "updated_at": now, **row}
        for row in rows
    ]  # fmt: skip
    if values:
        session.execute(insert(Account), values)


def add_reports(session: Session, incident: Incident, rows: Iterable[dict[str, Any]]) -> None:
    """Insert reports; each row may give ``features`` and any Report column."""
    report_rows = []
    features: list[list[str]] = []
    for index, row in enumerate(rows):
        row = dict(row)
        features.append(row.pop("features", []))
        account = row.get("account_id")
        name = row.pop("customer_name", None) or (f"Account {account}" if account else f"C{index}")
        report_rows.append(
            {
                "incident_id": incident.id,
                "customer_name": name,
                "customer_key": row.pop("customer_key", None) or (account or name).lower(),
                "summary": "Customer cannot check out",
                "owner_user_id": "UAGENT",
                "reported_by": "UAGENT",
                "vip": False,
                **row,
            }
        )
    if not report_rows:
        return
    ids = session.scalars(insert(Report).returning(Report.id), report_rows).all()
    feature_rows = [
        {"report_id": report_id, "feature": feature, "incident_id": incident.id,
         "customer_key": row["customer_key"]}
        for report_id, names, row in zip(ids, features, report_rows, strict=True)
        for feature in names
    ]  # fmt: skip
    if feature_rows:
        session.execute(insert(ReportFeature), feature_rows)


def minutes_ago(now: datetime, *minutes: float) -> list[datetime]:
    return [now - timedelta(minutes=m) for m in minutes]


def attach_report(rt: Runtime, incident_id: int, **fields: Any) -> reports.AttachedReport:
    """A report as the report modal would file it (same service, same lifecycle event)."""
    agent = fields.pop("agent", "UAGENT")
    data: dict[str, Any] = {"incident_id": incident_id, "summary": "Checkout fails", **fields}
    return reports.attach(rt, reports.parse_submission(data), agent_id=agent)


def blocks_text(message: dict[str, Any]) -> str:
    """Every text of a message's blocks, joined: what a reader sees."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return "\n".join(texts)


def summaries(fake: Any, channel: str, kind: str) -> list[dict[str, Any]]:
    """Messages of a channel that are impact summaries: kind "impact.live" or "impact.full"."""
    return [
        m for m in fake.messages(channel) if (m.get("blocks") or [{}])[0].get("block_id") == kind
    ]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]
