"""Salesforce Cases (REST sObject JSON) read into a ``TicketSnapshot``, and the Outbound
Message SOAP envelope read into the case ids it announces; pure functions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from bot.services.helpdesk.model import Party, TicketSnapshot

OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"
ACK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<soapenv:Body>"
    b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    b"<Ack>true</Ack></notificationsResponse>"
    b"</soapenv:Body></soapenv:Envelope>"
)
MAX_NOTIFICATIONS = 100


class OutboundMessage:
    """What Liaison reads from a ``notifications`` call: the org and the case ids."""

    def __init__(self, organization_id: str, case_ids: list[str]) -> None:
        self.organization_id = organization_id
        self.case_ids = case_ids


def parse_outbound_message(body: bytes) -> OutboundMessage:
    """Raise ValueError (a 400 at the edge) for anything but a notifications envelope."""
    try:
        root = ElementTree.fromstring(body)
    except Exception as exc:  # ParseError, and defusedxml's refusals of entities
        raise ValueError(f"not a SOAP envelope ({type(exc).__name__})") from None
    notifications = _find(root, "notifications")
    if notifications is None:
        raise ValueError("no notifications element")
    org = (_text(notifications, "OrganizationId") or "").strip()
    case_ids: list[str] = []
    items = notifications.findall(f"{{{OUTBOUND_NS}}}Notification")
    if not items or len(items) > MAX_NOTIFICATIONS:
        raise ValueError(f"expected 1 to {MAX_NOTIFICATIONS} notifications, got {len(items)}")
    for item in items:
        sobject = item.find(f"{{{OUTBOUND_NS}}}sObject")
        case_id = sobject.findtext(f"{{{SOBJECT_NS}}}Id") if sobject is not None else None
        if not case_id or not case_id.strip().isalnum() or len(case_id.strip()) > 18:
            raise ValueError("a notification without a valid case Id")
        case_ids.append(case_id.strip())
    return OutboundMessage(org, list(dict.fromkeys(case_ids)))


def _find(root: Element, name: str) -> Element | None:
    for element in root.iter(f"{{{OUTBOUND_NS}}}{name}"):
        return element
    return None


def _text(element: Element, name: str) -> str | None:
    return element.findtext(f"{{{OUTBOUND_NS}}}{name}")


def to_snapshot(
    case: dict[str, Any],
    *,
    account: dict[str, Any] | None,
    owner: dict[str, Any] | None,
    comments: list[dict[str, Any]],
    base_url: str,
    field_names: dict[str, str],
    rating_field: str = "",
    own_user_id: str | None = None,
) -> TicketSnapshot:
    """``own_user_id`` is the user Liaison signs in as: its comments are not replies."""
    fields = {name: case.get(api_name) for name, api_name in field_names.items()}
    website = str((account or {}).get("Website") or "")
    domain = website.split("//")[-1].split("/")[0].removeprefix("www.") or None
    published = sorted(
        _when(c["CreatedDate"]) for c in comments if c.get("IsPublished") and c.get("CreatedDate")
    )
    replies = sorted(
        _when(c["CreatedDate"])
        for c in comments
        if c.get("IsPublished") and c.get("CreatedDate")
        and not (own_user_id and c.get("CreatedById") == own_user_id)
    )  # fmt: skip
    status = str(case.get("Status") or "New")
    if case.get("IsClosed"):
        status = "closed"
    return TicketSnapshot(
        id=str(case["Id"]),
        updated_at=_when(case["LastModifiedDate"]),
        created_at=_when(case["CreatedDate"]) if case.get("CreatedDate") else None,
        url=f"{base_url.rstrip('/')}/lightning/r/Case/{case['Id']}/view",
        ref=str(case.get("CaseNumber") or case["Id"]),
        subject=case.get("Subject"),
        description=case.get("Description"),
        status=status,
        fields={k: str(v) for k, v in fields.items() if v not in (None, "")},
        requester=Party(name=case.get("SuppliedName"), email=case.get("SuppliedEmail"))
        if case.get("SuppliedName") or case.get("SuppliedEmail")
        else None,
        organization=Party(id=account.get("Id"), name=account.get("Name"), domain=domain)
        if account
        else None,
        assignee_email=(owner or {}).get("Email"),
        first_public_reply_at=published[0] if published else None,
        last_public_reply_at=replies[-1] if replies else None,
        rating=case.get(rating_field) if rating_field else None,
    )


def _when(value: str) -> datetime:
    """Salesforce writes ``2026-11-23T10:04:00.000+0000``."""
    text = value.strip()
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
