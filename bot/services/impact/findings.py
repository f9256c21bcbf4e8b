"""Which segments stand out: one family of tests over every dimension, then what to say.

1. Every segment with reports, in every dimension that has a baseline, is a candidate;
   account numbers are scanned instead (``ranges``): a shard range fails together, so
   "is there a range, and where" is one question for the dimension.
2. All candidates are tested together (``stats``), in two stages so the false
   discoveries stay controlled across everything: first which dimensions show anything
   (the chance that any of its segments reaches its smallest p-value, counting only
   the p-values each can attain; the scan's own p-value for account numbers; Holm
   across dimensions so a strong first cause does not lower the bar for chance in a
   second dimension), then which segments within them (Benjamini-Hochberg at the level
   the first stage leaves). A candidate is called when
   it passes and beats its expected count by the minimum lift and excess; the range
   named is the most likely run.
3. Within a dimension, overlapping calls keep the strongest; the rest of a dimension's
   calls join it ("eu-central and eu-south"). Two causes share the reports, so the range
   is tested again without the strongest other finding's reports (``Outside``), and its
   ends are chosen within that finding and outside it, each against its own accounts.
4. Explain, don't repeat: a call in another dimension is kept only if it still stands out
   inside or outside a stronger call (the tiers of eu-south's accounts are not news
   when eu-south is; Android within eu-south is).
5. A dimension without any baseline is only described, unless one value holds an
   overwhelming share of its reports.

Pure functions: the database is reached only through the ``Splitter`` and ``Outside``
the caller gives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.account_partitions import AccountPartition
from bot.config import Settings
from bot.services.impact import ranges
from bot.services.impact.finer import Prefixes, refine_all
from bot.services.impact.model import Basis, Dimension, DimensionKey, Finding
from bot.services.impact.ranges_outside import Outside, partition_order, range_ends, second_look
from bot.services.impact.stats import (
    BinomialTest,
    Margins,
    adjusted,
    discrete_bonferroni,
    holm,
    p_values,
    significant,
    simes,
    smoothed_share,
)

# Inside and outside the stronger finding, the weaker one's count against its baseline.
Splitter = Callable[[Finding, Finding], tuple[BinomialTest, BinomialTest] | None]

_ABSENT_NAMED = 3
# Dimensions whose values add up (one value per unit): their calls join into one finding.
_EXCLUSIVE = frozenset(DimensionKey) - {DimensionKey.feature}


@dataclass(frozen=True)
class _Candidate:
    dimension: Dimension
    values: tuple[str, ...]
    labels: tuple[str, ...]
    test: BinomialTest
    p_value: float = 1.0
    adjusted: float = 1.0
    run: ranges.Run | None = None  # an account-number run, scored by the range scan


def margins(settings: Settings) -> Margins:
    return Margins(
        alpha=settings.impact_significance,
        min_lift=settings.impact_min_lift,
        min_excess=settings.impact_min_excess,
    )


def tested_dimensions(dimensions: Sequence[Dimension]) -> tuple[DimensionKey, ...]:
    """The dimensions with reports and a baseline: what the statistics speak for."""
    return tuple(d.key for d in dimensions if _testable(d))


def find_findings(
    settings: Settings,
    dimensions: Sequence[Dimension],
    *,
    partitions: Sequence[AccountPartition] = (),
    splitter: Splitter | None = None,
    outside: Outside | None = None,
    finer: Prefixes | None = None,
) -> tuple[Finding, ...]:
    """What stands out, strongest first (empty: reports are spread like the baseline)."""
    limits = margins(settings)
    testable = [d for d in dimensions if _testable(d)]
    called, selected = _called(testable, partitions, limits)
    findings: list[Finding] = []
    for dimension in dimensions:
        findings.extend(
            _dimension_findings(dimension, [c for c in called if c.dimension is dimension])
        )
    findings.sort(key=lambda f: (f.p_value if f.p_value is not None else 1.0, -f.units))
    if outside is not None:
        tested = len(testable)
        findings = second_look(findings, testable, partitions, limits, outside, tested - selected)
    kept: list[Finding] = []
    for finding in findings:
        if splitter is None or all(
            _independent(splitter, earlier, finding, limits, others=len(testable) - 1)
            for earlier in kept
            if earlier.dimension is not finding.dimension
        ):
            kept.append(finding)
    if outside is not None:
        kept = range_ends(kept, testable, partitions, limits, outside)
    if not partitions:
        kept = list(refine_all(kept, finer, limits))
    for dimension in dimensions:
        overwhelming = _overwhelming(settings, dimension)
        if overwhelming is not None:
            kept.append(overwhelming)
    return tuple(kept)


def _called(
    dimensions: Sequence[Dimension], partitions: Sequence[AccountPartition], limits: Margins
) -> tuple[list[_Candidate], int]:
    """The candidates that pass both stages (all dimensions tested together), and how
    many dimensions the first stage selected."""
    every = [_candidates(d, partitions) for d in dimensions]
    # Every p-value in one call: SciPy's per-call overhead dominates single small tests.
    flat = [c for family in every for c in family if c.test.k and c.run is None]
    exact = iter(p_values([c.test for c in flat]))
    tested = [
        (
            [
                c if c.run is not None else replace(c, p_value=next(exact))
                for c in family
                if c.test.k
            ],
            # Every segment could have stood out by chance, reported or not.
            [c.test for c in family if c.run is None],
        )
        for family in every
    ]
    tested = [(family, chances) for family, chances in tested if family]
    families = [family for family, _ in tested]
    # Stage 1: which dimensions show anything at all (one p-value per dimension, Holm
    # across dimensions). Overlapping ranges of one dimension count once.
    family_p = [_family_p(family, chances) for family, chances in tested]
    selected = [
        (family, p)
        for family, p, q in zip(families, family_p, holm(family_p), strict=True)
        if q <= limits.alpha
    ]
    # Stage 2: within a selected dimension, which segments, at the level the first stage
    # leaves (alpha x selected / tested), so the false discoveries stay controlled overall.
    level = limits.alpha * len(selected) / max(len(families), 1)
    called: list[_Candidate] = []
    for family, family_p_value in selected:
        scanned = [c for c in family if c.run is not None]
        if scanned and family_p_value <= level:
            called.extend(_ranges(scanned, family_p_value, limits, level))
        single = [c for c in family if c.run is None]
        exact_p = [c.p_value for c in single]
        for c, p, q in zip(single, exact_p, adjusted(exact_p), strict=True):
            if q <= level and c.test.matters(limits):
                called.append(replace(c, p_value=p, adjusted=q))
    return called, len(selected)


def _family_p(family: list[_Candidate], chances: list[BinomialTest]) -> float:
    """Whether the dimension shows anything: for segments tested one by one, the chance
    that any of them reaches the smallest p-value seen (discrete Bonferroni, over every
    segment of the baseline); with an account-number scan, Simes over the scan's own
    p-value and the other segments'."""
    scan = [c.adjusted for c in family if c.run is not None][:1]
    single = [c.p_value for c in family if c.run is None]
    if scan or not single:
        return simes([*scan, *single])
    return discrete_bonferroni(min(single), chances)


