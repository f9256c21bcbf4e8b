"""Jira Cloud: issues for customer impact out (REST v3), resolutions and releases in."""
