"""PagerDuty v3 webhook payloads as pydantic models: what Liaison reads of them.

Unknown fields are ignored (PagerDuty adds fields over time); what is read is bounded.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Reference(_Loose):
    id: str = Field(max_length=64)
    summary: str | None = None
    html_url: str | None = None


class Priority(_Loose):
    summary: str | None = None


class ConferenceBridge(_Loose):
    conference_number: str | None = None
    conference_url: str | None = None


class IncidentData(_Loose):
    """The incident object a v3 incident event carries in ``event.data``."""

    id: str = Field(min_length=1, max_length=32)  # it is the jobs' target (32 characters)
    type: str = "incident"
    number: int | None = None
    title: str = ""
    status: str | None = None
    html_url: str | None = None
    incident_key: str | None = None
    service: Reference | None = None
    assignees: list[Reference] = []
    priority: Priority | None = None
    urgency: str | None = None
    conference_bridge: ConferenceBridge | None = None


class StatusUpdateData(_Loose):
    """``event.data`` of ``incident.status_update_published``."""

    id: str = ""
    message: str = Field(default="", max_length=10_000)
    incident: Reference
    sender: Reference | None = None


class Event(_Loose):
    id: str = Field(min_length=1, max_length=64)
    event_type: str
    resource_type: str = "incident"
    occurred_at: datetime
    agent: Reference | None = None
    data: dict[str, object] = {}


class Delivery(_Loose):
    event: Event
