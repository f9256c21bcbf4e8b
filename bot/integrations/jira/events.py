"""Jira Cloud admin-webhook payloads as pydantic models: what Liaison reads of them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Named(_Loose):
    name: str = Field(default="", max_length=200)


class Version(_Loose):
    name: str = Field(default="", max_length=200)
    released: bool = False


class IssueFields(_Loose):
    resolution: Named | None = None
    fix_versions: list[Version] = Field(default=[], alias="fixVersions")
    status: Named | None = None


class Issue(_Loose):
    id: str = ""
    key: str = Field(min_length=1, max_length=64)
    fields: IssueFields = IssueFields()


class Delivery(_Loose):
    webhook_event: str = Field(alias="webhookEvent")
    timestamp: int | None = None
    issue: Issue | None = None
    version: Version | None = None
