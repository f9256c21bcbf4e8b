"""Settings of the follow-up board, SLA credits and the metrics digest.

A mixin of bot/config.py's Settings (kept apart so config.py stays readable); each is
documented in .env.example.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_settings import BaseSettings, NoDecode

from bot.durations import parse_duration
from bot.services.followup.credit_terms import CreditTerms, parse_credit_terms
from bot.services.metrics.digest_schedule import DigestSchedule, parse_digest_schedule


class FollowupSettings(BaseSettings):
    # Credit terms per tier: premium=10%>1h,25%>4h;enterprise=5%>2h. Empty: no credits.
    sla_credits: Annotated[CreditTerms, NoDecode, BeforeValidator(parse_credit_terms)] = {}
    # The liaison is reminded this long after resolution (and again each time as long)
    # while customers on the follow-up board are still untold.
    followup_reminder_after: Annotated[timedelta, BeforeValidator(parse_duration)] = timedelta(
        hours=4
    )
    # Channel id for the weekly metrics digest; empty: no digest.
    metrics_digest_channel: str = ""
    # When the digest is posted, UTC: "<weekday> HH:MM".
    metrics_digest_schedule: Annotated[
        DigestSchedule, NoDecode, BeforeValidator(parse_digest_schedule)
    ] = DigestSchedule(weekday=0, hour=9, minute=0)
