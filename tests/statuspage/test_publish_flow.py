"""End to end: an update posted from Slack reaches the built-in page, its JSON and feeds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.ids import CadenceIds
from bot.models import PageUpdate
from bot.slack.statuspage_blocks import StatusPageIds
from tests.handlers.cadence_support import channel_texts, open_update_modal, sqlite_only
from tests.statuspage.support import CHANNEL, SETTINGS, component, declare, get, publish

pytestmark = sqlite_only


def test_the_form_offers_publishing_on_by_default_for_a_major_incident(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    declare(harness, "sev1")
    harness.command('title public "Checkout errors for EU customers"', channel=CHANNEL)
    view = open_update_modal(harness)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    publish_block = blocks[StatusPageIds.publish_block]
    assert publish_block["element"]["options"][0]["text"]["text"] == "Publish to the status page"
    assert publish_block["element"]["initial_options"]
    preview = blocks[StatusPageIds.preview_block]["text"]["text"]
    assert "Checkout errors for EU customers" in preview
    assert "Checkout down" not in preview  # the internal title never
    assert blocks[component("eu")]["label"]["text"] == "Regions: EU region"


def test_a_minor_incident_is_not_published_unless_chosen(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    declare(harness, "sev3")
    view = open_update_modal(harness)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert "initial_options" not in blocks[StatusPageIds.publish_block]["element"]
    publish(harness, "Looking into slow searches.", publish=False)
    assert "Looking into slow searches" not in get(harness, "/status").text


def test_an_update_from_slack_appears_on_the_page_json_and_feeds_once(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    declare(harness, "sev1")
    harness.command('title public "Checkout errors for EU customers"', channel=CHANNEL)
    publish(harness, "We are looking into failed payments.", components={"api": "partial_outage"})
    publish(
        harness,
        "A fix is being deployed.",
        status="identified",
        components={"api": "degraded_performance", "eu": "major_outage"},
    )

    page = get(harness, "/status")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "Checkout errors for EU customers" in html
    assert "Checkout down" not in html  # the internal title never reaches customers
    assert html.count("We are looking into failed payments.") == 1
    assert html.index("A fix is being deployed.") < html.index("We are looking into")

    summary = get(harness, "/status/api/v2/summary.json").json()
    assert summary["status"]["indicator"] == "critical"
    states = {c["id"]: c["status"] for c in summary["components"]}
    assert states["api"] == "degraded_performance"
    assert states["eu"] == "major_outage"
    assert states["web"] == "operational"
    [incident] = summary["incidents"]
    assert incident["name"] == "Checkout errors for EU customers"
    assert [u["body"] for u in incident["incident_updates"]] == [
        "A fix is being deployed.",
        "We are looking into failed payments.",
    ]
    assert incident["shortlink"] == f"https://status.example.com/status/incidents/{incident['id']}"

    atom = get(harness, "/status/feed.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    assert atom.text.count("<entry>") == 1
    assert "A fix is being deployed." in atom.text
    assert "A fix is being deployed." in get(harness, "/status/feed.rss").text

    notes = [t for t in channel_texts(harness) if "Published on the status page" in t]
    assert len(notes) == 2
    assert "https://status.example.com/status/incidents/" in notes[0]


def test_the_same_form_delivered_twice_publishes_once(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    declare(harness, "sev1")
    view = open_update_modal(harness)
    answers = {
        CadenceIds.message_block: "Investigating.",
        StatusPageIds.publish_block: [StatusPageIds.publish_value],
    }
    submitted = {**view, "id": "VSAME"}
    harness.view_submission(submitted, answers, user="UIC")
    harness.view_submission(submitted, answers, user="UIC")
    with harness.session() as session:
        assert len(session.scalars(select(PageUpdate)).all()) == 1


def test_resolving_from_the_form_resolves_the_page_incident(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    publish(harness, "Payments work again.", status="resolved")
    harness.advance(timedelta(minutes=5))

    summary = get(harness, "/status/api/v2/summary.json").json()
    assert summary["incidents"] == []
    assert summary["status"]["indicator"] == "none"
    [resolved] = get(harness, "/status/api/v2/incidents.json").json()["incidents"]
    assert resolved["status"] == "resolved"
    assert resolved["incident_updates"][0]["body"] == "Payments work again."
    assert len(resolved["incident_updates"]) == 2
    assert "Payments work again." in get(harness, "/status/history").text


def test_resolving_by_command_resolves_the_page_incident_after_a_grace(app_factory) -> None:
    harness = app_factory(**SETTINGS)
    declare(harness, "sev1")
    publish(harness, "Payments fail.", components={"api": "major_outage"})
    harness.command("resolve Rolled back", channel=CHANNEL)
    assert len(get(harness, "/status/api/v2/incidents/unresolved.json").json()["incidents"]) == 1

    harness.advance(timedelta(minutes=2))

    assert get(harness, "/status/api/v2/incidents/unresolved.json").json()["incidents"] == []
    [resolved] = get(harness, "/status/api/v2/incidents.json").json()["incidents"]
    assert resolved["incident_updates"][0]["body"] == "This incident has been resolved."
    assert "Rolled back" not in str(resolved)  # the internal note stays internal


def test_components_are_preselected_from_the_reports_through_the_map(app_factory) -> None:
    from bot.services.reports import ReportSubmission, attach

    harness = app_factory(
        **SETTINGS, status_component_map="feature:checkout=web,region:eu-west=eu,region:x=nope"
    )
    declare(harness, "sev1")
    attach(
        harness.rt,
        ReportSubmission(
            incident_id=1, customer_name="Acme", region="eu-west", features=["checkout"],
            summary="Cannot pay",
        ),
        agent_id="UAGENT",
    )  # fmt: skip
    view = open_update_modal(harness)
    selects = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert selects[component("web")]["initial_option"]["value"] == "partial_outage"
    assert selects[component("eu")]["initial_option"]["value"] == "partial_outage"
    assert "initial_option" not in selects[component("api")]

    publish(harness, "Checkout fails in the EU.", components={"eu": "major_outage"})
    view = open_update_modal(harness)
    selects = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    # From now on the previous public update decides.
    assert selects[component("eu")]["initial_option"]["value"] == "major_outage"
    assert selects[component("web")]["initial_option"]["value"] == "partial_outage"


def test_preview_shows_exactly_what_customers_will_read(app_factory) -> None:
    from bot.devtools.slack_requests import fill_view

    harness = app_factory(**SETTINGS)
    declare(harness, "sev1")
    harness.command('title public "Checkout errors for EU customers"', channel=CHANNEL)
    view = open_update_modal(harness)
    typed = {
        CadenceIds.status_block: "identified",
        CadenceIds.message_block: "We found the cause <b>& are fixing it.\nNext update soon.",
        CadenceIds.note_block: "Internal: rollback of deploy 42",
        component("api"): "partial_outage",
    }
    with_state = {**view, "state": {"values": fill_view(view, typed)}}
    harness.block_action(
        StatusPageIds.preview, view=with_state, block_id=StatusPageIds.preview_actions
    )

    [update] = harness.fake.calls_to("views.update")
    blocks = {b.get("block_id"): b for b in update.params["view"]["blocks"]}
    preview = blocks[StatusPageIds.preview_block]["text"]["text"]
    assert "“Checkout errors for EU customers” · Identified · API (Partial outage)" in preview
    assert ">We found the cause &lt;b&gt;&amp; are fixing it.\n>Next update soon." in preview
    assert "rollback" not in preview and "Checkout down" not in preview
    assert StatusPageIds.publish_block in blocks  # the rest of the form is unchanged
