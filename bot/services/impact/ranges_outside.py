"""The account-number range seen apart from another finding's reports.

Two causes share an incident's reports: version 4.5's reports dilute a failing range
("3…–5…") and blur where it ends, and where the two meet (the range within version
4.5) the reports outside version 4.5, spread like the base, blur it as well. The
database gives, per partition, the customers and directory accounts outside the
strongest other finding (``Outside``); inside it is the rest. With those counts:

- ``second_look``: a range the reports as a whole did not show is tested again on the
  customers outside the other finding, against the accounts outside it;
- ``range_ends``: the range named, however it was found, takes the ends most likely
  inside and outside the other finding, each against its own accounts
  (``ranges.stratified``).

Pure functions over counts, like ``findings``, which calls them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.account_partitions import AccountPartition
from bot.services.impact import ranges
from bot.services.impact.model import Dimension, DimensionKey, Finding
from bot.services.impact.stats import Margins, smoothed_share

# Outside a finding: (partition, reporting customers, directory accounts) per partition.
Outside = Callable[[Finding], list[tuple[str, int, int]] | None]


def second_look(
    findings: list[Finding],
    dimensions: Sequence[Dimension],
    partitions: Sequence[AccountPartition],
    limits: Margins,
    outside: Outside,
    remaining: int,
) -> list[Finding]:
    """The account-number range tested again without the strongest other finding's reports.

    Outside version 4.5, against the directory's accounts outside it, the range stands on
    its own counts. It is a second look at the same dimension, so its p-value counts
    double, against the level Holm's first stage would give a dimension ranked after
    those already selected (``remaining`` dimensions not selected).
    """
    dimension, given, rows = _apart(findings, dimensions, outside)
    if dimension is None or given is None or not rows:
        return findings
    counts = {value: (units, base) for value, units, base in rows}
    order = partition_order({v: (0.0, 0, v) for v in counts}, partitions)
    units = [counts[v][0] for v in order]
    baseline = [counts[v][1] for v in order]
    n = sum(units)
    found = ranges.runs(units, baseline, n, sum(baseline))
    level = limits.alpha / max(remaining, 1)
    family_p = min(2 * ranges.scan_p_value(units, baseline, n), 1.0)
    best = ranges.most_likely(found, limits) if family_p <= level else None
    if best is None:
        return findings
    best = ranges.widen(found, best, limits)
    values = tuple(order[best.start : best.end + 1])
    kept = [f for f in findings if f.dimension is not DimensionKey.partition]
    kept.append(range_finding(dimension, values, family_p))
    kept.sort(key=lambda f: (f.p_value if f.p_value is not None else 1.0, -f.units))
    return kept


def range_ends(
    findings: list[Finding],
    dimensions: Sequence[Dimension],
    partitions: Sequence[AccountPartition],
    limits: Margins,
    outside: Outside,
) -> list[Finding]:
    """The named range with the ends most likely inside and outside the strongest other
    finding (the findings kept, after the echoes are dropped).

    Only the ends move: whether there is a range was decided before, and the range must
    still beat the minimum margins on all the reports. A finding of two disjoint ranges
    is left as it is.
    """
    dimension, given, rows = _apart(findings, dimensions, outside)
    current = next((f for f in findings if f.dimension is DimensionKey.partition), None)
    if dimension is None or given is None or current is None or not rows:
        return findings
    counts = {value: (units, base) for value, units, base in rows}
    order = partition_order({v: (0.0, 0, v) for v in counts}, partitions)
    start = order.index(current.values[0]) if current.values[0] in order else -1
    if start < 0 or tuple(order[start : start + len(current.values)]) != current.values:
        return findings
    pooled = {s.value: (s.units, s.baseline or 0) for s in (*dimension.segments, *dimension.absent)}
    units = [float(pooled.get(v, (0, 0))[0]) for v in order]
    baseline = [float(pooled.get(v, (0, 0))[1]) for v in order]
    n, total = dimension.units_total or 0, float(dimension.baseline_total or 0)
    found = [r for r in ranges.runs(units, baseline, n, total) if r.test.matters(limits)]
    apart = ([counts[v][0] for v in order], [counts[v][1] for v in order])
    best = ranges.stratified(found, ranges.strata((units, baseline), apart))
    if best is None or tuple(order[best.start : best.end + 1]) == current.values:
        return findings
    moved = range_finding(dimension, tuple(order[best.start : best.end + 1]), current.p_value)
    return [moved if f is current else f for f in findings]


def range_finding(dimension: Dimension, values: tuple[str, ...], p_value: float | None) -> Finding:
    """A finding naming the adjacent partitions ``values`` ("account numbers 3…–5…")."""
    raw = {s.value: s for s in (*dimension.segments, *dimension.absent)}
    base = sum(raw[v].baseline or 0 for v in values if v in raw)
    return Finding(
        dimension=dimension.key,
        values=values,
        segments=(range_label(dimension, values),),
        units=sum(raw[v].units for v in values if v in raw),
        total=dimension.units_total or 0,
        expected=min(smoothed_share(base, float(dimension.baseline_total or 0)), 1.0),
        basis=dimension.basis,
        p_value=p_value,
        customers=dimension.counts_customers,
    )


def range_label(dimension: Dimension, values: tuple[str, ...]) -> str:
    labels = {s.value: s.label for s in (*dimension.segments, *dimension.absent)}
    first, last = labels.get(values[0], values[0]), labels.get(values[-1], values[-1])
    return first if len(values) == 1 else f"{first}–{last}"


def partition_order(
    counts: dict[str, tuple[float, int, str]], partitions: Sequence[AccountPartition]
) -> list[str]:
    """Partitions in account-number order; only these can form a range."""
    if partitions:
        ordered = sorted(partitions, key=lambda p: p.low if p.low is not None else -1)
        return [p.label for p in ordered if p.label in counts]
    return sorted(v for v in counts if len(v) == 1 and v.isdigit())


def _apart(
    findings: Sequence[Finding], dimensions: Sequence[Dimension], outside: Outside
) -> tuple[Dimension | None, Finding | None, list[tuple[str, int, int]] | None]:
    """The account-number dimension, the strongest other finding, and the counts outside it."""
    dimension = next((d for d in dimensions if d.key is DimensionKey.partition), None)
    given = next((f for f in findings if f.dimension is not DimensionKey.partition), None)
    rows = outside(given) if dimension is not None and given is not None else None
    return dimension, given, rows
