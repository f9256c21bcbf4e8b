"""Fixtures shared by the end-to-end tests of several capabilities."""

from __future__ import annotations

import pytest

from tests.handlers.sla_support import setup_people
from tests.harness import Harness


@pytest.fixture
def sla(app_factory) -> Harness:
    """The app with SLA escalation to the support manager, and its people in Slack."""
    harness = app_factory(sla_escalation="UMGR")
    setup_people(harness)
    return harness
