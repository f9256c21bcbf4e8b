"""Wires the help-desk bridge into a runtime: one client per configured help desk, the
jobs that read tickets and send comments, the subscribers that send updates and the
resolution, and a health check per help desk.

What a cause sets off, in one place:
- a webhook about a ticket -> ``inbound.READ_TICKET`` / ``APPLY_SNAPSHOT`` -> ``sync``;
- ``update_posted`` -> ``outbound.on_update_posted`` -> ``SEND_COMMENTS`` (notes/replies);
- ``resolved`` -> ``outbound.on_resolved`` -> ``SEND_COMMENTS`` (the resolution reply);
- ``report_attached`` from Slack naming a ticket -> ``from_slack.LINK_FROM_SLACK``;
- a ticket whose assignee is not in Slack -> ``unowned.UNOWNED_NOTICE`` (the liaison's DM);
- the resolution reply delivered, a later reply, a rating -> ``followups`` (the board).
"""

from __future__ import annotations

from functools import partial

from bot.integrations.health import CheckResult, Health
from bot.integrations.salesforce.client import SalesforceClient
from bot.integrations.zendesk.client import ZendeskClient
from bot.lifecycle import Lifecycle
from bot.runtime import Runtime
from bot.services.helpdesk import from_slack, inbound, outbound, unowned
from bot.services.helpdesk.model import SOURCE_LABELS, HelpdeskClient, TicketSource


def clients_for(rt: Runtime) -> dict[TicketSource, HelpdeskClient]:
    settings = rt.settings
    clients: dict[TicketSource, HelpdeskClient] = {}
    if settings.zendesk_enabled:
        clients[TicketSource.zendesk] = ZendeskClient(settings)
    if settings.salesforce_enabled:
        clients[TicketSource.salesforce] = SalesforceClient(settings)
    return clients


def install(rt: Runtime) -> None:
    clients = clients_for(rt)
    inbound.install(rt, clients)
    outbound.install(rt, clients)
    from_slack.install(rt, clients)
    unowned.install(rt)
    rt.hooks.subscribe(Lifecycle.report_attached, partial(from_slack.on_report_attached, rt))
    rt.hooks.subscribe(Lifecycle.update_posted, outbound.on_update_posted)
    rt.hooks.subscribe(Lifecycle.resolved, outbound.on_resolved)
    for client in clients.values():
        rt.health.add(client.check)
    for source, settings in _OFF_HINTS.items():
        if source not in clients:
            result = CheckResult(SOURCE_LABELS[source], Health.off, f"set {settings} to turn it on")
            rt.health.add(partial(_constant, result))
    if not rt.settings.generic_webhook_secret.get_secret_value():
        hint = "set GENERIC_WEBHOOK_SECRET to turn it on"
        rt.health.add(partial(_constant, CheckResult("Generic webhook", Health.off, hint)))


_OFF_HINTS = {
    TicketSource.zendesk: "ZENDESK_URL, ZENDESK_EMAIL, ZENDESK_API_TOKEN, ZENDESK_WEBHOOK_SECRET",
    TicketSource.salesforce: "SALESFORCE_URL, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, "
    "SALESFORCE_ORG_ID, SALESFORCE_WEBHOOK_SECRET",
}


def _constant(result: CheckResult) -> CheckResult:
    return result
