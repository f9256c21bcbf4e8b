"""Durable jobs: every future or outgoing action is a row, declared once per kind.

- ``kinds``: ``JobKind`` (name, payload model, coalesce/fold rule, retry policy, whether
  its effects are harmless to repeat, handler), ``Job`` handed to handlers, ``Outcome``.
- ``api``: the one way services schedule (one at a time or ``batched``), reschedule,
  fold, fan out and cancel jobs.
- ``failures``: how a handler says a failure is permanent or transient.
- ``outbox``: messages tagged with their job and found again instead of repeated.
- ``store`` and ``writes``: the table itself, used only by this package and the dispatcher.
"""

from bot.jobs.api import batched, cancel, fan_out, fold, has_jobs, reschedule, schedule
from bot.jobs.failures import JobFailure
from bot.jobs.kinds import (
    Coalesce,
    Fold,
    Job,
    JobKind,
    NoPayload,
    Outcome,
    Payload,
    RetryPolicy,
)

__all__ = [
    "Coalesce",
    "Fold",
    "Job",
    "JobFailure",
    "JobKind",
    "NoPayload",
    "Outcome",
    "Payload",
    "RetryPolicy",
    "batched",
    "cancel",
    "fan_out",
    "fold",
    "has_jobs",
    "reschedule",
    "schedule",
]
