"""The demo's second incident: the integrations at work, against their in-process fakes.

PagerDuty's webhook opens an incident with its own channel, responders and liaison; a
Zendesk ticket tagged for it becomes a customer report; support pages another team's
on-call, who acknowledges; PagerDuty hands the incident to someone else and resolves it;
the liaison files the customer impact in Jira. The transcript prints, one line each, what
PagerDuty, Zendesk, Jira and Statuspage were asked.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.demo import Demo, Step
from bot.devtools.demo_fakes import PAGERDUTY_SECRET, ZENDESK_SECRET
from bot.devtools.fake_pagerduty import FakeIncident, sign, webhook
from bot.ids import LiaisonIds
from bot.models import Incident, PagerDutyIncident

ALEX, BLAIR, JORDAN = "UALEX", "UBLAIR", "UJORDAN"
PAT, SAM = "UPAT", "USAM"


def pagerduty_opens_an_incident(demo: Demo) -> None:
    demo.advance(5)
    demo.fake.add_user(PAT, "pat", real_name="Pat Kim (Identity on-call)", email="pat@acme.test")
    demo.fake.add_user(SAM, "sam", real_name="Sam Ortiz (Identity lead)", email="sam@acme.test")
    demo.fakes.pagerduty.users.update({"PPAT": "pat@acme.test", "PSAM": "sam@acme.test"})
    incident = demo.fakes.pagerduty.add_incident(
        title="SSO sign-in failing for enterprise customers",
        priority="P1",
        service_id="PIDENT",
        service_name="Identity",
        assignees=[("PPAT", "Pat Kim")],
        conference_url="https://meet.example.com/pd-sso",
        conference_number="+1 555 0100",
    )
    demo.notes["pagerduty"] = incident
    demo.say(
        "Monitoring triggers a P1 in PagerDuty on the Identity service: “SSO sign-in failing "
        "for enterprise customers”, assigned to Pat. PagerDuty's webhook reaches Liaison."
    )
    _pagerduty(demo, "incident.triggered", incident)
    with demo.rt.sessions() as session:
        channel = session.scalar(
            select(Incident.channel_id)
            .join(PagerDutyIncident, PagerDutyIncident.incident_id == Incident.id)
            .where(PagerDutyIncident.external_id == incident.id)
        )
    demo.notes["pagerduty_channel"] = channel


def jordan_accepts_the_second_incident(demo: Demo) -> None:
    demo.advance(1)
    demo.say("Jordan accepts the liaison role for the new incident.")
    demo.press(JORDAN, LiaisonIds.accept, channel=demo.notes["pagerduty_channel"])


def a_zendesk_ticket_becomes_a_report(demo: Demo) -> None:
    demo.advance(1)
    desk = demo.fakes.zendesk
    desk.clock = demo.clock.now
    demo.fake.add_user(
        BLAIR, "blair", real_name="Blair Chen", tz="Europe/Dublin", email="blair@acme.test"
    )
    desk.add_user(10, "Quinn Harper", "quinn@umbrella.test")
    desk.add_user(20, "Blair Chen", "blair@acme.test", role="agent")
    desk.add_organization(30, "Umbrella Health", external_id="UMBRELLA-9", domain="umbrella.test")
    desk.add_ticket(
        4711,
        subject="Nobody at Umbrella can sign in with SSO",
        description="Since 10:45 our staff get 'SAML response invalid' on the login page.",
        requester_id=10,
        assignee_id=20,
        organization_id=30,
        tags=["incident-2", "feature_login", "platform_web"],
        created_at=demo.clock.now() - timedelta(minutes=4),
    )
    demo.say(
        "Umbrella Health writes to support in Zendesk; Blair tags ticket #4711 `incident-2`. "
        "Zendesk's webhook reaches Liaison."
    )
    body, headers = desk.delivery({"ticket_id": "4711"}, secret=ZENDESK_SECRET, at=demo.clock.now())
    demo.webhook("/webhooks/zendesk", body, headers)
    demo.say("Jordan has what customers see and records the impact assessment.")
    demo.command(JORDAN, "assessed", channel=demo.notes["pagerduty_channel"])


def alex_pages_the_mobile_on_call(demo: Demo) -> None:
    demo.advance(1)
    channel = demo.notes["pagerduty_channel"]
    demo.say(
        "Customers are locked out of the mobile app too. Alex pages the mobile team: "
        "`/liaison escalate mobile Enterprise customers locked out of the app as well`."
    )
    demo.command(ALEX, "escalate mobile Enterprise customers locked out of the app as well",
                 channel=channel)  # fmt: skip
    page = next(i for i in demo.fakes.pagerduty.incidents.values() if i.id.startswith("E"))
    demo.advance(1)
    demo.say("PagerDuty tells Liaison the page opened an incident, and Mo acknowledges it.")
    _pagerduty(demo, "incident.triggered", page)
    page.status = "acknowledged"
    _pagerduty(demo, "incident.acknowledged", page, agent=("PMO", "Mo Santos", "mo@acme.test"))


def pat_hands_the_incident_to_sam(demo: Demo) -> None:
    demo.advance(2)
    incident: FakeIncident = demo.notes["pagerduty"]
    # A reassigned incident is triggered again, for its new assignee.
    incident.status, incident.assignees = "triggered", [("PSAM", "Sam Ortiz")]
    demo.say("Pat reassigns the PagerDuty incident to Sam, the Identity lead.")
    _pagerduty(demo, "incident.reassigned", incident, agent=("PPAT", "Pat Kim", "pat@acme.test"))


def pagerduty_resolves(demo: Demo) -> None:
    demo.advance(5)
    incident: FakeIncident = demo.notes["pagerduty"]
    incident.status, incident.assignees = "resolved", []
    demo.say("Sam rolls back the identity provider's certificate and resolves it in PagerDuty.")
    _pagerduty(demo, "incident.resolved", incident, agent=("PSAM", "Sam Ortiz", "sam@acme.test"))


def jordan_files_the_impact_in_jira(demo: Demo) -> None:
    demo.advance(1)
    demo.say("Jordan puts the customer impact in the engineers' backlog: `/liaison jira`.")
    demo.command(JORDAN, "jira", channel=demo.notes["pagerduty_channel"])


def _pagerduty(
    demo: Demo,
    event_type: str,
    incident: FakeIncident,
    *,
    agent: tuple[str, str, str] | None = None,
) -> None:
    """A v3 webhook delivery, signed as PagerDuty signs it, at the demo's time."""
    sent = demo.notes["pagerduty_events"] = demo.notes.get("pagerduty_events", 0) + 1
    body = webhook(
        event_type,
        incident,
        event_id=f"PDEVT{sent:04d}",
        occurred_at=demo.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        agent=agent,
    )
    demo.webhook(
        "/webhooks/pagerduty", body, {"X-PagerDuty-Signature": sign(body, PAGERDUTY_SECRET)}
    )


STEPS: list[Step] = [
    pagerduty_opens_an_incident,
    jordan_accepts_the_second_incident,
    a_zendesk_ticket_becomes_a_report,
    alex_pages_the_mobile_on_call,
    pat_hands_the_incident_to_sam,
    pagerduty_resolves,
    jordan_files_the_impact_in_jira,
]
