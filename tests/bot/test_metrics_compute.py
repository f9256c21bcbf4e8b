"""Every support metric over hand-written facts, against figures computed by hand."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from bot.db import make_session_factory
from bot.services.metrics.cadence_facts import Deadlines, deadlines
from bot.services.metrics.compute import compute
from bot.services.metrics.figures import DurationFigure, Share, percentile
from bot.services.metrics.period import Window, parse_query
from tests import followup_facts as facts
from tests.followup_facts import T0, at

M = timedelta(minutes=1)
NOW = at(days=10)


def _facts(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        # A: sev1, liaison accepted after 6m, first update at 5m, assessed at 4m; a
        # customer first wrote 15m before it was opened; reopened once, finally resolved
        # at 95m: customer-visible 110m.
        a = facts.incident(session, opened=at(0), severity="sev1", assessed_at=at(4),
                           resolved_at=at(95), reopened_at=at(50))  # fmt: skip
        facts.liaison(session, a, assigned=at(0), accepted=at(6))
        facts.update(session, a, posted=at(5), next_due=at(20))  # met at 18
        facts.update(session, a, posted=at(18), next_due=at(33))  # met at 30
        facts.update(session, a, posted=at(30), next_due=None)
        facts.report(session, a, customer="Acme", created=at(2), first_contact_at=at(-15))
        facts.report(session, a, customer="Initech", created=at(3))
        facts.followup(session, a, "Acme", state="told", told_at=at(95, days=2),
                       reaction="dissatisfied", further_reply_at=at(95, days=3))  # fmt: skip
        facts.followup(session, a, "Initech", state="not_needed", not_needed_reason="test")
        # B: sev2 with no liaison, no update; one customer with two premium tickets, one
        # breached; resolved after 60m; told within two hours, satisfied.
        b = facts.incident(session, opened=at(0, days=1), resolved_at=at(60, days=1))
        for minutes, breached in ((10, True), (12, False)):
            facts.report(session, b, customer="Globex", created=at(minutes, days=1),
                         sla_policy="premium", first_response_due_at=at(70, days=1),
                         breached_at=at(70, days=1) if breached else None,
                         responded_at=None if breached else at(30, days=1))  # fmt: skip
        facts.followup(session, b, "Globex", state="told", told_at=at(180, days=1),
                       reaction="satisfied", reasons="reported,sla_breach")  # fmt: skip
        facts.account(session, "G1", "Globex", "premium")
        facts.credit(session, b, "G1", 10, at(60, days=1))
        # C: sev3, still open; its update deadline passed unmet; a ticket not due yet.
        c = facts.incident(session, opened=at(0, days=2), severity="sev3")
        facts.update(session, c, posted=at(10, days=2), next_due=at(25, days=2))
        facts.report(session, c, customer="Hooli", created=at(5, days=2), sla_policy="premium",
                     first_response_due_at=NOW + timedelta(hours=1))  # fmt: skip
        # Outside the period: not counted.
        facts.incident(session, opened=at(0, days=-40), resolved_at=at(10, days=-40))


def test_every_metric_matches_the_figures_computed_by_hand(engine: Engine) -> None:
    _facts(engine)
    with make_session_factory(engine)() as session:
        figures = compute(session, Window(at(-60), NOW), None, NOW)
    assert figures.incidents == 3
    assert figures.by_severity == {"sev1": 1, "sev2": 1, "sev3": 1}
    assert figures.without_liaison == 1
    assert figures.mtta == DurationFigure(6 * M, 6 * M, 1)
    assert figures.first_update == DurationFigure(5 * M, 10 * M, 2)
    assert figures.assessment == DurationFigure(4 * M, 4 * M, 1)
    assert figures.mttr == DurationFigure(60 * M, 110 * M, 2)
    assert figures.cadence == Share(2, 3)
    assert figures.cadence_by_severity == {"sev1": Share(2, 2), "sev3": Share(0, 1)}
    # A customer with two tickets: both tickets count for the SLA, one breached.
    assert figures.sla_by_tier == {"premium": Share(1, 2)}
    assert figures.sla_breaches == 1
    assert figures.told_within_day == Share(1, 2)
    assert figures.csat == Share(1, 2)
    assert figures.reactions == {"dissatisfied": 1, "satisfied": 1}
    assert figures.fcr == Share(1, 2)
    assert (figures.credits, figures.credit_accounts) == (1, 1)
    assert figures.weekly[0] == ("2026-11-02", 3, 60 * M)
    assert figures.weekly[1][1:] == (0, None)


def test_one_severity_only(engine: Engine) -> None:
    _facts(engine)
    with make_session_factory(engine)() as session:
        figures = compute(session, Window(at(-60), NOW), "sev2", NOW)
    assert figures.incidents == 1
    assert figures.mtta == DurationFigure(None, None, 0)
    assert figures.mttr == DurationFigure(60 * M, 60 * M, 1)


def test_an_empty_period_has_no_figures_rather_than_zeros(engine: Engine) -> None:
    with make_session_factory(engine)() as session:
        figures = compute(session, Window(at(-60), NOW), None, NOW)
    assert figures.incidents == 0
    assert figures.mttr.p50 is None
    assert figures.cadence.percent is None
    assert figures.csat.percent is None


def test_nearest_rank_percentiles() -> None:
    values = [timedelta(minutes=m) for m in (40, 10, 30, 20)]
    assert percentile(values, 50) == 20 * M
    assert percentile(values, 90) == 40 * M
    assert percentile([], 50) is None


def test_a_deadline_is_met_by_the_next_update_or_the_resolution() -> None:
    updates = [(at(0), at(15)), (at(14), at(29)), (at(40), at(55))]
    assert deadlines(updates, resolved_at=at(50), now=at(60)) == Deadlines(2, 3)
    assert deadlines(updates, resolved_at=None, now=at(50)) == Deadlines(1, 2)


def test_periods_compare_with_as_long_a_stretch_before() -> None:
    query = parse_query("90d sev1", T0)
    assert query.severity == "sev1"
    assert query.current.length == timedelta(days=90)
    assert query.previous.end == query.current.start
    quarter = parse_query("quarter", T0)
    assert quarter.current.start.isoformat() == "2026-10-01T00:00:00+00:00"
    assert parse_query("", T0).period == "30d"


def test_ticket_sla_compliance_is_summed_per_tier_across_incidents(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        due = at(70)
        for day in (0, 1):  # two incidents of the period: their tickets add up per tier
            incident = facts.incident(session, opened=at(0, days=day), resolved_at=at(90, days=day))
            facts.report(session, incident, customer=f"Acme {day}", created=at(1, days=day),
                         sla_policy="premium", first_response_due_at=due,
                         breached_at=due)  # fmt: skip
            facts.report(session, incident, customer=f"Globex {day}", created=at(2, days=day),
                         sla_policy="premium", first_response_due_at=due,
                         responded_at=at(20, days=day))  # fmt: skip
        # No policy of its own: counted under its tier. Past due, neither answered nor
        # marked breached yet: decided, and in time until the breach is recorded.
        facts.report(session, incident, customer="Initech", created=at(3, days=1), tier="standard",
                     first_response_due_at=due)  # fmt: skip
        # Outside the period: not read at all.
        old = facts.incident(session, opened=at(0, days=-40), resolved_at=at(9, days=-40))
        late = at(60, days=-40)
        facts.report(session, old, customer="Hooli", created=at(1, days=-40), sla_policy="premium",
                     first_response_due_at=late, breached_at=late)  # fmt: skip
    with make_session_factory(engine)() as session:
        figures = compute(session, Window(at(-60), NOW), None, NOW)
    assert figures.sla_by_tier == {"premium": Share(2, 4), "standard": Share(1, 1)}
    assert figures.sla_breaches == 2
