"""Development helpers (a fake Slack Web API) for the end-to-end tests and the demo mode."""
