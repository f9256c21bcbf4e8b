"""The statistics behind "stands out": exact tests on aggregated counts, with SciPy.

Each candidate segment is a count ``k`` of ``n`` reporting units (customers or reports)
that fell in the segment, against the share ``p`` the segment has in a baseline (the
accounts directory, or other incidents' reports). Under "spread like the baseline", ``k``
follows a binomial law, so the chance of seeing ``k`` or more is exact
(``binom.sf``). Many segments are tested at once, so the p-values are adjusted with
Benjamini-Hochberg (false-discovery control) before anything is called; a segment must
also beat its expected count by a margin that matters (a minimum lift and a minimum
excess), because with enough reports tiny differences become "significant" too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom, false_discovery_control


@dataclass(frozen=True)
class Margins:
    """How far a segment must stand out: tuned by the IMPACT_* settings."""

    alpha: float  # false-discovery rate across everything tested in one summary
    min_lift: float  # observed share / expected share
    min_excess: float  # units beyond the expected count


@dataclass(frozen=True)
class BinomialTest:
    """One segment's count against its baseline share."""

    k: int
    n: int
    p: float

    @property
    def expected(self) -> float:
        return self.n * self.p

    @property
    def excess(self) -> float:
        return self.k - self.expected

    @property
    def lift(self) -> float:
        if self.p <= 0:
            return math.inf
        return (self.k / self.n) / self.p if self.n else 0.0

    @property
    def p_value(self) -> float:
        """P(K >= k) when K ~ Binomial(n, p): the chance of this many or more by luck."""
        if self.k <= 0 or self.n <= 0:
            return 1.0
        if self.p >= 1:
            return 1.0
        return float(binom.sf(self.k - 1, self.n, self.p))

    def matters(self, margins: Margins) -> bool:
        return self.lift >= margins.min_lift and self.excess >= margins.min_excess


def p_values(tests: Sequence[BinomialTest]) -> list[float]:
    """``BinomialTest.p_value`` of many tests in one vectorised SciPy call."""
    if not tests:
        return []
    k = [max(t.k, 0) for t in tests]
    n = [max(t.n, 0) for t in tests]
    p = [min(max(t.p, 0.0), 1.0) for t in tests]
    exact = binom.sf([x - 1 for x in k], n, p)
    return [
        1.0 if (t.k <= 0 or t.n <= 0 or t.p >= 1) else float(v)
        for t, v in zip(tests, exact, strict=True)
    ]


def adjusted(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (compare each with the false-discovery rate)."""
    if not p_values:
        return []
    return [float(q) for q in false_discovery_control(list(p_values), method="bh")]


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values: family-wise control, for the first stage."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    out = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        out[i] = running
    return out


def simes(p_values: Sequence[float]) -> float:
    """One p-value for a family of tests ("does anything in it stand out?"), by Simes.

    Valid for positively dependent tests, such as overlapping account-number ranges.
    """
    ordered = sorted(p_values)
    m = len(ordered)
    return min((p * m / rank for rank, p in enumerate(ordered, start=1)), default=1.0)


def discrete_bonferroni(smallest: float, tests: Sequence[BinomialTest]) -> float:
    """The chance that any of ``tests`` gives a p-value of ``smallest`` or less by luck.

    Bounded by the sum, over the tests, of the largest p-value each can actually reach at
    or below ``smallest`` (Tarone's discrete Bonferroni: valid whatever the dependence).
    With 15 to 60 customers a count moves in whole steps: a region holding 4% of the
    accounts, among 20 customers, gives p = 0.044 for 3 customers and 0.007 for 4, so it
    reaches 0.01 by chance 0.7% of the time, not 1%. Plain Bonferroni (and Simes, for the
    smallest p-value) charges ``smallest`` for every test, which makes small incidents
    pay for tests that could never have fired.
    """
    if not tests:
        return 1.0
    n = np.array([max(t.n, 0) for t in tests])
    p = np.array([min(max(t.p, 0.0), 1.0) for t in tests])
    with np.errstate(invalid="ignore"):
        # The largest count whose tail beyond it is at most ``smallest``... and that tail.
        cut = binom.isf(smallest, n, p)
        reach = binom.sf(cut, n, p)
        # Guard against rounding at the boundary: step one count further if needed.
        reach = np.where(reach <= smallest * (1 + 1e-9), reach, binom.sf(cut + 1, n, p))
    return float(min(np.nansum(reach), 1.0))


def significant(test: BinomialTest, margins: Margins, *, tests: int = 1) -> bool:
    """One test on its own (Bonferroni over ``tests``), used for follow-up questions."""
    return test.matters(margins) and test.p_value * tests <= margins.alpha


def rate_change(recent: int, previous: int, alpha: float) -> int:
    """+1 rising, -1 falling, 0 steady: the two windows' counts compared exactly.

    Both windows are equally long, so if the rate did not change each of the
    ``recent + previous`` reports fell in the recent window with probability one half
    (the conditional binomial test of two Poisson rates).
    """
    total = recent + previous
    if total == 0:
        return 0
    if binom.sf(recent - 1, total, 0.5) <= alpha:
        return 1
    if binom.cdf(recent, total, 0.5) <= alpha:
        return -1
    return 0


def smoothed_share(count: float, total: float) -> float:
    """A baseline share that is never exactly 0 (a value absent from the baseline).

    Half a unit keeps the test finite: a version nobody in the directory runs can still
    stand out, but needs several reports to do so.
    """
    if total <= 0:
        return 0.0
    return count / total if count > 0 else 0.5 / (total + 0.5)
