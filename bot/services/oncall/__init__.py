"""On-call: PagerDuty incidents open, update and resolve Liaison incidents; support pages a
service's on-call; customer-facing updates flow back to PagerDuty."""
