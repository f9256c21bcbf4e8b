"""The demo's script: one small function per moment of the story, played in order.

Each step says what a person does (``demo.say``), does it through Slack (signed HTTP
requests to the real app) and lets the transcript print what the app produced. To show a
new capability, write steps like these and add them to ``STEPS`` where they belong.
"""

from __future__ import annotations

from datetime import timedelta

from bot import demo_integrations as integrations
from bot.demo import Demo, Step
from bot.ids import LiaisonIds, ReportIds, SlaActions
from bot.services.accounts import import_accounts_csv

INCIDENT_CHANNEL = "CINC0001"
SUPPORT_CHANNEL = "CSUPPORT1"
ALEX, BLAIR, CASEY, DANA = "UALEX", "UBLAIR", "UCASEY", "UDANA"
JORDAN, MORGAN, RILEY = "UJORDAN", "UMORGAN", "URILEY"

ACCOUNTS_CSV = """\
account_id,name,tier,region,vip,owner
ACME-001,Acme Corp,enterprise,eu-west,yes,jo
GLOBEX-07,Globex,premium,eu-central,no,sam
INITECH-3,Initech,standard,eu-west,no,sam
UMBRELLA-9,Umbrella Health,enterprise,us-east,yes,jo
HOOLI-12,Hooli,standard,us-west,no,kim
STARK-1,Stark Industries,premium,eu-north,yes,kim
"""


def set_the_scene(demo: Demo) -> None:
    demo.add_user(ALEX, "alex", "Alex Rivera", tz="Europe/Berlin")
    demo.add_user(BLAIR, "blair", "Blair Chen", tz="Europe/Dublin")
    demo.add_user(CASEY, "casey", "Casey Morgan", tz="Europe/London")
    demo.add_user(DANA, "dana.initech", "Dana Park (Initech)", tz="Europe/Paris")
    demo.add_user(JORDAN, "jordan", "Jordan Lee (Customer Liaison pool)", tz="Europe/Madrid")
    demo.add_user(MORGAN, "morgan", "Morgan Blake (support manager)", tz="Europe/London")
    demo.add_user(RILEY, "riley", "Riley Quinn", tz="Europe/London")
    demo.add_channel(SUPPORT_CHANNEL, "support-escalations")
    result = import_accounts_csv(demo.rt.sessions, ACCOUNTS_CSV, now=demo.clock.now())
    demo.say(
        "The support lead loads the customer directory: "
        f"`python app.py import-accounts accounts.csv` ({result.created} accounts added)."
    )


def open_incident_channel(demo: Demo) -> None:
    demo.advance(2)
    demo.say("Casey (incident commander) creates #inc-sev2-checkout-eu.")
    demo.channel_created(INCIDENT_CHANNEL, "inc-sev2-checkout-eu", creator=CASEY)


def jordan_accepts_the_liaison_role(demo: Demo) -> None:
    demo.advance(1)
    demo.say("Jordan, asked to be the Customer Liaison, presses Accept.")
    demo.press(JORDAN, LiaisonIds.accept, channel=INCIDENT_CHANNEL)


def alex_attaches_a_directory_customer(demo: Demo) -> None:
    demo.advance(3)
    demo.say("Alex runs `/liaison report` in the incident channel.")
    demo.command(ALEX, "report", channel=INCIDENT_CHANNEL)
    view = demo.last_modal()
    demo.suggest(ALEX, view, ReportIds.account_block, "acme")
    demo.say("Alex picks Acme Corp, fills in the ticket and details, and submits.")
    demo.submit(
        ALEX,
        view,
        {
            ReportIds.account_block: ("account:ACME-001", "Acme Corp"),
            ReportIds.ticket_block: "https://acme.zendesk.com/agent/tickets/48213",
            ReportIds.first_contact_block: _minutes_ago(demo, 7),
            ReportIds.platform_block: "web",
            ReportIds.version_block: "4.12.1",
            ReportIds.features_block: ["checkout", "payments"],
            ReportIds.contact_block: "chat",
            ReportIds.summary_block: "Card payments fail at the last checkout step with "
            "'payment provider unavailable'. Orders stuck since 09:35.",
            ReportIds.sentiment_block: "frustrated",
        },
    )


