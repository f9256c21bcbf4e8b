"""SLA credit terms: the documented format, the threshold rule and the stored credits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.db import make_session_factory
from bot.models import Incident
from bot.services.followup.credit_terms import CreditDue, credit_due, parse_credit_terms
from bot.services.followup.credits import compute, credits_csv, credits_for
from tests import followup_facts as facts
from tests.followup_facts import at

TERMS = parse_credit_terms("premium=10%>1h,25%>4h; enterprise=5%>2h")


def test_the_documented_format_is_read_per_tier() -> None:
    assert credit_due(TERMS, "premium", timedelta(hours=2)) == CreditDue(
        "premium", 10, timedelta(hours=1)
    )
    assert credit_due(TERMS, "Premium", timedelta(hours=5)) == CreditDue(
        "premium", 25, timedelta(hours=4)
    )
    assert credit_due(TERMS, "enterprise", timedelta(hours=3)).percent == 5  # type: ignore[union-attr]
    assert credit_due(TERMS, "standard", timedelta(days=1)) is None
    assert credit_due(TERMS, None, timedelta(days=1)) is None


def test_a_duration_exactly_at_the_threshold_owes_nothing_one_second_more_does() -> None:
    assert credit_due(TERMS, "premium", timedelta(hours=1)) is None
    assert credit_due(TERMS, "premium", timedelta(hours=1, seconds=1)).percent == 10  # type: ignore[union-attr]
    assert credit_due(TERMS, "premium", timedelta(hours=4)).percent == 10  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "bad", ["premium", "premium=10>1h", "premium=10%>soon", "premium=0%>1h", "a=1%>1h;a=2%>2h"]
)
def test_terms_that_cannot_be_read_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_credit_terms(bad)


def test_credits_are_owed_per_affected_directory_account_from_the_visible_window(
    engine: Engine,
) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        facts.account(session, "A1", "Acme", "premium")
        facts.account(session, "G1", "Globex", "enterprise")
        facts.account(session, "S1", "Small Co", "standard")
        # Opened 10:00; Acme saw it at 09:00 (first contact), resolved 11:00: 2h visible,
        # so premium's >1h applies and enterprise's >2h exactly does not.
        incident_id = facts.incident(session, opened=at(60), resolved_at=at(120))
        facts.report(session, incident_id, customer="Acme", created=at(70), account_id="A1",
                     first_contact_at=at(0))  # fmt: skip
        facts.report(session, incident_id, customer="Acme", created=at(80), account_id="A1")
        facts.report(session, incident_id, customer="Globex", created=at(90), account_id="G1")
        facts.report(session, incident_id, customer="Small Co", created=at(95), account_id="S1")
        facts.report(session, incident_id, customer="Walk-in", created=at(99))
        lines = compute(session, session.get_one(Incident, incident_id), terms=TERMS, now=at(120))
    assert [(line.account_name, line.percent) for line in lines] == [("Acme", 10)]
    assert lines[0].visible == timedelta(hours=2)
    with sessions() as session:
        stored = credits_for(session, incident_id)
    assert [(c.account_id, c.percent, c.visible_start) for c in stored] == [("A1", 10, at(0))]
    csv_text = credits_csv(stored)
    assert csv_text.splitlines()[0].startswith("incident_id,account_id,account_name,tier,percent")
    assert f"{incident_id},A1,Acme,premium,10,3600,7200," in csv_text