def _ranges(
    scanned: list[_Candidate], family_p: float, limits: Margins, level: float
) -> list[_Candidate]:
    """The account-number range (one hypothesis for the dimension) and a disjoint second."""
    by_run = {(c.run.start, c.run.end): c for c in scanned if c.run is not None}
    found = [c.run for c in scanned if c.run is not None]
    best = ranges.most_likely(found, limits)
    if best is None:
        return []
    best = ranges.widen(found, best, limits)
    chosen = [replace(by_run[(best.start, best.end)], adjusted=family_p)]
    other = ranges.second(found, best, limits, level)
    if other is not None:
        chosen.append(replace(by_run[(other.start, other.end)], adjusted=family_p))
    return chosen


def _testable(dimension: Dimension) -> bool:
    return (
        dimension.basis is not Basis.none
        and bool(dimension.baseline_total)
        and bool(dimension.units_total)
        and bool(dimension.segments)
    )


def _candidates(dimension: Dimension, partitions: Sequence[AccountPartition]) -> list[_Candidate]:
    """Every segment, and every run of adjacent account-number partitions, with its test."""
    total = float(dimension.baseline_total or 0)
    n = dimension.units_total or 0
    counts: dict[str, tuple[float, int, str]] = {}
    for segment in (*dimension.segments, *dimension.absent):
        counts[segment.value] = (segment.units, segment.baseline or 0, segment.label)
    order = partition_order(counts, partitions) if dimension.key is DimensionKey.partition else []
    found = [
        _Candidate(
            dimension,
            (value,),
            (label,),
            BinomialTest(round(k), n, smoothed_share(base, total)),
        )
        for value, (k, base, label) in counts.items()
        if value not in order
    ]
    units = [counts[v][0] for v in order]
    baseline = [counts[v][1] for v in order]
    scanned = ranges.runs(units, baseline, n, total)
    # One p-value for the whole scan, carried by every run of it.
    scan_p = ranges.scan_p_value(units, baseline, n) if scanned else 1.0
    for run in scanned:
        values = tuple(order[run.start : run.end + 1])
        first, last = counts[values[0]][2], counts[values[-1]][2]
        label = first if len(values) == 1 else f"{first}–{last}"
        found.append(_Candidate(dimension, values, (label,), run.test, run.p_value, scan_p, run))
    return found


