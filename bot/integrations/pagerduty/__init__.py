"""PagerDuty: incidents in (v3 webhooks), updates and pages out (REST and Events API v2)."""
