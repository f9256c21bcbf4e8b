"""Which database errors mean "the same transaction, run again, will most likely succeed"."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# PostgreSQL's serialization_failure and deadlock_detected: the server rolled the
# transaction back so another could go on; nothing of it was stored.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})


def is_transient(error: DBAPIError) -> bool:
    """True for a deadlock or serialization failure (PostgreSQL), false for anything else."""
    return getattr(error.orig, "sqlstate", None) in _TRANSIENT_SQLSTATES
