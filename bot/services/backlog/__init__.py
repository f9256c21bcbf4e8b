"""Backlog: customer impact becomes a Jira issue, and the fix shipping comes back to the
people who owe the customers a follow-up."""
