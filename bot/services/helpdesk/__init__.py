"""The help-desk bridge: tickets from Zendesk, Salesforce and the generic webhook become
reports, their replies stop the SLA clock, and updates and the resolution go back to them.

- ``model``: ``TicketSnapshot``, what every source translates a ticket into.
- ``matching``: which incident, account and owner a ticket belongs to.
- ``sync``: applying a snapshot (link, attach, update, detach, first response).
- ``inbound``: the job that reads a ticket back and applies it, after the webhook answered.
- ``outbound``: updates and the resolution sent to every linked ticket, in bulk jobs.
- ``from_slack``: a report filed in Slack naming a ticket, linked to it both ways.
- ``listing``: the linked tickets of an incident, for ``/liaison tickets``, status, Home.
- ``followups``: the follow-up board fed from tickets (told, further replies, ratings).
- ``unowned``: tickets nobody in Slack owns, for the liaison's checklist and DM.
- ``install``: the lifecycle subscribers and job kinds, bound to a runtime.
"""
