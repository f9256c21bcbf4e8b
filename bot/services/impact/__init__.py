"""Blast radius: customer reports aggregated into who is hit, kept in the incident channel.

- ``aggregate``: the grouped queries (the database does the counting);
- ``analysis``: patterns, trend and severity hint, as pure functions;
- ``summary``: one incident's summary, and raising severity from the hint;
- ``live``: the pinned live summary, edited in place and debounced;
- ``periodic``: the full summary with its chart, on the update cadence and at resolution;
- ``hooks``: ``install(rt)``, wiring the above to the incident lifecycle.
"""
