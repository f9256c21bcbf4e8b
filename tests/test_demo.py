"""``python app.py demo`` as a new user runs it: the same story, byte for byte, every time.

Two runs in separate processes (with different hash seeds, so nothing may depend on set or
dict order) must print identical transcripts, and the story must show what the README says
it shows, in order.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EXPECTED_IN_ORDER = [
    "[09:40]  ▶ The support lead loads the customer directory",
    "[09:42]  #inc-sev2-checkout-eu",
    "is the *Customer Liaison* for *incident #1*",
    "*Incident #1 opened* — Checkout eu",
    "[09:43]  ▶ Jordan, asked to be the Customer Liaison, presses Accept.",
    "[09:46]  modal for Alex Rivera",
    "┌ Attach customer report ┐",
    "Incident *: [#1 Checkout eu (sev2) · #inc-sev2-checkout-eu ▾]",
    "Alex Rivera types “acme”: the menu offers",
    "• Acme Corp · enterprise · eu-west · VIP",
    "[09:46]  DM to Alex Rivera",
    "Report attached to *incident #1*",
    "Incident channel: #inc-sev2-checkout-eu · 1 report from 1 customer so far.",
    "form for Blair Chen not accepted",
    "⚠ Summary: Describe what the customer reported.",
    "*Customer:* Bluth Company (not in the accounts directory)",
    # /liaison assessed
    "recorded the impact assessment for *incident #1*, 2m after it was due.",
    "Acme Corp had already reported this incident",
    "Source: the customer's message (https://",
    "[09:57]  ▶ Jordan asks for the impact picture: `/liaison impact`.",
    "[09:59]  private reply to Casey Morgan",
    "4 customer reports from 3 distinct customers",
    "Customers read it as “Service disruption” (the neutral default)",
    # The SLA warning DMs, at the default 30- and 10-minute leads.
    "[10:00]  DM to Blair Chen",
    ":alarm_clock: *30m left* to answer *Bluth Company*",
    "changed the severity of incident #1 from *sev2* to *sev1*",
    # The chart upload as a readable line.
    "📈 chart uploaded to #inc-sev2-checkout-eu: Reports per 5m by region · incident #1 · "
    "4 reports (impact-incident-1.png)",
    "A status update for *incident #1* is overdue",
    ":alarm_clock: *10m left* to answer *Bluth Company*",
    # The customer-facing title, then a posted update with its customer draft.
    "set the title customers read for *incident #1*: “Checkout errors for EU customers”",
    "┌ Status update ┐",
    "Message for customers *:",
    "│ We are aware of an issue affecting checkout, payments in eu-west (Checkout errors for "
    "EU customers)",
    "*Status update · incident #1* · Investigating — posted by @Jordan Lee",
    # The update reaches the status page: Statuspage's API receives the incident.
    "Published on the status page (Investigating): Checkout errors for EU customers",
    "Statuspage ← POST /v1/pages/pg1/incidents · Checkout errors for EU customers · investigating",
    # The breach DMs: the owner and the support manager.
    "The premium SLA of *Bluth Company* is *breached*",
    "[10:30]  DM to Morgan Blake (support manager)",
    "SLA breach: @Blair Chen has not answered *Bluth Company*",
    "marked this ticket responded 2026-11-23 10:31 UTC, after its deadline.",
    # The hand-off.
    "handed the Customer Liaison role for *incident #1* to @Riley Quinn.",
    "@Riley Quinn is the *Customer Liaison* for *incident #1*",
    "[10:38]  ▶ The payment gateway config is rolled back; Casey resolves the incident.",
    # The resolution follow-up: customers counted, the public title in the message.
    "[10:38]  DM to Alex Rivera",
    "Tell your 1 customer who reported it (2 tickets)",
    "The issue you reported to us (Checkout errors for EU customers) has been resolved",
    "resolved *incident #1* after 56m.",
    "[Create Jira issue]",  # on the resolution message, Jira being configured
    "Statuspage ← PATCH /v1/pages/pg1/incidents/inc1 · Checkout errors for EU customers · resolved",
    "Marked 1 customer of incident #1 as told",
    "There is no open incident to attach a customer report to.",
    # The second incident: PagerDuty's webhook opens it with its channel, responder and
    # liaison.
    "PagerDuty's webhook reaches Liaison.",
    "[10:48]  #pd-1001-sso-sign-in-failing-for-enterprise-customers\n         channel created",
    "invited Pat Kim (Identity on-call)",
    "🔖 bookmarked Conference bridge: https://meet.example.com/pd-sso",
    "*PagerDuty incident #1001* · open in PagerDuty",
    "Service *Identity* · priority *P1* · high urgency · severity *sev1*",
    "@Jordan Lee (Customer Liaison pool) is the *Customer Liaison* for *incident #2*",
    "[10:48]  PagerDuty ← GET /users/PPAT",
    # A Zendesk ticket tagged incident-2 becomes a report.
    "Blair tags ticket #4711 `incident-2`",
    "Report attached to *incident #2*",
    "*Customer:* Umbrella Health (VIP)",
    "*Ticket:* https://acme.zendesk.com/agent/tickets/4711",
    "[10:50]  Zendesk ← GET /api/v2/tickets/4711.json",
    # Support pages the mobile on-call; PagerDuty reports the acknowledgement.
    "paged the on-call of *mobile* through PagerDuty",
    "PagerDuty ← POST /v2/enqueue · trigger “Customer impact: SSO sign-in failing",
    "The page to *Mobile apps* was acknowledged by *Mo Santos*",
    # Reassigned in PagerDuty: the new assignee joins, the details show them.
    "invited Sam Ortiz (Identity lead)",
    "Assigned to Sam Ortiz (@Sam Ortiz (Identity lead) invited here)",
    "PagerDuty #1001 is now assigned to *Sam Ortiz*",
    # Resolved in PagerDuty: the follow-up, the reply on the ticket, the Jira button.
    "Tell your 1 customer who reported it",
    ":white_check_mark: Resolved in PagerDuty: incident #2 is resolved here too.\n"
    "         [Create Jira issue]",
    "Zendesk ← PUT /api/v2/tickets/4711.json · “Hello Umbrella Health",
    # /liaison jira: the issue with the customer impact, its link in the channel.
    "Jira issue OPS-1 (https://acme.atlassian.net/browse/OPS-1) was created",
    "Jira ← POST /rest/api/3/issue · “Customer impact: SSO sign-in failing for enterprise "
    "customers (incident #2)”",
    "End of the demo.",
]


def _start_demo(tmp_path: Path, seed: str) -> subprocess.Popen[str]:
    """app.py demo from an empty directory (no .env), no Slack settings, a given hash seed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env["PYTHONHASHSEED"] = seed
    workdir = tmp_path / seed
    workdir.mkdir()
    return subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "demo"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_demo_prints_the_same_story_every_time(tmp_path: Path) -> None:
    runs = [_start_demo(tmp_path, seed) for seed in ("1", "2")]
    (first, first_err), (second, _) = (run.communicate(timeout=120) for run in runs)
    assert [run.returncode for run in runs] == [0, 0], first_err

    assert first == second

    position = 0
    for line in EXPECTED_IN_ORDER:
        found = first.find(line, position)
        assert found >= 0, f"{line!r} missing (or out of order) in:\n{first}"
        position = found
    assert "Slack would have refused" not in first
    assert "{'id'" not in first  # no Python dicts, no raw channel ids
    assert "channel_id=" not in first
    assert "127.0.0.1" not in first  # the fakes appear under their public addresses
    calls = [line for line in first.splitlines() if " ← " in line]
    assert len(calls) == 9, "\n".join(calls)  # one line per call the other systems received
