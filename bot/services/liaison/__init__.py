"""The Customer Liaison: named automatically the moment an incident becomes major.

Modules, by flow: ``records`` (the assignments table and its safe transitions), ``pool``
(who can be asked, and the fair choice), ``assign`` (choosing, reopen, moving on after a
timeout), ``delivery`` (channel setup, announcement, DM, notices), ``actions`` (accept,
hand off, assign by hand, who), ``messages`` (what people read), ``kinds`` (the durable
reminders), ``install`` (lifecycle subscribers and reminder handlers).

Other capabilities use ``current_liaison(session, incident_id)``, or ``liaison_user_of``
to read the liaison's user id in the same query as the incident.
"""

from __future__ import annotations

from bot.services.liaison.records import current_liaison, liaison_user_of

__all__ = ["current_liaison", "liaison_user_of"]
