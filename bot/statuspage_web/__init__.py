"""The built-in status page on the HTTP edge: HTML, Statuspage-compatible JSON, feeds.

- ``cache``: the last snapshot, re-read when the page changes, kept while the database
  is unreachable;
- ``views``: HTML and feeds from Jinja2 templates with HTML autoescaping (its own
  environment: the Slack templates are mrkdwn);
- ``api``: the JSON of Statuspage's public API v2;
- ``resources``: the Falcon resources and the private page's access check.
"""
