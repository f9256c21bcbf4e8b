"""The durable job kinds of the backlog capability (handlers bound in install.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.jobs import JobKind, Payload
from bot.jobs.kinds import RetryPolicy


class CreatePayload(Payload):
    jira_issue_id: int  # the row that waits for its key


class TellPayload(Payload):
    jira_issue_id: int
    what: str  # resolved | released
    detail: str = ""  # the resolution or the version's name
    all_customers: bool = False  # the liaison hears of every customer, owners of theirs


CREATE = JobKind(
    "jira.create_issue",
    CreatePayload,
    retry=RetryPolicy(max_attempts=6, base=timedelta(seconds=15), cap=timedelta(minutes=10)),
)
TELL = JobKind("jira.tell_follow_up", TellPayload)
