"""The App Home's "Customers to tell": the person's untold customers of resolved incidents.

An owner of any ticket of a customer sees that customer (once, however many tickets),
so whoever gets to them first can mark them told from the Home. Customers without a ticket
(affected VIPs who did not write in) are the liaison's: they show on the liaison's Home.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from bot.models import Followup, Incident, LiaisonAssignment, Report
from bot.runtime import Runtime
from bot.services.followup.board import TO_TELL

SHOWN = 10


def customers_to_tell(rt: Runtime, user_id: str) -> list[tuple[str, int]]:
    owned = (
        select(Report.id)
        .where(
            Report.incident_id == Followup.incident_id,
            Report.customer_key == Followup.customer_key,
            Report.owner_user_id == user_id,
        )
        .exists()
    )
    ticketless = ~(
        select(Report.id)
        .where(
            Report.incident_id == Followup.incident_id,
            Report.customer_key == Followup.customer_key,
        )
        .exists()
    )
    liaison = (
        select(LiaisonAssignment.id)
        .where(
            LiaisonAssignment.incident_id == Followup.incident_id,
            LiaisonAssignment.user_id == user_id,
            LiaisonAssignment.accepted_at.is_not(None),
        )
        .exists()
    )
    with rt.sessions() as session:
        rows = session.execute(
            select(
                Followup.id,
                Followup.customer_name,
                Incident.id,
                Incident.title,
                Incident.channel_id,
            )
            .join(Incident, Incident.id == Followup.incident_id)
            .where(
                Followup.state == TO_TELL,
                Incident.status != "open",
                or_(owned, ticketless & liaison),
            )
            .order_by(Incident.resolved_at, Followup.customer_name)
            .limit(SHOWN)
        ).all()
    return [
        (
            rt.renderer.render(
                "followup/home_line.j2",
                customer=customer,
                incident={"id": incident_id, "title": title, "channel_id": channel},
            ),
            followup_id,
        )
        for followup_id, customer, incident_id, title, channel in rows
    ]
