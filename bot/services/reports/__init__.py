"""Customer reports: what a submission must be (``submission``), and attaching it
(``intake``). Sources import from here."""

from bot.services.reports.intake import AttachedReport, attach
from bot.services.reports.submission import (
    FUTURE_TOLERANCE,
    PLATFORM_LABELS,
    SUMMARY_LIMIT,
    TICKET_LIMIT,
    VERSION_LIMIT,
    ContactChannel,
    IntakeRules,
    Platform,
    ReportRejected,
    ReportSubmission,
    Sentiment,
    check_submission,
    parse_submission,
)

__all__ = [
    "FUTURE_TOLERANCE",
    "PLATFORM_LABELS",
    "SUMMARY_LIMIT",
    "TICKET_LIMIT",
    "VERSION_LIMIT",
    "AttachedReport",
    "ContactChannel",
    "IntakeRules",
    "Platform",
    "ReportRejected",
    "ReportSubmission",
    "Sentiment",
    "attach",
    "check_submission",
    "parse_submission",
]
