"""Components as the operator declares them, and what states add up to."""

from __future__ import annotations

import pytest

from bot.services.statuspage.components import (
    Component,
    ComponentState,
    incident_impact,
    overall_indicator,
    parse_components,
)

S = ComponentState


def test_components_keep_their_order_and_groups() -> None:
    assert parse_components(["api=API", "Regions/eu=EU  region", "web=Web app"]) == [
        Component("api", "API"),
        Component("eu", "EU region", "Regions"),
        Component("web", "Web app"),
    ]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["API"], "should look like api=API"),
        (["Api Gateway=API"], "should look like"),
        (["api="], "should look like"),
        (["api=API", "api=Again"], "appears twice"),
    ],
)
def test_unreadable_components_say_what_would_work(items, message) -> None:
    with pytest.raises(ValueError, match=message):
        parse_components(items)


def test_a_bad_setting_stops_the_app_naming_it(make_settings) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="status_components"):
        make_settings(status_components="api=API,api=Twice")
    with pytest.raises(ValidationError, match="status_page_path"):
        make_settings(status_page_path="/")


@pytest.mark.parametrize(
    ("states", "indicator", "impact"),
    [
        ([], "none", "none"),
        ([S.operational, S.under_maintenance], "maintenance", "none"),
        ([S.degraded_performance, S.under_maintenance], "minor", "minor"),
        ([S.partial_outage, S.degraded_performance], "major", "major"),
        ([S.major_outage, S.partial_outage], "critical", "critical"),
    ],
)
def test_the_worst_state_decides(states, indicator, impact) -> None:
    assert overall_indicator(states)[0] == indicator
    assert incident_impact(states) == impact
