"""The status page: what customers read about incidents and maintenance.

- ``settings`` and ``components``: what the operator declares.
- ``publishing``: turning a status update from Slack into a public update (once).
- ``maintenance``: scheduled windows that start and complete on their own.
- ``page``: the page's data as customers see it, read by the web module and the feeds.
- ``delivery``: the durable jobs that tell the channel, subscribers and Statuspage;
  ``pagerduty_push`` (with its client ``pagerduty_pages``) does the same for a PagerDuty
  status page, ``email_delivery`` for email subscribers (``mail`` talks SMTP).
- ``subscribers``: webhook subscribers; ``email_subscribers`` and ``email_links``: email
  subscribers, their double opt-in and one-click unsubscribe.
- ``outbound``: what the outgoing jobs share (the page's link, failure reports).
"""
