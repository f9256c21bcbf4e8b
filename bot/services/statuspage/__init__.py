"""The status page: what customers read about incidents and maintenance.

- ``settings`` and ``components``: what the operator declares.
- ``publishing``: turning a status update from Slack into a public update (once).
- ``maintenance``: scheduled windows that start and complete on their own.
- ``page``: the page's data as customers see it, read by the web module and the feeds.
- ``delivery``: the durable jobs that tell the channel, subscribers and Statuspage.
"""
