"""Account-number ranges as a scan: which run of adjacent partitions, if any, stands out.

A failing shard or a bad migration hits a contiguous block of account numbers, so the
question is not "which partitions stand out" (one test each) but "is there a range, and
where": one hypothesis per dimension. Every run of adjacent partitions up to half of
them is scored on the aggregated counts; the family's p-value is Simes' over the runs
(valid for such overlapping, positively dependent tests), and the range named is the one
most likely given the counts (the largest binomial likelihood ratio of "this run reports
at a higher rate than the rest" against "everyone alike", as in Kulldorff's scan). That
criterion also settles the ends: a neighbour joins only if it makes the counts more
likely, not because it passes a share threshold.

A second, disjoint range is named only if it stands out among the reports outside the
first (a conditional test, Bonferroni over the runs left).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy
from scipy.stats import binom

from bot.services.impact.stats import BinomialTest, Margins

# Incidents drawn from the baseline to judge the best run (the smallest p-value is
# 1 / (DRAWS + 1)), with a fixed seed so the same counts always give the same answer.
DRAWS = 1999
SEED = 20261123
# Reporting units and baseline per partition, in account-number order.
Counts = tuple[Sequence[float], Sequence[float]]


@dataclass(frozen=True)
class Run:
    """Partitions ``start..end`` (inclusive, in account-number order) and their counts."""

    start: int
    end: int
    test: BinomialTest
    p_value: float


def runs(units: Sequence[float], baseline: Sequence[float], n: float, total: float) -> list[Run]:
    """Every run of adjacent partitions up to half of them, scored in one SciPy call."""
    size = len(units)
    if size == 0 or n <= 0 or total <= 0:
        return []
    k = np.concatenate(([0.0], np.cumsum(np.asarray(units, dtype=float))))
    b = np.concatenate(([0.0], np.cumsum(np.asarray(baseline, dtype=float))))
    longest = max(size // 2, 1)
    starts, ends = np.triu_indices(size)
    keep = (ends - starts) < longest
    starts, ends = starts[keep], ends[keep]
    counts = np.rint(k[ends + 1] - k[starts]).astype(int)
    shares = b[ends + 1] - b[starts]
    shares = np.where(shares > 0, shares / total, 0.5 / (total + 0.5))
    whole = round(n)
    p = np.where(counts > 0, binom.sf(counts - 1, whole, shares), 1.0)
    return [
        Run(int(s), int(e), BinomialTest(int(c), whole, float(q)), float(pv))
        for s, e, c, q, pv in zip(starts, ends, counts, shares, p, strict=True)
    ]


def likelihood_ratio(test: BinomialTest) -> float:
    """Log-likelihood ratio of "the run reports at its own rate" against "at the base rate".

    Zero when the run reports no more than its share: only excesses are scored.
    """
    k, n, p = test.k, test.n, test.p
    if n <= 0 or k <= n * p or p <= 0 or p >= 1:
        return 0.0
    return float(xlogy(k, k / (n * p)) + xlogy(n - k, (n - k) / (n * (1 - p))))


def most_likely(found: Sequence[Run], margins: Margins) -> Run | None:
    """The run the counts make most likely, among those beating the minimum margins."""
    eligible = [r for r in found if r.test.matters(margins)]
    if not eligible:
        return None
    return max(eligible, key=lambda r: (likelihood_ratio(r.test), -(r.end - r.start)))


def strata(pooled: Counts, outside: Counts) -> list[tuple[list[float], list[float]]]:
    """Units and baseline per partition inside a finding (all less outside) and outside it."""
    inside = (
        [max(float(a) - float(b), 0.0) for a, b in zip(pooled[0], outside[0], strict=True)],
        [max(float(a) - float(b), 0.0) for a, b in zip(pooled[1], outside[1], strict=True)],
    )
    return [inside, ([float(u) for u in outside[0]], [float(b) for b in outside[1]])]


def stratified(found: Sequence[Run], strata: Sequence[Counts]) -> Run | None:
    """The run of ``found`` most likely given the counts in each stratum on its own.

    ``strata``: per stratum, reporting units and baseline per partition (in the order the
    runs index). When another breakdown has a finding (version 4.5), its customers and
    the others are two strata: inside, reports follow version 4.5's own accounts; outside,
    everyone else's. A range's score is the sum of its likelihood ratios in each stratum,
    each against that stratum's mix (Kulldorff's scan, stratified by the finding). Where
    the two causes share the reports, version 4.5's reports no longer blur where the range
    ends; where they meet (the range within version 4.5), the reports outside, spread
    like the base, no longer do.
    """
    if not found:
        return None
    sums = []
    for units, baseline in strata:
        k = np.concatenate(([0.0], np.cumsum(np.asarray(units, dtype=float))))
        b = np.concatenate(([0.0], np.cumsum(np.asarray(baseline, dtype=float))))
        sums.append((k, b))

    def score(run: Run) -> float:
        total = 0.0
        for k, b in sums:
            n, base = k[-1], b[-1]
            if n <= 0 or base <= 0:
                continue
            share = (b[run.end + 1] - b[run.start]) / base
            inside = round(k[run.end + 1] - k[run.start])
            total += likelihood_ratio(BinomialTest(inside, round(n), share))
        return total

    return max(found, key=lambda r: (score(r), -(r.end - r.start)))


def widen(found: Sequence[Run], best: Run, margins: Margins) -> Run:
    """``best`` joined by neighbours that still stand out among the reports outside it.

    The most likely run is exact only for large counts: with 20 or 30 customers a
    partition of a hit range that drew few reports by chance falls off the end ("6…–7…"
    for a failing "6…–8…"). A neighbour joins when, among the customers outside the run,
    it reports beyond chance against its share of the accounts outside the run, and by
    the minimum lift; a neighbour reporting like everyone else never does.
    """
    by_span = {(r.start, r.end): r for r in found}
    singles = {r.start: r.test for r in found if r.start == r.end}
    current = best
    while True:
        grown = None
        for side in (current.start - 1, current.end + 1):
            neighbour = singles.get(side)
            span = (min(side, current.start), max(side, current.end))
            if neighbour is None or span not in by_span:
                continue
            rest = current.test.n - current.test.k
            rest_share = 1.0 - current.test.p
            if rest <= 0 or rest_share <= 0:
                continue
            test = BinomialTest(neighbour.k, rest, min(neighbour.p / rest_share, 1.0))
            stands_out = test.lift >= margins.min_lift and test.p_value <= margins.alpha
            if stands_out and (grown is None or test.p_value < grown[1]):
                grown = (by_span[span], test.p_value)
        if grown is None:
            return current
        current = grown[0]


def second(found: Sequence[Run], first: Run, margins: Margins, level: float) -> Run | None:
    """A disjoint range that still stands out among the reports outside ``first``."""
    apart = [r for r in found if r.end < first.start - 1 or r.start > first.end + 1]
    if not apart:
        return None
    rest = first.test.n - first.test.k
    rest_share = 1.0 - first.test.p
    if rest <= 0 or rest_share <= 0:
        return None
    conditional = [
        Run(r.start, r.end, BinomialTest(r.test.k, rest, min(r.test.p / rest_share, 1.0)), 1.0)
        for r in apart
    ]
    best = most_likely(conditional, margins)
    if best is None or best.test.p_value * len(apart) > level:
        return None
    return best


def scan_p_value(
    units: Sequence[float], baseline: Sequence[float], n: float, draws: int = DRAWS
) -> float:
    """The chance that reports spread like the base show a range this likely somewhere.

    The runs overlap heavily, so a Bonferroni or Simes correction over them is far too
    strict; instead the best run's likelihood ratio is compared with the best of
    ``draws`` incidents of the same size drawn from the baseline (Monte Carlo, on the
    partition counts only, with a fixed seed so a summary does not flicker).
    """
    size = len(units)
    whole = round(n)
    base = np.asarray(baseline, dtype=float)
    if size < 2 or whole <= 0 or base.sum() <= 0:
        return 1.0
    shares = np.where(base > 0, base, 0.5) / base.sum()
    shares = shares / shares.sum()
    starts, ends = _spans(size)
    run_shares = _sums(shares[None, :], starts, ends)[0]
    observed = _best_ratio(
        _sums(np.asarray(units, dtype=float)[None, :], starts, ends), whole, run_shares
    )[0]
    if observed <= 0:
        return 1.0
    drawn = np.random.default_rng(SEED).multinomial(whole, shares, size=draws)
    simulated = _best_ratio(_sums(drawn.astype(float), starts, ends), whole, run_shares)
    return float((1 + np.count_nonzero(simulated >= observed - 1e-9)) / (draws + 1))


def _spans(size: int) -> tuple[np.ndarray, np.ndarray]:
    longest = max(size // 2, 1)
    starts, ends = np.triu_indices(size)
    keep = (ends - starts) < longest
    return starts[keep], ends[keep]


def _sums(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per row of ``values``, the sum over every run (rows x runs)."""
    cumulative = np.concatenate((np.zeros((values.shape[0], 1)), values.cumsum(axis=1)), axis=1)
    return cumulative[:, ends + 1] - cumulative[:, starts]


def _best_ratio(k: np.ndarray, n: int, p: np.ndarray) -> np.ndarray:
    """Per row, the largest log-likelihood ratio over the runs (excesses only)."""
    expected = n * p
    inside = xlogy(k, k / expected)
    rest = n - k
    outside = xlogy(rest, np.where(rest > 0, rest / (n - expected), 1.0))
    ratio = np.where(k > expected, inside + outside, 0.0)
    return ratio.max(axis=1)
