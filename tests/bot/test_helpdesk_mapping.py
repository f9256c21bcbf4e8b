"""Help-desk payloads read into snapshots, and tickets matched to incidents and fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.edge.webhooks import WebhookRejected
from bot.integrations.salesforce.tickets import ACK, parse_outbound_message
from bot.integrations.salesforce.tickets import to_snapshot as case_snapshot
from bot.integrations.zendesk.inbound import sign, ticket_id_of
from bot.integrations.zendesk.tickets import first_public_reply, to_snapshot
from bot.services.helpdesk.matching import incident_numbers, report_values, tag_regex
from bot.services.helpdesk.model import TicketSnapshot, reaction_of
from bot.services.helpdesk.settings import parse_field_map

ZENDESK_TICKET = {
    "ticket": {
        "id": 35436,
        "subject": "Help, my printer is on fire!",
        "description": "The fire is very colorful.",
        "status": "open",
        "tags": ["enterprise", "incident-42", "region_eu-west"],
        "custom_fields": [{"id": 27642, "value": "7"}, {"id": 27648, "value": "4.2.1"}],
        "requester_id": 20978392,
        "assignee_id": 235323,
        "organization_id": 509974,
        "created_at": "2009-07-20T22:55:29Z",
        "updated_at": "2011-05-05T10:38:52Z",
    },
    "users": [
        {"id": 20978392, "name": "Requester", "email": "req@example.org", "role": "end-user"},
        {"id": 235323, "name": "Agent", "email": "agent@acme.test", "role": "agent"},
    ],
    "organizations": [
        {
            "id": 509974,
            "name": "Example Org",
            "external_id": "ex-1",
            "domain_names": ["example.org"],
        }
    ],
}


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_a_zendesk_ticket_with_its_people_becomes_a_snapshot() -> None:
    comments = [
        {"id": 1, "author_id": 20978392, "public": True, "created_at": "2009-07-20T22:55:29Z"},
        {"id": 2, "author_id": 235323, "public": False, "created_at": "2009-07-20T23:00:00Z"},
        {"id": 3, "author_id": 235323, "public": True, "created_at": "2009-07-20T23:10:00Z"},
    ]
    snapshot = to_snapshot(
        ZENDESK_TICKET, comments, base_url="https://acme.zendesk.com/",
        field_ids={"incident": "27642", "version": "27648"},
    )  # fmt: skip
    assert snapshot.id == "35436"
    assert snapshot.url == "https://acme.zendesk.com/agent/tickets/35436"
    assert snapshot.fields == {"incident": "7", "version": "4.2.1"}
    assert snapshot.organization is not None and snapshot.organization.id == "ex-1"
    assert snapshot.organization.domain == "example.org"
    assert snapshot.assignee_email == "agent@acme.test"
    # The internal note is not a reply; the requester's own comments never are.
    assert snapshot.first_public_reply_at == datetime(2009, 7, 20, 23, 10, tzinfo=UTC)


def test_the_requesters_follow_up_is_not_a_first_response() -> None:
    comments = [
        {"id": 1, "author_id": 5, "public": True, "created_at": "2026-01-01T10:00:00Z"},
        {"id": 2, "author_id": 5, "public": True, "created_at": "2026-01-01T10:05:00Z"},
    ]
    assert first_public_reply(comments, requester_id=5) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [({"ticket_id": "123"}, "123"), ({"ticket_id": 9}, "9"), ({"detail": {"id": "77"}}, "77")],
)
def test_a_zendesk_body_needs_only_the_ticket_id(body: object, expected: str) -> None:
    assert ticket_id_of(body) == expected


@pytest.mark.parametrize("body", [[], {"ticket_id": "12; DROP"}, {"detail": "x"}, {}])
def test_a_zendesk_body_without_a_ticket_id_is_refused(body: object) -> None:
    with pytest.raises(WebhookRejected) as caught:
        ticket_id_of(body)
    assert caught.value.status == 400


def test_the_zendesk_signature_is_base64_hmac_of_timestamp_and_body() -> None:
    # base64(HMAC-SHA256("secret", "2026-11-23T10:00:00Z" + '{"a":1}'))
    assert sign("secret", "2026-11-23T10:00:00Z", b'{"a":1}') == (
        "Tyx44MAlddF5bZiZVbs/q12yWy7gnlbV5Qu8IPE6/rM="  # openssl dgst -sha256 -hmac ... | base64
    )


def test_incident_numbers_come_from_the_field_then_the_tags() -> None:
    settings = _settings(helpdesk_incident_tag="INC_{number}")
    snapshot = TicketSnapshot(
        id="1", updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        tags=["inc_12", "inc_x", "other-3"], fields={"incident": "#9"},
    )  # fmt: skip
    assert incident_numbers(snapshot, settings) == [9, 12]
    assert tag_regex("incident-{number}").fullmatch("incident-42") is not None
    assert tag_regex("incident-{number}").fullmatch("incident-42x") is None


def test_report_values_keep_only_what_the_team_offers() -> None:
    settings = _settings(report_regions="eu-west,us-east", report_features="checkout,login")
    snapshot = TicketSnapshot(
        id="1", updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        tags=["tier_Premium", "region_mars", "region_eu-west", "feature_checkout",
              "feature_teleport", "platform_ios"],
    )  # fmt: skip
    values = report_values(snapshot, settings)
    assert values["tier"] == "premium"
    assert values["region"] == "eu-west"
    assert values["features"] == ["checkout"]
    assert values["platform"] == "ios"


def test_a_field_map_names_known_fields_only() -> None:
    assert parse_field_map("incident=1, tier = 2") == {"incident": "1", "tier": "2"}
    with pytest.raises(ValueError, match="should look like tier=<field>"):
        parse_field_map("colour=3")


def test_an_outbound_message_lists_its_cases_and_org() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        b'<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        b"<OrganizationId>00D000000000001AAA</OrganizationId>"
        b'<Notification><Id>04l1</Id><sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        b"<sf:Id>500A</sf:Id></sObject></Notification>"
        b'<Notification><Id>04l2</Id><sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        b"<sf:Id>500B</sf:Id></sObject></Notification>"
        b'<Notification><Id>04l3</Id><sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        b"<sf:Id>500A</sf:Id></sObject></Notification>"
        b"</notifications></soapenv:Body></soapenv:Envelope>"
    )
    message = parse_outbound_message(body)
    assert message.organization_id == "00D000000000001AAA"
    assert message.case_ids == ["500A", "500B"]
    assert b"<Ack>true</Ack>" in ACK


def test_an_xml_bomb_is_refused_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><notifications>&lol2;</notifications>'
    )
    with pytest.raises(ValueError, match="not a SOAP envelope"):
        parse_outbound_message(bomb)


def test_a_case_reads_salesforce_timestamps_and_published_comments() -> None:
    snapshot = case_snapshot(
        {"Id": "500A", "CaseNumber": "00001026", "Status": "Working", "IsClosed": False,
         "CreatedDate": "2026-11-23T09:00:00.000+0000",
         "LastModifiedDate": "2026-11-23T09:30:00.000+0000", "Incident__c": 7},
        account={"Id": "001A", "Name": "Initech", "Website": "https://www.initech.test/x"},
        owner={"Email": "agent@acme.test"},
        comments=[
            {"IsPublished": False, "CreatedDate": "2026-11-23T09:10:00.000+0000"},
            {"IsPublished": True, "CreatedDate": "2026-11-23T09:20:00.000+0000"},
        ],
        base_url="https://acme.my.salesforce.com",
        field_names={"incident": "Incident__c"},
    )  # fmt: skip
    assert snapshot.updated_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert snapshot.fields == {"incident": "7"}
    assert snapshot.organization is not None and snapshot.organization.domain == "initech.test"
    assert snapshot.first_public_reply_at == datetime(2026, 11, 23, 9, 20, tzinfo=UTC)
    assert snapshot.ref == "00001026"


def test_liaisons_own_comments_are_not_replies_and_the_rating_is_a_reaction() -> None:
    ticket = {
        **ZENDESK_TICKET,
        "ticket": {
            **ZENDESK_TICKET["ticket"],  # type: ignore[dict-item]
            "satisfaction_rating": {"score": "bad", "comment": "Took all day"},
        },
    }
    comments = [
        {"id": 1, "author_id": 20978392, "public": True, "created_at": "2026-01-01T10:00:00Z"},
        {"id": 2, "author_id": 235323, "public": True, "created_at": "2026-01-01T10:10:00Z"},
        {"id": 3, "author_id": 20978392, "public": True, "created_at": "2026-01-01T11:00:00Z"},
        {"id": 4, "author_id": 99, "public": True, "created_at": "2026-01-01T12:00:00Z"},
        {"id": 5, "author_id": 235323, "public": False, "created_at": "2026-01-01T13:00:00Z"},
    ]
    snapshot = to_snapshot(
        ticket, comments, base_url="https://acme.zendesk.com", field_ids={},
        own_ids=frozenset({99}),
    )  # fmt: skip
    assert snapshot.last_public_reply_at == datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
    assert (snapshot.rating, snapshot.rating_comment) == ("dissatisfied", "Took all day")


@pytest.mark.parametrize(
    ("rating", "reaction"),
    [("good", "satisfied"), ("Bad", "dissatisfied"), ("offered", None), ("unoffered", None),
     ("3", "neutral"), (5, "satisfied"), (2.0, "dissatisfied"), ("", None), (None, None)],
)  # fmt: skip
def test_ratings_read_as_reactions(rating: object, reaction: str | None) -> None:
    assert reaction_of(rating) == reaction


def test_a_case_reads_the_rating_field_and_skips_the_connected_apps_comments() -> None:
    snapshot = case_snapshot(
        {"Id": "500A", "Status": "Closed", "IsClosed": True, "CSAT__c": "satisfied",
         "CreatedDate": "2026-11-23T09:00:00.000+0000",
         "LastModifiedDate": "2026-11-23T12:00:00.000+0000"},
        account=None, owner=None,
        comments=[
            {"IsPublished": True, "CreatedDate": "2026-11-23T10:00:00.000+0000",
             "CreatedById": "005AGENT"},
            {"IsPublished": True, "CreatedDate": "2026-11-23T11:00:00.000+0000",
             "CreatedById": "005LIAISON"},
        ],
        base_url="https://acme.my.salesforce.com", field_names={}, rating_field="CSAT__c",
        own_user_id="005LIAISON",
    )  # fmt: skip
    assert snapshot.last_public_reply_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert snapshot.rating == "satisfied"
