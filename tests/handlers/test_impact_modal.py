"""Reports filed through the report modal feed one pinned live summary, edited in place."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.ids import ReportIds
from bot.services.accounts import import_accounts_csv
from tests.harness import Harness
from tests.impact_helpers import blocks_text, summaries

ACCOUNTS = """\
account_id,name,tier,region,vip
1001,Acme Corp,enterprise,eu-south,yes
1002,Acme Labs,standard,eu-south,no
2001,Globex,premium,us-east,no
"""


def _submit(harness: Harness, account: str, name: str) -> None:
    harness.command("report", channel="CINC1", channel_name="inc-sev3-checkout", user="UAGENT")
    view: Any = harness.fake.calls_to("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    response = harness.view_submission(
        view,
        {
            ReportIds.account_block: (f"account:{account}", name),
            ReportIds.summary_block: "Card payments fail at checkout.",
        },
    )
    assert response.status == 200 and "errors" not in (response.body or "")


def test_modal_reports_lead_to_one_pinned_summary_edited_within_the_debounce(
    harness: Harness,
) -> None:
    import_accounts_csv(harness.rt.sessions, ACCOUNTS, now=harness.clock.now())
    harness.channel_created("CINC1", "inc-sev3-checkout")

    _submit(harness, "1001", "Acme Corp")
    [live] = summaries(harness.fake, "CINC1", "impact.live")
    assert harness.fake.pins["CINC1"] == [live["ts"]]
    assert "*1 report* from *1 customer* · 0 tickets · 1 VIP account" in blocks_text(live)
    assert "*VIP accounts reporting (1):* Acme Corp" in blocks_text(live)

    harness.clock.advance(timedelta(seconds=20))
    _submit(harness, "1002", "Acme Labs")
    harness.clock.advance(timedelta(seconds=20))
    _submit(harness, "2001", "Globex")
    assert harness.fake.calls_to("chat.update") == []

    harness.advance(timedelta(seconds=20))  # IMPACT_REFRESH after the first post
    [live] = summaries(harness.fake, "CINC1", "impact.live")
    assert live["edited"] and len(harness.fake.calls_to("chat.update")) == 1
    text = blocks_text(live)
    assert "*3 reports* from *3 customers*" in text
    assert "100% of all customers" in text  # all three directory accounts reported
    assert harness.fake.pins["CINC1"] == [live["ts"]]
