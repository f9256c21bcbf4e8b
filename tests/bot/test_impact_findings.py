"""What stands out, without a database: hand-computed cases of the statistics and the lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.rendering import Renderer
from bot.services.impact import findings as impact_findings
from bot.services.impact import ranges
from bot.services.impact.findings import find_findings
from bot.services.impact.model import (
    Basis,
    Dimension,
    DimensionKey,
    Exposure,
    Finding,
    ImpactSummary,
    IncidentInfo,
    Segment,
    Totals,
    Trend,
)
from bot.services.impact.stats import (
    BinomialTest,
    discrete_bonferroni,
    holm,
    rate_change,
    simes,
)
from bot.slack.impact_blocks import finding_text, lead_text

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LABELS = {DimensionKey.partition: "{}…", DimensionKey.platform: "{}"}


def _settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)


def _dimension(
    key: DimensionKey,
    counts: dict[str, tuple[int, int]],
    *,
    basis: Basis = Basis.directory,
    units_total: int | None = None,
    baseline_total: int | None = None,
) -> Dimension:
    """``counts``: value -> (reporting customers, baseline accounts)."""
    label = LABELS.get(key, "{}")
    names = {"android": "Android", "ios": "iOS", "web": "Web"}
    n = units_total if units_total is not None else sum(k for k, _ in counts.values())
    present = sorted(((v, c) for v, c in counts.items() if c[0]), key=lambda i: -i[1][0])
    segments = tuple(
        Segment(v, names.get(v, label.format(v)), k, k, k, base, k / n) for v, (k, base) in present
    )
    absent = tuple(
        Segment(v, label.format(v), 0, 0, 0, base, 0.0) for v, (k, base) in counts.items() if not k
    )
    total = baseline_total if baseline_total is not None else sum(b for _, b in counts.values())
    return Dimension(
        key=key,
        segments=segments,
        distinct=len(segments),
        known_reports=n,
        baseline_total=total if basis is not Basis.none else None,
        absent=absent if basis is not Basis.none else (),
        basis=basis,
        units_total=n,
    )


def _spread(n: int) -> list[Dimension]:
    """Every dimension with ``n`` customers spread exactly like the customer base."""
    regions = dict.fromkeys(("us-east", "eu-west", "eu-south", "ap-south"), (n // 4, 250))
    digits = dict.fromkeys("1234", (n // 4, 100))
    versions = dict.fromkeys(("5.1", "5.0", "4.9", "4.8"), (n // 4, 250))
    platforms = {"web": (n // 2, 500), "ios": (n // 4, 250), "android": (n // 4, 250)}
    features = {"SSO": (n // 2, 500), "Exports": (n // 4, 250)}
    return [
        _dimension(DimensionKey.region, regions),
        _dimension(DimensionKey.partition, digits),
        _dimension(DimensionKey.version, versions),
        _dimension(DimensionKey.platform, platforms),
        _dimension(DimensionKey.feature, features, units_total=n, baseline_total=1000),
        _dimension(DimensionKey.tier, {"standard": (n // 2, 500), "premium": (n // 2, 500)}),
    ]


def _summary(dimensions: list[Dimension], findings: tuple[Finding, ...]) -> ImpactSummary:
    n = dimensions[0].units_total or 0
    return ImpactSummary(
        incident=IncidentInfo(7, "Checkout", "sev3", "open", "CINC", NOW, None, False),
        computed_at=NOW,
        totals=Totals(n, n, 0, 0, n, 1000, NOW, NOW),
        dimensions=tuple(dimensions),
        trend=Trend(NOW, timedelta(minutes=5), (n,), timedelta(minutes=15), n, 0, None, None),
        exposure=Exposure(0, 0, timedelta(hours=1), (), 0),
        findings=findings,
        tested=impact_findings.tested_dimensions(dimensions),
    )


def _lead(dimensions: list[Dimension]) -> str:
    findings = find_findings(_settings(), dimensions)
    return lead_text(_summary(dimensions, findings), Renderer())


def test_nothing_stands_out_when_reports_are_spread_like_the_customer_base() -> None:
    assert _lead(_spread(40)) == (
        "No region, account range, version, platform or feature stands out: "
        "reports are spread like the customer base"
    )


def test_without_any_baseline_the_lead_says_there_is_nothing_to_compare_with() -> None:
    dimensions = [
        _dimension(DimensionKey.version, {"5.1": (6, 0), "5.0": (4, 0)}, basis=Basis.none)
    ]
    assert find_findings(_settings(), dimensions) == ()
    assert _lead(dimensions).startswith("No accounts directory or earlier reports to compare with")


def test_account_numbers_starting_with_1_to_4_are_named_as_one_range() -> None:
    # 24 customers, 20 of them numbered 1… to 4…, which hold 400 of the 900 accounts
    # (10.7 expected): P(>= 20 of 24 at 44%) = 0.00002. No single digit says as much.
    digits = {"1": 5, "2": 5, "3": 5, "4": 5, "5": 1, "6": 1, "7": 1, "8": 1, "9": 0}
    dimensions = _spread(24)
    dimensions[1] = _dimension(DimensionKey.partition, {d: (k, 100) for d, k in digits.items()})
    [finding] = find_findings(_settings(), dimensions)
    assert finding.values == ("1", "2", "3", "4")
    assert finding_text(finding, Renderer()) == (
        "Reports concentrate in account numbers 1…–4…: 20 of 24 customers (83%) vs 44% of accounts"
    )


def test_a_range_is_not_stretched_to_a_neighbour_that_reports_like_everyone() -> None:
    # 5…-7… stand out; 8… has exactly its share. The range stops at 7….
    digits = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 10, "6": 10, "7": 10, "8": 4, "9": 2}
    dimension = _dimension(DimensionKey.partition, {d: (k, 100) for d, k in digits.items()})
    [finding] = find_findings(_settings(), [dimension])
    assert finding.segments == ("5…–7…",)


def test_a_neighbour_standing_out_among_the_other_customers_joins_the_range() -> None:
    # 5… and 6… are the most likely run, but outside them 7… holds 4 of the other 10
    # customers against 1/7 of the other accounts: P(>= 4 of 10 at 14%) = 0.04, lift 2.8.
    digits = {"1": 1, "2": 1, "3": 1, "4": 1, "5": 12, "6": 12, "7": 4, "8": 1, "9": 1}
    dimension = _dimension(DimensionKey.partition, {d: (k, 100) for d, k in digits.items()})
    scanned = ranges.runs(list(digits.values()), [100] * 9, 34, 900)
    best = ranges.most_likely(scanned, impact_findings.margins(_settings()))
    assert best is not None and (best.start, best.end) == (4, 5)
    [finding] = find_findings(_settings(), [dimension])
    assert finding.segments == ("5…–7…",)


def test_version_5_1() -> None:
    versions = {"5.1": (12, 100), "5.0": (3, 300), "4.9": (3, 300), "4.8": (2, 300)}
    dimensions = _spread(20)
    dimensions[2] = _dimension(DimensionKey.version, versions)
    [finding] = find_findings(_settings(), dimensions)
    assert finding_text(finding, Renderer()) == (
        "Reports concentrate on version 5.1: 12 of 20 customers (60%) vs 10% of accounts"
    )


def test_android_more_than_ios() -> None:
    # Android: 18 of 30 where 25% of accounts are (7.5 expected): P = 0.0001.
    # iOS: 8 of 30 where 25% are: as expected, not a finding.
    platforms = {"android": (18, 250), "ios": (8, 250), "web": (4, 500)}
    dimensions = _spread(30)
    dimensions[3] = _dimension(DimensionKey.platform, platforms)
    findings = find_findings(_settings(), dimensions)
    assert [f.values for f in findings] == [("android",)]
    assert finding_text(findings[0], Renderer()) == (
        "Reports concentrate on Android: 18 of 30 customers (60%) vs 25% of accounts"
    )


def test_only_accounts_with_teapot_customization() -> None:
    # 10% of the accounts that list features have Teapot Customization; all 12 reporting
    # customers do (P = 0.1^12). SSO (5 of 12 where 40% have it) is as expected.
    features = {"Teapot Customization": (12, 100), "SSO": (5, 400), "Exports": (6, 500)}
    dimensions = _spread(12)
    dimensions[4] = _dimension(DimensionKey.feature, features, units_total=12, baseline_total=1000)
    [finding] = find_findings(_settings(), dimensions)
    assert finding_text(finding, Renderer()) == (
        "Only accounts with Teapot Customization are reporting: 12 of 12 customers (100%)"
        " vs 10% of accounts"
    )


def test_top_versions_of_five_in_equal_use_are_not_a_concentration() -> None:
    # "versions 4.9, 4.8 and 5.1 (65%)": the top three of five always hold most reports.
    versions = {"4.9": (8, 200), "4.8": (7, 200), "5.1": (6, 200), "5.0": (5, 200), "4.7": (4, 200)}
    dimensions = _spread(30)
    dimensions[2] = _dimension(DimensionKey.version, versions)
    assert find_findings(_settings(), dimensions) == ()


def test_four_customers_in_a_small_region_out_of_thirty_is_chance() -> None:
    # "ca-central: 4 of 90 accounts reporting": 90 of 2,000 accounts, 30 customers spread
    # over 11 regions (1.35 expected in ca-central): P(>= 4) = 0.04 before testing the
    # other segments; nothing to call.
    others = {f"r{i}": (26 // 10 + (1 if i < 26 % 10 else 0), 191) for i in range(10)}
    regions = {"ca-central": (4, 90), **others}
    dimensions = _spread(30)
    dimensions[0] = _dimension(DimensionKey.region, regions)
    assert find_findings(_settings(), dimensions) == ()


def test_a_finding_that_only_echoes_a_stronger_one_is_dropped() -> None:
    # Every reporting customer is in eu-south, whose accounts are all enterprise: the
    # enterprise tier stands out too, but inside eu-south it is just eu-south's mix.
    region = _dimension(DimensionKey.region, {"eu-south": (20, 100), "us-east": (0, 900)})
    tier = _dimension(DimensionKey.tier, {"enterprise": (20, 190), "standard": (0, 810)})
    echoes = lambda given, target: (BinomialTest(20, 20, 1.0), BinomialTest(0, 0, 0.1))  # noqa: E731
    findings = find_findings(_settings(), [region, tier], splitter=echoes)
    assert [f.dimension for f in findings] == [DimensionKey.region]
    # Had the tier still stood out inside eu-south, it would be a finding of its own.
    independent = lambda given, target: (BinomialTest(20, 20, 0.3), BinomialTest(0, 0, 0.1))  # noqa: E731
    findings = find_findings(_settings(), [region, tier], splitter=independent)
    assert [f.dimension for f in findings] == [DimensionKey.region, DimensionKey.tier]


def test_a_second_finding_must_stand_out_inside_or_outside_as_surely_as_any_dimension() -> None:
    # Inside eu-south, 12 of its 18 customers are enterprise where 35% of eu-south's
    # accounts are: P(>= 12 of 18) = 0.0062. Inside or outside, for any of the other five
    # dimensions, is ten questions: 0.062 > 0.05, so chance within eu-south's own reports.
    # With region and tier alone (two questions) it is 0.012, an independent concentration.
    region = _dimension(DimensionKey.region, {"eu-south": (20, 100), "us-east": (0, 900)})
    tier = _dimension(DimensionKey.tier, {"enterprise": (20, 190), "standard": (0, 810)})
    inside = lambda given, target: (BinomialTest(12, 18, 0.35), BinomialTest(0, 2, 0.1))  # noqa: E731
    dimensions = _spread(20)
    dimensions[0], dimensions[5] = region, tier
    findings = find_findings(_settings(), dimensions, splitter=inside)
    assert [f.dimension for f in findings] == [DimensionKey.region]
    findings = find_findings(_settings(), [region, tier], splitter=inside)
    assert [f.dimension for f in findings] == [DimensionKey.region, DimensionKey.tier]


def test_minimum_lift_and_excess_keep_tiny_differences_out_on_big_incidents() -> None:
    # 5,600 of 10,000 customers where 50% of accounts are: far beyond chance (P < 1e-30),
    # but a lift of 1.12 is not a segment standing out.
    platforms = {"web": (5600, 500), "ios": (2200, 250), "android": (2200, 250)}
    dimension = _dimension(DimensionKey.platform, platforms)
    assert find_findings(_settings(), [dimension]) == ()
    assert find_findings(_settings(impact_min_lift=1.1), [dimension])[0].values == ("web",)


def test_the_statistics_helpers() -> None:
    assert BinomialTest(8, 20, 0.1).p_value == pytest.approx(0.000416, rel=0.01)
    assert BinomialTest(0, 20, 0.1).p_value == 1.0
    assert simes([0.01, 0.04, 0.5]) == 0.03
    # Holm: 3 x 0.01, then max(0.03, 2 x 0.02), then max(0.04, 1 x 0.5).
    assert holm([0.02, 0.5, 0.01]) == pytest.approx([0.04, 0.5, 0.03])
    assert rate_change(9, 1, 0.05) == 1
    assert rate_change(1, 9, 0.05) == -1
    assert rate_change(5, 2, 0.05) == 0


def test_a_dimension_is_charged_only_for_the_p_values_its_segments_can_reach() -> None:
    # Ten customers at a half share: 9 or more has p = 11/1024, 8 or more 56/1024 > 0.05.
    half = BinomialTest(0, 10, 0.5)
    assert discrete_bonferroni(0.05, [half]) == pytest.approx(11 / 1024)
    # Four customers at a tenth: 2 or more is 0.0523 (> 0.05), 3 or more 0.0037.
    tenth = BinomialTest(0, 4, 0.1)
    assert discrete_bonferroni(0.05, [half, tenth]) == pytest.approx(11 / 1024 + 0.0037)
    # Two customers at a half can never reach 0.05 (both: 0.25): it costs nothing.
    assert discrete_bonferroni(0.05, [BinomialTest(0, 2, 0.5)]) == 0.0
    # A reachable p-value itself counts in full; never more than plain Bonferroni.
    assert discrete_bonferroni(11 / 1024, [half]) == pytest.approx(11 / 1024)
    assert discrete_bonferroni(0.01, [BinomialTest(0, 40, 0.2)] * 3) <= 0.03
    # A 4% region among 20 customers: 3 give p = 0.044, 4 give 0.0074 (what it charges).
    assert discrete_bonferroni(0.01, [BinomialTest(0, 20, 0.04)]) == pytest.approx(0.0074, abs=1e-4)


def test_a_range_sharing_the_reports_with_another_cause_is_found_outside_it() -> None:
    # Two causes: 15 of 30 customers run version 4.5 (5% of accounts), the rest report
    # from account numbers 3…-4… more than their share. Over all 30 customers, 3…-4…
    # hold 12 where 2 of 9 equal partitions are (6.7 expected): P = 0.013, not enough once
    # every run of partitions is considered. Outside version 4.5 (15 customers, its
    # accounts spread evenly), 10 of 15 are in 3…-4… (3.3 expected): P = 0.0003.
    versions = {"4.5": (15, 50), "5.0": (10, 600), "4.9": (5, 350)}
    digits = {"1": 2, "2": 2, "3": 6, "4": 6, "5": 3, "6": 3, "7": 3, "8": 3, "9": 2}
    outside_digits = {"1": 1, "2": 1, "3": 5, "4": 5, "5": 1, "6": 1, "7": 1, "8": 0, "9": 0}
    dimensions = [
        _dimension(DimensionKey.version, versions),
        _dimension(DimensionKey.partition, {d: (k, 100) for d, k in digits.items()}),
    ]
    asked: list[tuple[str, ...]] = []

    def outside(given: Finding) -> list[tuple[str, int, int]]:
        asked.append(given.values)
        return [(d, k, 95) for d, k in outside_digits.items()]

    alone = find_findings(_settings(), dimensions)
    assert [f.dimension for f in alone] == [DimensionKey.version]
    findings = find_findings(_settings(), dimensions, outside=outside)
    # Asked about version 4.5 only: for the second look, then for the range's ends.
    assert set(asked) == {("4.5",)}
    assert [(f.dimension, f.values) for f in findings] == [
        (DimensionKey.version, ("4.5",)),
        (DimensionKey.partition, ("3", "4")),
    ]
    # The sentence gives the incident's own counts, not the conditional ones.
    assert finding_text(findings[1], Renderer()) == (
        "Reports concentrate in account numbers 3…–4…: 12 of 30 customers (40%) vs 22% of accounts"
    )


def test_where_two_causes_meet_the_range_ends_are_chosen_inside_and_outside_the_other() -> None:
    # Version 4.5 (90 of 900 accounts, 10 in each partition) fails for accounts 4…-6…:
    # its 12 customers are all there. The other 11 are spread like the base, three of them
    # in 3… by chance. Over all 23 customers the likeliest run is 3…-6… (15 where 4/9 of
    # the accounts are); inside version 4.5 all 12 are in 4…-6… (a third of its
    # accounts), and outside it 3…-6… holds 6 of 11 customers, about its share (4.9).
    inside = {"1": 0, "2": 0, "3": 0, "4": 4, "5": 4, "6": 4, "7": 0, "8": 0, "9": 0}
    outside_digits = {"1": 1, "2": 1, "3": 3, "4": 1, "5": 1, "6": 1, "7": 1, "8": 1, "9": 1}
    digits = {d: (inside[d] + outside_digits[d], 100) for d in inside}
    dimensions = [
        _dimension(DimensionKey.version, {"4.5": (12, 90), "5.0": (11, 810)}),
        _dimension(DimensionKey.partition, digits),
    ]

    def outside(given: Finding) -> list[tuple[str, int, int]]:
        return [(d, k, 90) for d, k in outside_digits.items()]

    pooled = find_findings(_settings(), dimensions)
    assert [(f.dimension, f.values) for f in pooled] == [
        (DimensionKey.version, ("4.5",)),
        (DimensionKey.partition, ("3", "4", "5", "6")),
    ]
    findings = find_findings(_settings(), dimensions, outside=outside)
    assert findings[1].values == ("4", "5", "6")
    assert finding_text(findings[1], Renderer()) == (
        "Reports concentrate in account numbers 4…–6…: 15 of 23 customers (65%) vs 33% of accounts"
    )
    # Scored inside and outside on their own; all together, 3… would join.
    units = [digits[d][0] for d in "123456789"]
    found = ranges.runs(units, [100] * 9, 23, 900)
    strata = ranges.strata((units, [100] * 9), (list(outside_digits.values()), [90] * 9))
    best = ranges.stratified(found, strata)
    assert best is not None and (best.start, best.end) == (3, 5)


def test_the_range_scan_is_judged_against_incidents_drawn_from_the_baseline() -> None:
    even = [100] * 9
    # Spread exactly like the base: no run reports above its share.
    assert ranges.scan_p_value([3] * 9, even, 27) == 1.0
    # 12 of 18 in two adjacent partitions of nine (4 expected): P = 0.00007 for that
    # run alone. Over all 30 runs the scan's answer lies between that and Bonferroni's
    # 30 x 0.00007 = 0.002, nearer the latter for so few reports.
    alone = BinomialTest(12, 18, 2 / 9).p_value
    assert alone == pytest.approx(0.000068, rel=0.01)
    scan = ranges.scan_p_value([1, 1, 6, 6, 1, 1, 1, 1, 0], even, 18)
    assert alone < scan <= 30 * alone
    # The same counts always give the same answer (the draws are seeded).
    counts = [2, 1, 3, 5, 2, 1, 2, 1, 1]
    assert ranges.scan_p_value(counts, even, 18) == ranges.scan_p_value(counts, even, 18)
    # The range's ends are where the counts are most likely, not at a share threshold:
    # 2… (reports a little above its share) joins 3…-4…, 5… (at its share) does not.
    found = ranges.runs([1, 3, 6, 6, 2, 1, 1, 0, 0], even, 20, 900)
    best = ranges.most_likely(found, impact_findings.margins(_settings()))
    assert best is not None and (best.start, best.end) == (1, 3)
