"""Zendesk's ticket JSON (Tickets API, with users and organizations side-loaded) read into
a ``TicketSnapshot``; pure functions, so the mapping is tested without HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.services.helpdesk.model import Party, TicketSnapshot


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ZendeskUser(_Loose):
    id: int
    name: str | None = None
    email: str | None = None
    role: str | None = None


class ZendeskOrganization(_Loose):
    id: int
    name: str | None = None
    external_id: str | None = None
    domain_names: list[str] = []


class ZendeskComment(_Loose):
    id: int
    author_id: int | None = None
    public: bool = True
    created_at: datetime
    body: str | None = None


class ZendeskTicket(_Loose):
    id: int
    subject: str | None = None
    description: str | None = None
    status: str = "open"
    tags: list[str] = []
    custom_fields: list[dict[str, Any]] = []
    requester_id: int | None = None
    assignee_id: int | None = None
    organization_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime
    # {"score": "good" | "bad" | "offered" | "unoffered", "comment": "..."}
    satisfaction_rating: dict[str, Any] | None = None


def agent_url(base_url: str, ticket_id: int | str) -> str:
    return f"{base_url.rstrip('/')}/agent/tickets/{ticket_id}"


def to_snapshot(
    answer: dict[str, Any],
    comments: list[dict[str, Any]],
    *,
    base_url: str,
    field_ids: dict[str, str],
    own_ids: frozenset[int] = frozenset(),
) -> TicketSnapshot:
    """``answer`` is GET /api/v2/tickets/{id}.json?include=users,organizations;
    ``own_ids`` are the Zendesk users Liaison writes as (its comments are not replies)."""
    ticket = ZendeskTicket.model_validate(answer["ticket"])
    users = {u.id: u for u in (ZendeskUser.model_validate(x) for x in answer.get("users", []))}
    orgs = {
        o.id: o
        for o in (ZendeskOrganization.model_validate(x) for x in answer.get("organizations", []))
    }
    requester = users.get(ticket.requester_id) if ticket.requester_id else None
    org = orgs.get(ticket.organization_id) if ticket.organization_id else None
    assignee = users.get(ticket.assignee_id) if ticket.assignee_id else None
    values = {f.get("id"): f.get("value") for f in ticket.custom_fields}
    fields = {
        name: values.get(int(field_id)) if field_id.isdigit() else None
        for name, field_id in field_ids.items()
    }
    return TicketSnapshot(
        id=str(ticket.id),
        updated_at=ticket.updated_at,
        created_at=ticket.created_at,
        url=agent_url(base_url, ticket.id),
        ref=f"#{ticket.id}",
        subject=ticket.subject,
        description=ticket.description,
        status=ticket.status,
        tags=ticket.tags,
        fields={k: _field_value(v) for k, v in fields.items() if v not in (None, "")},
        requester=Party(id=str(requester.id), name=requester.name, email=requester.email)
        if requester
        else None,
        organization=Party(
            id=org.external_id or str(org.id),
            name=org.name,
            domain=(org.domain_names or [None])[0],
        )
        if org
        else None,
        assignee_email=assignee.email if assignee else None,
        first_public_reply_at=first_public_reply(comments, ticket.requester_id),
        last_public_reply_at=last_public_reply(comments, own_ids),
        rating=(ticket.satisfaction_rating or {}).get("score"),
        rating_comment=(ticket.satisfaction_rating or {}).get("comment"),
    )


def first_public_reply(comments: list[dict[str, Any]], requester_id: int | None) -> datetime | None:
    """The first public comment not written by the requester, after the opening one."""
    parsed = sorted(
        (ZendeskComment.model_validate(c) for c in comments), key=lambda c: (c.created_at, c.id)
    )
    for comment in parsed[1:]:
        if comment.public and comment.author_id != requester_id:
            return comment.created_at
    return None


def last_public_reply(comments: list[dict[str, Any]], own_ids: frozenset[int]) -> datetime | None:
    """The newest public comment after the opening one not written by Liaison itself."""
    parsed = sorted(
        (ZendeskComment.model_validate(c) for c in comments), key=lambda c: (c.created_at, c.id)
    )
    replies = [c for c in parsed[1:] if c.public and c.author_id not in own_ids]
    return replies[-1].created_at if replies else None


def _field_value(value: Any) -> str | list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)
