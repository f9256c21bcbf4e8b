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
    families = [
        [c for c in _candidates(d, partitions) if c.test.k] for d in dimensions if _testable(d)
    ]
    # Every p-value in one call: SciPy's per-call overhead dominates single small tests.
    flat = [c for family in families for c in family]
    exact = iter(p_values([c.test for c in flat]))
    families = [[replace(c, p_value=next(exact)) for c in family] for family in families]
    families = [f for f in families if f]
    # Stage 1: which dimensions show anything at all (one Simes p-value per dimension,
    # Benjamini-Hochberg across dimensions). Overlapping ranges of one dimension count once.
    family_p = [simes([c.p_value for c in family]) for family in families]
    selected = [
        family for family, q in zip(families, adjusted(family_p), strict=True) if q <= limits.alpha
    ]
    # Stage 2: within a selected dimension, which segments, at the level the first stage
    # leaves (alpha x selected / tested), so the false discoveries stay controlled overall.
    level = limits.alpha * len(selected) / max(len(families), 1)
    called: list[_Candidate] = []
    for family in selected:
        exact_p = [c.p_value for c in family]
        for c, p, q in zip(family, exact_p, adjusted(exact_p), strict=True):
            if q <= level and c.test.matters(limits):
                called.append(_Candidate(c.dimension, c.values, c.labels, c.test, p, q))
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


def _testable(dimension: Dimension) -> bool:
    return (
        dimension.basis is not Basis.none
        and bool(dimension.baseline_total)
        and bool(dimension.units_total)
        and bool(dimension.segments)
    )


def _candidates(dimension: Dimension, partitions: Sequence[AccountPartition]) -> list[_Candidate]:
    n = dimension.units_total or 0
    total = float(dimension.baseline_total or 0)
    counts: dict[str, tuple[int, int, str]] = {}
    for segment in (*dimension.segments, *dimension.absent):
        counts[segment.value] = (segment.units, segment.baseline or 0, segment.label)
    found = [
        _Candidate(dimension, (value,), (label,), BinomialTest(k, n, smoothed_share(base, total)))
        for value, (k, base, label) in counts.items()
    ]
    if dimension.key is DimensionKey.partition:
        order = _partition_order(counts, partitions)
        for start in range(len(order)):
            # A range is at most half the partitions: more is not a segment but the base.
            for end in range(start + 1, min(start + len(order) // 2, len(order))):
                run = order[start : end + 1]
                if not (counts[run[0]][0] and counts[run[-1]][0]):
                    continue
                k = sum(counts[v][0] for v in run)
                base = sum(counts[v][1] for v in run)
                label = f"{counts[run[0]][2]}–{counts[run[-1]][2]}"
                found.append(
                    _Candidate(
                        dimension,
                        tuple(run),
                        (label,),
                        BinomialTest(k, n, smoothed_share(base, total)),
                    )
                )
    return found


def _partition_order(
    counts: dict[str, tuple[int, int, str]], partitions: Sequence[AccountPartition]
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
    if dimension.key is DimensionKey.partition:
        chosen = [_trimmed(dimension, c) for c in chosen]
    if dimension.key not in _EXCLUSIVE:
        return [_finding(dimension, [c]) for c in chosen]
    return [_finding(dimension, chosen)]


def _trimmed(dimension: Dimension, run: _Candidate) -> _Candidate:
    """The range without end partitions that report no more than their share.

    The strongest run sometimes reaches one partition too far, carried by its neighbours;
    naming 5…–8… when 8… reports like everyone else would send people to the wrong shard.
    """
    if len(run.values) < 2:
        return run
    n = dimension.units_total or 0
    total = float(dimension.baseline_total or 0)
    by_value = {s.value: s for s in (*dimension.segments, *dimension.absent)}

    def ordinary(value: str) -> bool:
        segment = by_value[value]
        return segment.units <= n * smoothed_share(segment.baseline or 0, total)

    values = list(run.values)
    while len(values) > 1 and ordinary(values[0]):
        values.pop(0)
    while len(values) > 1 and ordinary(values[-1]):
        values.pop()
    if len(values) == len(run.values):
        return run
    k = sum(by_value[v].units for v in values)
    base = sum(by_value[v].baseline or 0 for v in values)
    first, last = by_value[values[0]].label, by_value[values[-1]].label
    label = first if len(values) == 1 else f"{first}–{last}"
    test = BinomialTest(k, n, smoothed_share(base, total))
    return _Candidate(dimension, tuple(values), (label,), test, run.p_value, run.adjusted)


def _finding(dimension: Dimension, group: list[_Candidate]) -> Finding:
    n = dimension.units_total or 0
    values = tuple(v for c in group for v in c.values)
    units = sum(c.test.k for c in group)
    expected = sum(c.test.p for c in group)
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
