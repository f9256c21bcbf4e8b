"""Installs each capability's lifecycle subscribers and job kinds on a Runtime.

The composition root calls ``install_capabilities`` once; adding a capability is one line.
Each capability declares its durable job kinds with ``rt.dispatcher.declare`` in its
install function; the Slack port handed to services is wrapped so that every message a job
posts is tagged with it and never posted twice (bot/jobs/outbox.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from bot.jobs.outbox import OutboxNotifier
from bot.runtime import Runtime
from bot.services import cadence, report_confirmation, sla
from bot.services.backlog.install import install as install_backlog
from bot.services.followup.install import install as install_followup
from bot.services.helpdesk.install import install as install_helpdesk
from bot.services.impact import hooks as impact
from bot.services.liaison.install import install as install_liaison
from bot.services.metrics import digest as metrics_digest
from bot.services.oncall.install import install as install_oncall
from bot.services.statuspage import publishing as statuspage
from bot.slack.notifier import Notifier

INSTALLERS: tuple[Callable[[Runtime], None], ...] = (
    report_confirmation.install,
    install_liaison,
    cadence.install,
    impact.install,
    sla.install,
    statuspage.install,
    install_followup,
    metrics_digest.install,
    install_oncall,
    install_backlog,
    install_helpdesk,
)


def install_capabilities(rt: Runtime) -> None:
    if not isinstance(rt.notifier, OutboxNotifier):
        rt.notifier = cast(Notifier, OutboxNotifier(rt.notifier, rt.dispatcher.scope))
    for install in INSTALLERS:
        install(rt)
