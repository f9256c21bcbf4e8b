"""One module per capability: plain functions taking the Runtime; no Slack glue here."""
