"""Outgoing Slack: the Web API client with retries, and pure Block Kit builders."""
