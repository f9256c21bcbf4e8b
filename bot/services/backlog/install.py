"""Wires the backlog capability when Jira is configured: job kinds and the health check."""

from __future__ import annotations

from functools import partial

from bot.integrations.jira.client import JiraClient
from bot.runtime import Runtime
from bot.services.backlog import inbound, issues
from bot.services.backlog.kinds import CREATE, TELL
from bot.services.oncall.kinds import NOTICE
from bot.services.oncall.messages import post_notice


def install(rt: Runtime) -> None:
    settings = rt.settings
    if settings.jira_webhook_secret or settings.jira_enabled:
        rt.dispatcher.declare(TELL, partial(inbound.tell, rt))
    if not settings.jira_enabled:
        return
    client = JiraClient.from_settings(settings)
    rt.dispatcher.declare(CREATE, partial(issues.create_issue, rt, client))
    if NOTICE.name not in rt.dispatcher.kinds:
        rt.dispatcher.declare(NOTICE, partial(post_notice, rt))
    rt.health.add(client.check)
