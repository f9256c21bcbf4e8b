"""Everything in Liaison that is not Slack glue: configuration, data, domain services."""
