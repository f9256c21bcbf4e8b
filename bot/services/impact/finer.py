"""Finer account-number ranges: two leading digits, when the counts inside a range say so.

Leading digits are coarse: a shard holding accounts 340000-359999 shows as "3…", a
tenth of the customer base, when the engineers want "34…–35…". Scanning all 90
two-digit prefixes from the start would spread the reports too thinly for the usual
15 to 60 reports, so the finer question is asked only inside a range already called,
and conditionally: among the customers who reported from "3…", is there a run of
two-digit prefixes reporting at a higher rate than the rest of "3…" (against the
directory's accounts there)? The same likelihood scan answers it, with its own
Monte Carlo p-value, at a fifth of the summary's significance level and its margins. A range hit
evenly stays at its leading digits; only a range hit unevenly beyond chance is narrowed.

Only for the default grouping (leading digits): configured ``IMPACT_ACCOUNT_PARTITIONS``
are the operator's own units and are never split.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Account, Report
from bot.services.impact import ranges
from bot.services.impact.model import DimensionKey, Finding
from bot.services.impact.stats import Margins, smoothed_share

# (two-digit prefix, reporting customers, directory accounts) inside a called range.
Prefixes = Callable[[Finding], list[tuple[str, int, int]] | None]

# Narrowing a range already named is a second claim engineers act on (they look at one
# shard instead of three), so it must clear a stricter bar than the range itself.
STRICTER = 5
# Fewer customers than this inside the range cannot show a finer range beyond chance.
MIN_CUSTOMERS = 8
# Only scanned on incidents up to this size (the query reads the incident's reports).
QUERY_LIMIT = 5_000


def prefixes(session: Session, *, incident_id: int, reports: int) -> Prefixes:
    """Customers and directory accounts per two-digit prefix within a finding's digits."""

    def counts(finding: Finding) -> list[tuple[str, int, int]] | None:
        if reports > QUERY_LIMIT or any(len(v) != 1 for v in finding.values):
            return None
        report_prefix = func.substr(Report.account_id, 1, 2)
        customers = session.execute(
            select(report_prefix, func.count(func.distinct(Report.customer_key)))
            .where(
                Report.incident_id == incident_id,
                func.substr(Report.account_id, 1, 1).in_(finding.values),
                func.length(Report.account_id) >= 2,
            )
            .group_by(report_prefix)
        ).all()
        account_prefix = func.substr(Account.account_id, 1, 2)
        accounts = session.execute(
            select(account_prefix, func.count())
            .where(
                func.substr(Account.account_id, 1, 1).in_(finding.values),
                func.length(Account.account_id) >= 2,
            )
            .group_by(account_prefix)
        ).all()
        units = {str(v): int(c) for v, c in customers if v is not None}
        return [(str(v), units.get(str(v), 0), int(c)) for v, c in accounts if v is not None]

    return counts


def refine(finding: Finding, rows: Sequence[tuple[str, int, int]], limits: Margins) -> Finding:
    """``finding`` narrowed to a run of two-digit prefixes, or as it was."""
    digits = [r for r in rows if r[0][:1].isdigit() and r[0][1:2].isdigit()]
    order = sorted(digits)
    units = [float(u) for _, u, _ in order]
    baseline = [float(b) for _, _, b in order]
    n = sum(units)
    total = sum(baseline)
    if len(order) < 2 or n < MIN_CUSTOMERS or total <= 0:
        return finding
    found = ranges.runs(units, baseline, n, total)
    best = ranges.most_likely(found, limits)
    if best is None or ranges.scan_p_value(units, baseline, n) > limits.alpha / STRICTER:
        return finding
    values = tuple(order[i][0] for i in range(best.start, best.end + 1))
    if {v[:1] for v in values} == set(finding.values) and _spans_all(values, order, finding):
        return finding  # the whole range after all: say it as before
    share = smoothed_share(sum(order[i][2] for i in range(best.start, best.end + 1)), total)
    label = f"{values[0]}…" if len(values) == 1 else f"{values[0]}…–{values[-1]}…"
    return replace(
        finding,
        values=values,
        segments=(label,),
        units=best.test.k,
        expected=min((finding.expected or 0.0) * share, 1.0) if finding.expected else None,
    )


def refine_all(
    findings: Sequence[Finding], counts: Prefixes | None, limits: Margins
) -> tuple[Finding, ...]:
    """Every account-number finding narrowed where its counts support it."""
    if counts is None:
        return tuple(findings)
    out: list[Finding] = []
    for finding in findings:
        if finding.dimension is DimensionKey.partition:
            rows = counts(finding)
            if rows:
                finding = refine(finding, rows, limits)
        out.append(finding)
    return tuple(out)


def _spans_all(
    values: Sequence[str], order: Sequence[tuple[str, int, int]], finding: Finding
) -> bool:
    inside = [v for v, _, _ in order if v[:1] in finding.values]
    return list(values) == inside
