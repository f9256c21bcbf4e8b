"""Liaison's links to systems other than Slack, one package per system.

Each ``bot/integrations/<system>/`` holds ``inbound.py`` (verify a webhook, parse it into a
pydantic model, call a service), ``client.py`` (the outgoing port and its real
implementation on ``http.IntegrationClient``) and its settings; its fake for tests and
the demo lives in ``bot/devtools/``. An integration is off until its settings are given.
"""
