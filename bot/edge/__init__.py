"""The HTTP edge: one Falcon app for Slack, health, metrics and inbound webhooks.

Slack's own route is glue and lives in handlers/http.py; everything else that arrives
over HTTP is mounted here. See README, "Architecture", for where a webhook source goes.
"""
