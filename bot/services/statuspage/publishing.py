"""Publishing a status update from Slack to the status page.

The update form stores the Slack status update first (bot/services/status_updates.py);
``publish`` then adds the public update, keyed on that status update (unique), so the
form delivered twice publishes once. The public update, the page incident's new state and
the jobs that tell the channel, the subscribers and Statuspage are written in one
transaction. Customers read the public title, the status and the customer message: never
the internal title or note.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import jobs
from bot.errors import FieldErrors
from bot.lifecycle import Lifecycle, LifecycleEvent
from bot.models import Incident, PageIncident, PageUpdate, Report, ReportFeature, StatusUpdate
from bot.runtime import Runtime
from bot.services import incident_titles, incidents
from bot.services.statuspage import delivery
from bot.services.statuspage.components import (
    Component,
    ComponentState,
    incident_impact,
    parse_components,
)

# A resolution by command (not by a published update) is published after this pause, so
# an update form resolving the incident publishes its own words instead.
AUTO_RESOLVE_GRACE = timedelta(minutes=1)
RESOLVED_BODY_TEMPLATE = "statuspage/resolved_body.txt.j2"


class PublishChoice(BaseModel):
    """What the form says about the status page: publish or not, and affected components.

    ``components`` holds only components the liaison marked; ``operational`` marks one
    that recovered."""

    model_config = ConfigDict(frozen=True)

    publish: bool = False
    components: dict[str, ComponentState] = {}


@dataclass(frozen=True)
class FormDefaults:
    """What the update form starts with for the status page."""

    components: list[Component]
    states: dict[str, ComponentState]  # the previous update's, pre-selected
    publish: bool
    public_title: str
    published_before: bool


@dataclass(frozen=True)
class Published:
    page_incident_id: int
    page_update_id: int
    replayed: bool = False


def components(rt: Runtime) -> list[Component]:
    return parse_components(rt.settings.status_components)


def enabled(rt: Runtime) -> bool:
    """The page is in use when components are declared."""
    return bool(rt.settings.status_components)


def form_defaults(rt: Runtime, incident_id: int) -> FormDefaults | None:
    """The status page part of the update form, or None when there is no status page."""
    if not enabled(rt):
        return None
    with rt.sessions() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return None
        page = _page_incident(session, incident_id)
        if page is not None:
            states = {k: ComponentState(v) for k, v in page.components.items()}
        else:
            states = dict.fromkeys(_mapped(rt, session, incident_id), ComponentState.partial_outage)
        published = page is not None
        title = incident_titles.customer_title(rt.renderer, incident)
        major = incidents.is_major(rt.settings, incident.severity)
    return FormDefaults(
        components=components(rt),
        states=states,
        publish=major or published,
        public_title=title,
        published_before=published,
    )


def previewed(rt: Runtime, incident_id: int, choice: PublishChoice) -> FormDefaults | None:
    """The form's defaults with the components as currently chosen, for the preview."""
    defaults = form_defaults(rt, incident_id)
    if defaults is None:
        return None
    return replace(defaults, states=dict(choice.components))


def _mapped(rt: Runtime, session: Session, incident_id: int) -> list[str]:
    """Components the incident's reports point at, through ``STATUS_COMPONENT_MAP``."""
    mapping: dict[tuple[str, str], str] = {}
    for item in rt.settings.status_component_map:
        fact, _, key = item.partition("=")
        kind, _, name = fact.partition(":")
        mapping[(kind.strip(), name.strip().lower())] = key.strip()
    if not mapping:
        return []
    features = session.scalars(
        select(ReportFeature.feature).where(ReportFeature.incident_id == incident_id).distinct()
    ).all()
    regions = session.scalars(
        select(Report.region)
        .where(Report.incident_id == incident_id, Report.region.is_not(None))
        .distinct()
    ).all()
    facts = [("feature", str(f).lower()) for f in features]
    facts += [("region", str(r).lower()) for r in regions]
    known = {c.key for c in components(rt)}
    keys = [mapping[f] for f in facts if f in mapping and mapping[f] in known]
    return list(dict.fromkeys(keys))


def parse_choice(rt: Runtime, data: dict[str, object]) -> PublishChoice:
    """Validate the form's status page answers; unknown components are a field error."""
    try:
        choice = PublishChoice.model_validate(data)
    except ValidationError as exc:
        raise FieldErrors({"status_page": "Pick a listed state for each component."}) from exc
    known = {c.key for c in components(rt)}
    unknown = sorted(set(choice.components) - known)
    if unknown:
        raise FieldErrors({"status_page": f"Unknown components: {', '.join(unknown)}."})
    return choice