def blair_attaches_an_unknown_customer(demo: Demo) -> None:
    demo.advance(2)
    demo.say("Blair runs `/liaison report` from #support-escalations and submits too fast.")
    demo.command(BLAIR, "report", channel=SUPPORT_CHANNEL)
    view = demo.last_modal()
    demo.suggest(BLAIR, view, ReportIds.account_block, "Bluth Company")
    demo.submit(
        BLAIR,
        view,
        {
            ReportIds.account_block: ("name:Bluth Company", "Bluth Company"),
            ReportIds.ticket_block: "https://",
            ReportIds.summary_block: " ",
        },
    )
    demo.say(
        "Blair picks the incident, fixes the ticket and writes the summary. Bluth Company is "
        "a premium customer (first response within 1 hour) who called at 09:30."
    )
    demo.submit(
        BLAIR,
        view,
        {
            ReportIds.incident_block: "1",
            ReportIds.account_block: ("name:Bluth Company", "Bluth Company"),
            ReportIds.ticket_block: "SF-00123",
            ReportIds.first_contact_block: _minutes_ago(demo, 18),
            ReportIds.tier_block: "premium",
            ReportIds.region_block: "eu-west",
            ReportIds.platform_block: "ios",
            ReportIds.features_block: ["checkout"],
            ReportIds.contact_block: "phone",
            ReportIds.summary_block: "iOS app: Apple Pay spins forever, then 'try again later'.",
            ReportIds.sentiment_block: "concerned",
        },
    )


def jordan_records_the_assessment(demo: Demo) -> None:
    demo.advance(1)
    demo.say("Jordan has read the first reports and records the impact assessment.")
    demo.command(JORDAN, "assessed", channel=INCIDENT_CHANNEL)


def alex_attaches_the_same_customer_again(demo: Demo) -> None:
    demo.advance(3)
    demo.say("Acme's finance team writes in separately; Alex attaches a second ticket.")
    demo.command(ALEX, "report", channel=INCIDENT_CHANNEL)
    demo.submit(
        ALEX,
        demo.last_modal(),
        {
            ReportIds.account_block: ("account:ACME-001", "Acme Corp"),
            ReportIds.ticket_block: "ZD-48230",
            ReportIds.contact_block: "email",
            ReportIds.summary_block: "Finance sees customers charged twice for failed orders.",
            ReportIds.sentiment_block: "angry",
        },
    )


def blair_attaches_a_customer_message(demo: Demo) -> None:
    demo.advance(3)
    text = (
        "Hi team, none of our EU shoppers can check out since ~9:40, every card payment "
        "ends with an error. This is costing us a lot, please advise ASAP."
    )
    ts = demo.fake.add_message(SUPPORT_CHANNEL, text, user=DANA)
    demo.say(f"Dana (Initech) writes in #support-escalations: “{text}”")
    demo.say("Blair uses the *Attach to incident* shortcut on Dana's message.")
    demo.message_shortcut(BLAIR, ReportIds.shortcut, channel=SUPPORT_CHANNEL, ts=ts)
    view = demo.last_modal()
    demo.suggest(BLAIR, view, ReportIds.account_block, "initech")
    demo.submit(
        BLAIR,
        view,
        {
            ReportIds.incident_block: "1",
            ReportIds.account_block: ("account:INITECH-3", "Initech"),
            ReportIds.contact_block: "chat",
            ReportIds.sentiment_block: "frustrated",
        },
    )


def jordan_checks_the_impact(demo: Demo) -> None:
    demo.advance(2)
    demo.say("Jordan asks for the impact picture: `/liaison impact`.")
    demo.command(JORDAN, "impact", channel=INCIDENT_CHANNEL)


def casey_checks_status(demo: Demo) -> None:
    demo.advance(2)
    demo.say("Casey runs `/liaison status` in the incident channel.")
    demo.command(CASEY, "status", channel=INCIDENT_CHANNEL)


