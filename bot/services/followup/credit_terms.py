"""Contractual SLA credit terms (``SLA_CREDITS``) and the rule that applies them.

Format: tiers separated by ``;``, each ``tier=<percent>%><duration>`` steps separated by
``,``, e.g. ``premium=10%>1h,25%>4h;enterprise=5%>2h``. A step applies when the
incident's customer-visible duration *exceeds* its duration (exactly 1h owes nothing under
``>1h``); the highest step that applies is the credit, never the sum of steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.durations import parse_duration

_STEP = re.compile(r"^\s*(\d{1,3})\s*%\s*>\s*(\S+)\s*$")


@dataclass(frozen=True, order=True)
class CreditStep:
    threshold: timedelta
    percent: int


@dataclass(frozen=True)
class CreditDue:
    tier: str
    percent: int
    threshold: timedelta


CreditTerms = dict[str, tuple[CreditStep, ...]]


def parse_credit_terms(value: Any) -> Any:
    """``"premium=10%>1h,25%>4h;enterprise=5%>2h"`` -> {tier: steps by threshold}."""
    if not isinstance(value, str):
        return value
    terms: dict[str, tuple[CreditStep, ...]] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        tier, sep, steps_text = part.partition("=")
        tier = tier.strip().lower()
        if not sep or not tier:
            raise ValueError(f"{part.strip()!r} should look like premium=10%>1h,25%>4h")
        steps = []
        for step_text in steps_text.split(","):
            match = _STEP.match(step_text)
            if match is None:
                raise ValueError(f"{step_text.strip()!r} in {tier} should look like 10%>1h")
            percent = int(match.group(1))
            if not 0 < percent <= 100:
                raise ValueError(f"{step_text.strip()!r} in {tier}: a percent from 1 to 100")
            steps.append(CreditStep(parse_duration(match.group(2)), percent))
        if tier in terms:
            raise ValueError(f"tier {tier} is given twice")
        terms[tier] = tuple(sorted(steps))
    return terms


def credit_due(terms: CreditTerms, tier: str | None, visible: timedelta) -> CreditDue | None:
    """The credit an account of ``tier`` is owed for ``visible`` customer-visible time."""
    if not tier:
        return None
    due = None
    for step in terms.get(tier.lower(), ()):
        if visible > step.threshold and (due is None or step.percent > due.percent):
            due = CreditDue(tier.lower(), step.percent, step.threshold)
    return due
