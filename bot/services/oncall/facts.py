"""The customer impact of an incident in a few numbers and names, for other systems (the
page's custom details, the Jira description): read straight from the reports so it stays
independent of how the live summary is laid out."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Incident, Report, ReportFeature


@dataclass(frozen=True)
class ImpactFacts:
    incident_id: int
    title: str
    severity: str
    channel_id: str | None
    channel_name: str | None
    reports: int
    customers: int
    vips: list[str] = field(default_factory=list)
    features: list[tuple[str, int]] = field(default_factory=list)
    regions: list[tuple[str, int]] = field(default_factory=list)
    tiers: list[tuple[str, int]] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    tickets: list[tuple[str, str | None]] = field(default_factory=list)  # (ref, url)

    @property
    def leading_segments(self) -> list[str]:
        parts = [f"{name} ({count})" for name, count in self.features[:3]]
        parts += [f"{name} ({count})" for name, count in self.regions[:2]]
        return parts

    def custom_details(self) -> dict[str, object]:
        """Custom details of a PagerDuty event: flat, short, readable in the phone app."""
        return {
            "liaison_incident": f"#{self.incident_id} {self.title}",
            "severity": self.severity,
            "customer_reports": self.reports,
            "affected_customers": self.customers,
            "vip_customers": ", ".join(self.vips) or "none",
            "leading_segments": ", ".join(self.leading_segments) or "none yet",
            "slack_channel": f"#{self.channel_name}" if self.channel_name else "none",
        }


def impact_facts(session: Session, incident: Incident, *, limit: int = 5) -> ImpactFacts:
    where = Report.incident_id == incident.id
    reports, customers = session.execute(
        select(func.count(Report.id), func.count(func.distinct(Report.customer_key))).where(where)
    ).one()
    vips = session.scalars(
        select(Report.customer_name).where(where, Report.vip.is_(True)).group_by(
            Report.customer_name
        ).order_by(Report.customer_name).limit(limit)
    ).all()  # fmt: skip

    def counted(column: object) -> list[tuple[str, int]]:
        rows = session.execute(
            select(column, func.count())  # type: ignore[call-overload]
            .where(where, column.is_not(None))  # type: ignore[attr-defined]
            .group_by(column)
            .order_by(func.count().desc(), column)
            .limit(limit)
        ).all()
        return [(str(name), int(count)) for name, count in rows]

    features = session.execute(
        select(ReportFeature.feature, func.count())
        .where(ReportFeature.incident_id == incident.id)
        .group_by(ReportFeature.feature)
        .order_by(func.count().desc(), ReportFeature.feature)
        .limit(limit)
    ).all()
    latest = session.execute(
        select(Report.summary, Report.ticket_ref, Report.ticket_url)
        .where(where)
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    ).all()
    return ImpactFacts(
        incident_id=incident.id,
        title=incident.title,
        severity=incident.severity,
        channel_id=incident.channel_id,
        channel_name=incident.channel_name,
        reports=int(reports),
        customers=int(customers),
        vips=[str(v) for v in vips],
        features=[(str(name), int(count)) for name, count in features],
        regions=counted(Report.region),
        tiers=counted(Report.tier),
        samples=[str(summary)[:300] for summary, _, _ in latest],
        tickets=[(str(ref), url) for _, ref, url in latest if ref],
    )
