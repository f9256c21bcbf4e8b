"""What people read about the liaison: rendered from templates, laid out by liaison_blocks.

Each function returns the plain ``text`` fallback and the blocks together, so every
message Liaison sends has both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Report
from bot.runtime import Runtime
from bot.services.helpdesk.unowned import unowned_text
from bot.services.liaison.kinds import AnnouncePayload, Reason
from bot.services.liaison.records import AssignmentView, Status
from bot.services.oncall.messages import checklist_bridge
from bot.slack import liaison_blocks
from bot.slack.blocks import Block


@dataclass(frozen=True)
class Problem:
    """A Slack step that failed for good while setting up a liaison, and Slack's error."""

    step: str  # channel | join | invite | topic | announce
    error: str


@dataclass(frozen=True)
class Rendered:
    text: str
    blocks: list[Block]


def incident_context(view: AssignmentView) -> dict[str, Any]:
    return {
        "id": view.incident_id,
        "title": view.incident_title,
        "severity": view.incident_severity,
        "channel_id": view.channel_id,
        "is_open": view.incident_open,
    }


def _timing(rt: Runtime, severity: str) -> dict[str, Any]:
    settings = rt.settings
    return {
        "accept_timeout": settings.liaison_accept_timeout,
        "update_interval": settings.cadence_update_intervals.get(severity),
    }


def announcement(
    rt: Runtime, view: AssignmentView, payload: AnnouncePayload, problems: list[Problem]
) -> Rendered:
    """The channel announcement of a pending assignment, with Accept / Hand off.

    Someone who named themselves has accepted already: their announcement says so.
    """
    renderer = rt.renderer
    pending = view.status == Status.pending
    template = "liaison/announcement.j2" if pending else "liaison/announcement_closed.j2"
    text = renderer.render(
        template,
        status=view.status,
        successor=None,
        accepted_at=view.accepted_at or view.assigned_at,
        liaison=view.user_id,
        incident=incident_context(view),
        reason=payload.reason.value,
        actor=view.assigned_by,
        previous_user=payload.previous_user,
        previous_error=payload.previous_error,
        note=view.note,
        **_timing(rt, view.incident_severity),
    )
    notes = []
    if payload.concerns and payload.concerns.get("compromised"):
        concerns = payload.concerns
        notes.append(
            renderer.render("liaison/compromise.j2", liaison=view.user_id, concerns=concerns)
        )
    if problems:
        notes.append(problems_text(rt, view, problems))
    blocks = liaison_blocks.announcement_blocks(
        text, notes, assignment_id=view.id, with_buttons=pending
    )
    return Rendered("\n".join([text, *notes]), blocks)


def problems_text(rt: Runtime, view: AssignmentView, problems: list[Problem]) -> str:
    return rt.renderer.render(
        "liaison/delivery_problems.j2",
        liaison=view.user_id,
        channel=view.channel_id,
        problems=[{"step": p.step, "error": p.error} for p in problems],
    )


def closed_announcement(
    rt: Runtime,
    view: AssignmentView,
    *,
    status: str,
    successor: str | None = None,
    actor: str | None = None,
    accepted_at: datetime | None = None,
) -> Rendered:
    """The announcement once it is answered: accepted, timed out, handed off, replaced."""
    text = rt.renderer.render(
        "liaison/announcement_closed.j2",
        status=status,
        liaison=view.user_id,
        successor=successor,
        actor=actor,
        accepted_at=accepted_at or view.accepted_at or view.assigned_at,
        incident=incident_context(view),
        **_timing(rt, view.incident_severity),
    )
    blocks = liaison_blocks.announcement_blocks(text, [], assignment_id=view.id, with_buttons=False)
    return Rendered(text, blocks)


def checklist(
    rt: Runtime, session: Session, view: AssignmentView, payload: AnnouncePayload | None
) -> Rendered:
    """The liaison's DM: their commitments, their commands, the incident's report count."""
    renderer = rt.renderer
    settings = rt.settings
    incident = incident_context(view)
    reports, customers = session.execute(
        select(func.count(Report.id), func.count(func.distinct(Report.customer_key))).where(
            Report.incident_id == view.incident_id
        )
    ).one()
    pending = view.status == Status.pending
    parts = [
        renderer.render(
            "liaison/checklist.j2",
            incident=incident,
            reason=payload.reason.value if payload else Reason.major.value,
            previous_user=payload.previous_user if payload else None,
            actor=view.assigned_by,
            note=view.note,
        ),
        renderer.render(
            "liaison/checklist_commitments.j2",
            incident=incident,
            assessment_due=settings.cadence_assessment_due,
            prelim_days=settings.cadence_prelim_business_days,
            pir_days=settings.cadence_pir_business_days,
            **_timing(rt, view.incident_severity),
        ),
        renderer.render("liaison/checklist_commands.j2", incident=incident),
        renderer.render(
            "liaison/checklist_status.j2",
            incident=incident,
            report_count=int(reports),
            customer_count=int(customers),
            pending=pending,
            **_timing(rt, view.incident_severity),
        ),
        *checklist_bridge(rt, session, view.incident_id),
    ]
    unowned = unowned_text(rt, session, view.incident_id)
    if unowned:  # tickets whose assignee is not in Slack: the liaison sorts them out
        parts.append(unowned)
    blocks = liaison_blocks.checklist_blocks(parts, assignment_id=view.id, with_buttons=pending)
    return Rendered("\n".join(parts), blocks)


def topic(rt: Runtime, current_topic: str, name: str) -> str:
    """The channel topic with the liaison's name, keeping whatever else the topic says.

    The previous liaison's segment is recognised by the template's text before the name.
    """
    segment = rt.renderer.render("liaison/topic.j2", name=name)
    marker = rt.renderer.render("liaison/topic.j2", name="\x00").split("\x00")[0].strip()
    kept = [
        part.strip()
        for part in current_topic.split(" | ")
        if part.strip() and not (marker and part.strip().startswith(marker))
    ]
    rest = " | ".join(kept)
    room = 250 - len(segment) - 3
    if not rest or room <= 0:
        return segment[:250]
    return f"{rest[:room]} | {segment}"