def casey_raises_severity(demo: Demo) -> None:
    demo.advance(1)
    demo.say("Casey raises the severity: `/liaison severity sev1`.")
    demo.command(CASEY, "severity sev1", channel=INCIDENT_CHANNEL)


def time_passes_without_an_update(demo: Demo) -> None:
    demo.say("Everyone is busy fixing; nobody posts an update. Twenty minutes pass.")
    demo.advance(10)
    demo.advance(10)
    demo.say("Alex looks at the SLA queue: `/liaison sla`.")
    demo.command(ALEX, "sla", channel=INCIDENT_CHANNEL)


def jordan_posts_an_update(demo: Demo) -> None:
    demo.advance(1)
    demo.say(
        "Before writing to customers, Jordan gives the incident a title they can read: "
        "`/liaison title public Checkout errors for EU customers`."
    )
    demo.command(JORDAN, "title public Checkout errors for EU customers", channel=INCIDENT_CHANNEL)
    demo.say("Jordan runs `/liaison update`: the customer message is drafted from the facts.")
    demo.command(JORDAN, "update", channel=INCIDENT_CHANNEL)
    view = demo.last_modal()
    demo.say("Jordan posts the update as drafted.")
    demo.submit(JORDAN, view, {})


def blair_answers_the_breached_ticket(demo: Demo) -> None:
    demo.say("Nobody answered Bluth Company in time.")
    demo.advance(9)
    demo.advance(1)
    demo.say("Blair calls Bluth Company back and presses *Mark responded*.")
    demo.press(BLAIR, SlaActions.mark_responded, channel=BLAIR)


def jordan_hands_off(demo: Demo) -> None:
    demo.advance(1)
    demo.say("Jordan's shift ends: *Hand off* in the checklist DM, to Riley, with a note.")
    demo.press(JORDAN, LiaisonIds.hand_off, channel=JORDAN)
    demo.submit(
        JORDAN,
        demo.last_modal(),
        {
            LiaisonIds.hand_off_user_block: RILEY,
            LiaisonIds.hand_off_note_block: "Update posted at 10:21; Acme's finance team is "
            "waiting for news about double charges.",
        },
    )


def riley_accepts(demo: Demo) -> None:
    demo.advance(1)
    demo.say("Riley presses Accept.")
    demo.press(RILEY, LiaisonIds.accept, channel=INCIDENT_CHANNEL)


def casey_resolves(demo: Demo) -> None:
    demo.advance(5)
    demo.say("The payment gateway config is rolled back; Casey resolves the incident.")
    demo.command(CASEY, "resolve Rolled back the payment gateway config.", channel=INCIDENT_CHANNEL)


def alex_tells_the_customer(demo: Demo) -> None:
    demo.advance(2)
    demo.say("Alex sends Acme Corp the resolution message and presses *Mark customers told*.")
    demo.press(ALEX, SlaActions.customers_told, channel=ALEX)


def a_late_report_finds_no_open_incident(demo: Demo) -> None:
    demo.advance(3)
    demo.say("Alex tries `/liaison report` once more, after the resolution.")
    demo.command(ALEX, "report", channel=SUPPORT_CHANNEL)


def _minutes_ago(demo: Demo, minutes: int) -> int:
    return int((demo.clock.now() - timedelta(minutes=minutes)).timestamp())


STEPS: list[Step] = [
    set_the_scene,
    open_incident_channel,
    jordan_accepts_the_liaison_role,
    alex_attaches_a_directory_customer,
    blair_attaches_an_unknown_customer,
    jordan_records_the_assessment,
    alex_attaches_the_same_customer_again,
    blair_attaches_a_customer_message,
    jordan_checks_the_impact,
    casey_checks_status,
    casey_raises_severity,
    time_passes_without_an_update,
    jordan_posts_an_update,
    blair_answers_the_breached_ticket,
    jordan_hands_off,
    riley_accepts,
    casey_resolves,
    alex_tells_the_customer,
    a_late_report_finds_no_open_incident,
    # The second incident: PagerDuty, Zendesk and Jira (bot/demo_integrations.py).
    *integrations.STEPS,
]
