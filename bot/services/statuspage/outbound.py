"""What every outgoing status page job shares: the page's public link, and telling the
liaison when an external page did not take an update for good."""

from __future__ import annotations

import logging

from bot.models import Incident, PageIncident
from bot.runtime import Runtime
from bot.services.liaison.records import current_liaison

log = logging.getLogger(__name__)


def page_link(rt: Runtime, page_incident_id: int) -> str:
    base = rt.settings.status_page_url.rstrip("/")
    return f"{base}/incidents/{page_incident_id}" if base else ""


def report_push_failure(rt: Runtime, page_id: int, error: str, *, template: str) -> None:
    """Tell the liaison (in the incident channel) that an external page lacks the update.

    Reported once, when the push fails for good; the built-in page has the update anyway.
    """
    with rt.sessions() as session:
        page = session.get(PageIncident, page_id)
        incident = session.get(Incident, page.incident_id) if page and page.incident_id else None
        if incident is None or not incident.channel_id:
            log.error("Status page incident %s not pushed: %s", page_id, error)
            return
        liaison = current_liaison(session, incident.id)
        channel = incident.channel_id
        text = rt.renderer.render(
            template,
            liaison=liaison.user_id if liaison else None,
            name=page.name if page else "",
            error=error,
        )
    try:
        rt.notifier.post(channel, text)
    except Exception:  # the failure is recorded on the job either way
        log.exception("Could not report the failed status page push in %s", channel)
