"""Installs each capability's lifecycle subscribers and reminder handlers on a Runtime.

The composition root calls ``install_capabilities`` once; adding a capability is one line.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.runtime import Runtime
from bot.services import cadence, report_confirmation, sla
from bot.services.impact import hooks as impact
from bot.services.liaison.install import install as install_liaison

INSTALLERS: tuple[Callable[[Runtime], None], ...] = (
    report_confirmation.install,
    install_liaison,
    cadence.install,
    impact.install,
    sla.install,
)


def install_capabilities(rt: Runtime) -> None:
    for install in INSTALLERS:
        install(rt)
