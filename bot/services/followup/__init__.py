"""After the incident: the follow-up board, SLA credits owed and the drafted reports.

Kept free of imports so bot/config.py can take the settings mixin (``settings.py``)
without loading the services.
"""
