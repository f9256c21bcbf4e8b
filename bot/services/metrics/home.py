"""The App Home's Metrics section, shown to support managers only.

Support managers are the people SLA breaches escalate to (``SLA_ESCALATION``, any tier):
they are who the figures are for, and no separate list of managers has to be kept.
"""

from __future__ import annotations

from bot.runtime import Runtime
from bot.services.metrics.report import metrics_report, render_summary
from bot.services.sla.delivery import escalation_recipients
from bot.slack.client import SlackDeliveryError

HOME_PERIOD = "30d"


def is_support_manager(rt: Runtime, user_id: str) -> bool:
    tiers = {None, *(tier for tier in rt.settings.sla_policy_map())}
    for tier in tiers:
        try:
            if user_id in escalation_recipients(rt, tier):
                return True
        except SlackDeliveryError:
            return False
    return False


def home_metrics(rt: Runtime, user_id: str) -> list[str] | None:
    """The section's texts (one per Home section block), or None for everyone else."""
    if not is_support_manager(rt, user_id):
        return None
    summary = render_summary(rt, metrics_report(rt, HOME_PERIOD))
    return [rt.renderer.render("metrics/home_intro.j2"), *paragraphs(summary)]


def paragraphs(text: str, limit: int = 2900) -> list[str]:
    """Split on lines into texts Slack accepts (3,000 characters per section)."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines():
        if current and len(current) + len(line) + 1 > limit:
            parts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        parts.append(current)
    return parts
