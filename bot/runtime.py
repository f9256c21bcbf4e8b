"""The collaborators every service needs, built once by the composition root (app.py).

Passing one object keeps service signatures short without any module-level state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.dispatcher import ReminderDispatcher
from bot.integrations.health import HealthChecks
from bot.lifecycle import LifecycleHooks
from bot.rendering import Renderer
from bot.slack.notifier import Notifier


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    sessions: sessionmaker[Session]
    notifier: Notifier
    renderer: Renderer
    hooks: LifecycleHooks
    dispatcher: ReminderDispatcher
    # Asks the scheduler to dispatch due reminders now; set by app.py once it exists.
    wake: Callable[[], None] = field(default=lambda: None)
    # Each configured integration adds its check here; /liaison health and start-up run them.
    health: HealthChecks = field(default_factory=HealthChecks)
