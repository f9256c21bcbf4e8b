"""Which segments stand out: one family of tests over every dimension, then what to say.

1. Every segment with reports, in every dimension that has a baseline, is a candidate;
   so is every run of adjacent account-number partitions (a shard range fails together).
2. All candidates are tested together (``stats``), in two stages so the false
   discoveries stay controlled across everything: first which dimensions show anything
   (a Simes p-value per dimension, Benjamini-Hochberg across dimensions), then which
   segments within them (Benjamini-Hochberg at the level the first stage leaves). A
   candidate is called when it passes and beats its expected count by the minimum lift
   and excess.
3. Within a dimension, overlapping calls keep the strongest (a range 2…–5… rather than
   its part 3…–4…); the rest of a dimension's calls join it ("eu-central and eu-south").
4. Explain, don't repeat: a call in another dimension is kept only if it still stands out
   inside or outside a stronger call (the tiers of eu-south's accounts are not news
   when eu-south is; Android within eu-south is).
5. A dimension without any baseline is only described, unless one value holds an
   overwhelming share of its reports.

Pure functions: the database is reached only through the ``Splitter`` the caller gives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.account_partitions import AccountPartition
from bot.config import Settings
from bot.services.impact import ranges
from bot.services.impact.model import Basis, Dimension, DimensionKey, Finding
from bot.services.impact.stats import (
    BinomialTest,
    Margins,
    adjusted,
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
) -> tuple[Finding, ...]:
    """What stands out, strongest first (empty: reports are spread like the baseline)."""
    limits = margins(settings)
    testable = [d for d in dimensions if _testable(d)]
    called = _called(testable, partitions, limits, {})
    # Explain, don't repeat, the other way round: two causes share the reports, so each
    # dimension is tested again without the reports another dimension's call explains
    # (its excess over the expected count, spread like the base).
    removed = _explained(testable, called)
    if any(removed.values()):
        called = _called(testable, partitions, limits, removed)
    findings: list[Finding] = []
    for dimension in dimensions:
        findings.extend(
            _dimension_findings(dimension, [c for c in called if c.dimension is dimension])
        )
    findings.sort(key=lambda f: (f.p_value if f.p_value is not None else 1.0, -f.units))
    kept: list[Finding] = []
    for finding in findings:
        if splitter is None or all(
            _independent(splitter, earlier, finding, limits)
            for earlier in kept
            if earlier.dimension is not finding.dimension
        ):
            kept.append(finding)
    for dimension in dimensions:
        overwhelming = _overwhelming(settings, dimension)
        if overwhelming is not None:
            kept.append(overwhelming)
    return tuple(kept)


def _called(
    dimensions: Sequence[Dimension],
    partitions: Sequence[AccountPartition],
    limits: Margins,
    removed: dict[DimensionKey, float],
) -> list[_Candidate]:
    """The candidates that pass both stages, all dimensions tested together."""
    families = [
        [c for c in _candidates(d, partitions, removed.get(d.key, 0.0)) if c.test.k]
        for d in dimensions
    ]
    # Every p-value in one call: SciPy's per-call overhead dominates single small tests.
    flat = [c for family in families for c in family if c.run is None]
    exact = iter(p_values([c.test for c in flat]))
    families = [
        [c if c.run is not None else replace(c, p_value=next(exact)) for c in family]
        for family in families
    ]
    families = [f for f in families if f]
    # Stage 1: which dimensions show anything at all (one Simes p-value per dimension,
    # Benjamini-Hochberg across dimensions). Overlapping ranges of one dimension count once.
    family_p = [simes([c.p_value for c in family]) for family in families]
    selected = [
        (family, p)
        for family, p, q in zip(families, family_p, adjusted(family_p), strict=True)
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
    return called


def _ranges(
    scanned: list[_Candidate], family_p: float, limits: Margins, level: float
) -> list[_Candidate]:
    """The account-number range (one hypothesis for the dimension) and a disjoint second."""
    by_run = {(c.run.start, c.run.end): c for c in scanned if c.run is not None}
    found = [c.run for c in scanned if c.run is not None]
    best = ranges.most_likely(found, limits)
    if best is None:
        return []
    chosen = [replace(by_run[(best.start, best.end)], adjusted=family_p)]
    other = ranges.second(found, best, limits, level)
    if other is not None:
        chosen.append(replace(by_run[(other.start, other.end)], adjusted=family_p))
    return chosen


def _explained(
    dimensions: Sequence[Dimension], called: Sequence[_Candidate]
) -> dict[DimensionKey, float]:
    """Per dimension, the share of reports another dimension's strongest call explains."""
    excess: dict[DimensionKey, float] = {}
    for c in called:
        n = c.test.n
        if n and c.test.excess > 0:
            share = c.test.excess / n
            excess[c.dimension.key] = max(excess.get(c.dimension.key, 0.0), share)
    return {
        d.key: max((v for k, v in excess.items() if k is not d.key), default=0.0)
        for d in dimensions
    }


def _testable(dimension: Dimension) -> bool:
    return (
        dimension.basis is not Basis.none
        and bool(dimension.baseline_total)
        and bool(dimension.units_total)
        and bool(dimension.segments)
    )


def _candidates(
    dimension: Dimension, partitions: Sequence[AccountPartition], removed: float = 0.0
) -> list[_Candidate]:
    """Every segment (and account-number run) with its test.

    ``removed``: the share of the reports another dimension's call explains; they are
    taken out as if spread like the base, so what is left is tested on its own.
    """
    total = float(dimension.baseline_total or 0)
    n_all = dimension.units_total or 0
    gone = n_all * min(max(removed, 0.0), 1.0)
    n = round(n_all - gone)
    counts: dict[str, tuple[float, int, str]] = {}
    for segment in (*dimension.segments, *dimension.absent):
        share = smoothed_share(segment.baseline or 0, total)
        counts[segment.value] = (
            max(segment.units - gone * share, 0.0),
            segment.baseline or 0,
            segment.label,
        )
    order = _partition_order(counts, partitions) if dimension.key is DimensionKey.partition else []
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
    scanned = ranges.runs([counts[v][0] for v in order], [counts[v][1] for v in order], n, total)
    for run in scanned:
        values = tuple(order[run.start : run.end + 1])
        first, last = counts[values[0]][2], counts[values[-1]][2]
        label = first if len(values) == 1 else f"{first}–{last}"
        found.append(
            _Candidate(dimension, values, (label,), run.test, run.p_value, run.p_value, run)
        )
    return found


def _partition_order(
    counts: dict[str, tuple[float, int, str]], partitions: Sequence[AccountPartition]
) -> list[str]:
    """Partitions in account-number order; only these can form a range."""
    if partitions:
        ordered = sorted(partitions, key=lambda p: p.low if p.low is not None else -1)
        return [p.label for p in ordered if p.label in counts]
    return sorted(v for v in counts if len(v) == 1 and v.isdigit())


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


def _independent(splitter: Splitter, given: Finding, finding: Finding, limits: Margins) -> bool:
    """Whether ``finding`` still stands out inside or outside ``given`` (else it echoes it)."""
    split = splitter(given, finding)
    if split is None:
        return True
    inside, outside = split
    return significant(inside, limits, tests=2) or significant(outside, limits, tests=2)


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