def _dimension_findings(dimension: Dimension, called: list[_Candidate]) -> list[Finding]:
    """Non-overlapping calls, strongest first; exclusive dimensions join them into one."""
    called.sort(key=lambda c: (c.adjusted, c.p_value, -c.test.k))
    chosen: list[_Candidate] = []
    taken: set[str] = set()
    for candidate in called:
        if taken.isdisjoint(candidate.values):
            chosen.append(candidate)
            taken.update(candidate.values)
    if not chosen:
        return []
    if dimension.key not in _EXCLUSIVE:
        return [_finding(dimension, [c]) for c in chosen]
    return [_finding(dimension, chosen)]


def _finding(dimension: Dimension, group: list[_Candidate]) -> Finding:
    # The counts as seen (a call may have been decided on the reports another call leaves).
    n = dimension.units_total or 0
    total = float(dimension.baseline_total or 0)
    values = tuple(v for c in group for v in c.values)
    raw = {s.value: s for s in (*dimension.segments, *dimension.absent)}
    units = sum(raw[v].units for v in values if v in raw)
    expected = sum(
        smoothed_share(sum(raw[v].baseline or 0 for v in c.values), total) for c in group
    )
    absent: tuple[str, ...] = ()
    if dimension.key in _EXCLUSIVE and dimension.key is not DimensionKey.partition:
        # Name untouched segments at least as big as the affected ones: a telling contrast.
        by_value = {s.value: s for s in dimension.segments}
        smallest = min((by_value[v].baseline or 0) for v in values if v in by_value)
        absent = tuple(s.label for s in dimension.absent if s.baseline and s.baseline >= smallest)[
            :_ABSENT_NAMED
        ]
    return Finding(
        dimension=dimension.key,
        values=values,
        segments=tuple(label for c in group for label in c.labels),
        units=units,
        total=n,
        expected=min(expected, 1.0),
        basis=dimension.basis,
        p_value=min(c.adjusted for c in group),
        customers=dimension.counts_customers,
        absent=absent,
    )


def _independent(
    splitter: Splitter, given: Finding, finding: Finding, limits: Margins, *, others: int
) -> bool:
    """Whether ``finding`` still stands out inside or outside ``given`` (else it echoes it).

    Inside or outside is two questions, for each of the ``others`` dimensions that could
    echo ``given``, so each is asked at the level divided by twice their number.
    """
    split = splitter(given, finding)
    if split is None:
        return True
    inside, outside = split
    tests = 2 * max(others, 1)
    return significant(inside, limits, tests=tests) or significant(outside, limits, tests=tests)


def _overwhelming(settings: Settings, dimension: Dimension) -> Finding | None:
    """Without a baseline, one value holding nearly every report is still worth saying."""
    if dimension.basis is not Basis.none or not dimension.segments:
        return None
    top = dimension.segments[0]
    total = dimension.units_total or 0
    if (
        total < settings.impact_min_reports
        or top.units < settings.impact_dominant_share / 100 * total
    ):
        return None
    return Finding(
        dimension=dimension.key,
        values=(top.value,),
        segments=(top.label,),
        units=top.units,
        total=total,
        expected=None,
        basis=Basis.none,
        p_value=None,
        customers=dimension.counts_customers,
    )
