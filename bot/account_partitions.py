"""Account-number partitions: how the impact summary groups customers by account id.

Companies often number accounts by cohort, shard or data centre, so a failure in one
shard shows up as reports from one range of account numbers. Operators describe their
ranges in ``IMPACT_ACCOUNT_PARTITIONS`` (``legacy=0-99999, 100000-499999, new=500000-``);
left empty, accounts are grouped by the leading digit of their id. Parsing lives here,
free of the database, so a bad value stops the app at startup with the setting's name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_RANGE = re.compile(r"^(?:(?P<label>[^=]+)=)?\s*(?P<low>\d*)\s*-\s*(?P<high>\d*)$")


@dataclass(frozen=True)
class AccountPartition:
    """Numeric account ids from ``low`` to ``high`` inclusive (None: unbounded)."""

    label: str
    low: int | None
    high: int | None

    def contains(self, number: int) -> bool:
        return (self.low is None or number >= self.low) and (
            self.high is None or number <= self.high
        )


OTHER_PARTITION = "other"


def parse_partitions(items: Sequence[str]) -> list[AccountPartition]:
    """Parse ``[label=]low-high`` items; either bound may be left out, ranges may not overlap.

    Raises ValueError naming the faulty item, because a silent overlap would count the
    same account in two partitions and make every share in the summary wrong.
    """
    partitions: list[AccountPartition] = []
    for item in items:
        match = _RANGE.match(item.strip())
        if match is None or not (match["low"] or match["high"]):
            raise ValueError(
                f"{item!r} should look like 1000-1999, 5000- or legacy=0-999 (numeric ranges)"
            )
        low = int(match["low"]) if match["low"] else None
        high = int(match["high"]) if match["high"] else None
        if low is not None and high is not None and low > high:
            raise ValueError(f"{item!r}: the range starts after it ends")
        label = (match["label"] or "").strip() or _range_label(low, high)
        if label == OTHER_PARTITION:
            raise ValueError(f"{item!r}: {OTHER_PARTITION!r} is reserved for ids in no range")
        partition = AccountPartition(label=label[:64], low=low, high=high)
        for existing in partitions:
            if _overlaps(existing, partition):
                raise ValueError(f"{item!r} overlaps {existing.label!r}")
            if existing.label == partition.label:
                raise ValueError(f"{item!r}: the label {partition.label!r} is used twice")
        partitions.append(partition)
    return partitions


def partition_of(account_id: str, partitions: Sequence[AccountPartition]) -> str:
    """The partition label of one account id, in Python (the SQL version must agree)."""
    if not partitions:
        return account_id[:1]
    if not account_id.isdigit() or not account_id.isascii():
        return OTHER_PARTITION
    number = int(account_id)
    for partition in partitions:
        if partition.contains(number):
            return partition.label
    return OTHER_PARTITION


def _range_label(low: int | None, high: int | None) -> str:
    if low is None:
        return f"up to {high}"
    if high is None:
        return f"{low} and up"
    return f"{low}–{high}"


def _overlaps(a: AccountPartition, b: AccountPartition) -> bool:
    a_low = a.low if a.low is not None else -1
    b_low = b.low if b.low is not None else -1
    a_high = a.high if a.high is not None else float("inf")
    b_high = b.high if b.high is not None else float("inf")
    return a_low <= b_high and b_low <= a_high