def publish(
    rt: Runtime, *, status_update_id: int, choice: PublishChoice, actor: str
) -> Published | None:
    """Publish a stored status update on the page (once per status update)."""
    if not choice.publish or not enabled(rt):
        return None
    existing = _published(rt, status_update_id)
    if existing is not None:
        return existing
    try:
        return _publish(rt, status_update_id, choice, actor)
    except IntegrityError:
        existing = _published(rt, status_update_id)
        if existing is None:
            raise
        return existing


def _published(rt: Runtime, status_update_id: int) -> Published | None:
    with rt.sessions() as session:
        row = session.scalars(
            select(PageUpdate).where(PageUpdate.status_update_id == status_update_id)
        ).first()
        if row is None:
            return None
        return Published(row.page_incident_id, row.id, replayed=True)


def _publish(
    rt: Runtime, status_update_id: int, choice: PublishChoice, actor: str
) -> Published | None:
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        update = session.get(StatusUpdate, status_update_id)
        if update is None:
            return None
        incident = session.get(Incident, update.incident_id)
        assert incident is not None
        page = _page_incident(session, incident.id)
        title = incident_titles.customer_title(rt.renderer, incident)
        if page is None:
            page = PageIncident(
                incident_id=incident.id, kind="incident", name=title, status=update.status,
                impact="none", components={}, created_at=now, updated_at=now,
                created_by=actor,
            )  # fmt: skip
            session.add(page)
        resolving = update.status == "resolved"
        states = {**{k: ComponentState(v) for k, v in page.components.items()}}
        states.update(choice.components)
        if resolving:
            states = dict.fromkeys(states, ComponentState.operational)
        page.name = title
        page.status = update.status
        page.components = {k: v.value for k, v in states.items()}
        if not resolving:
            page.impact = incident_impact(list(states.values()))
        page.updated_at = now
        page.resolved_at = now if resolving else None
        session.flush()
        row = PageUpdate(
            page_incident_id=page.id,
            status_update_id=update.id,
            status=update.status,
            body=update.customer_message,
            components=dict(page.components),
            created_at=now,
            created_by=actor,
        )
        session.add(row)
        session.flush()
        delivery.schedule_all(session, rt, page, row, now=now, note_channel=incident.channel_id)
        published = Published(page.id, row.id)
    rt.wake()
    return published


def _page_incident(session: Session, incident_id: int) -> PageIncident | None:
    return session.scalars(
        select(PageIncident).where(PageIncident.incident_id == incident_id)
    ).first()


def install(rt: Runtime) -> None:
    from bot.services.statuspage import maintenance

    delivery.install(rt)
    maintenance.install(rt)
    rt.dispatcher.declare(delivery.AUTO_RESOLVE, lambda job: auto_resolve(rt, job))
    rt.hooks.subscribe(Lifecycle.resolved, lambda session, event: _on_resolved(rt, session, event))


def _on_resolved(rt: Runtime, session: Session, event: LifecycleEvent) -> None:
    if _page_incident(session, event.incident.id) is None:
        return
    jobs.schedule(
        session,
        delivery.AUTO_RESOLVE,
        key=f"{event.incident.id}:{event.now.isoformat()}",
        due_at=event.now + AUTO_RESOLVE_GRACE,
        now=event.now,
        incident_id=event.incident.id,
    )


def auto_resolve(rt: Runtime, job: jobs.Job[jobs.NoPayload]) -> jobs.Outcome:
    """Resolve the page incident of an incident resolved without a public update."""
    now = rt.clock.now()
    with rt.sessions.begin() as session:
        incident = session.get(Incident, job.incident_id)
        page = _page_incident(session, job.incident_id or 0)
        if incident is None or page is None or incident.is_open or page.status == "resolved":
            return jobs.Outcome.obsolete
        page.status = "resolved"
        page.components = dict.fromkeys(page.components, ComponentState.operational.value)
        page.resolved_at = now
        page.updated_at = now
        body = rt.renderer.render(RESOLVED_BODY_TEMPLATE, name=page.name)
        row = PageUpdate(
            page_incident_id=page.id, status="resolved", body=body,
            components=dict(page.components), created_at=now, created_by=incident.resolved_by,
        )  # fmt: skip
        session.add(row)
        session.flush()
        delivery.schedule_all(session, rt, page, row, now=now, note_channel=incident.channel_id)
    rt.wake()
    return jobs.Outcome.sent
