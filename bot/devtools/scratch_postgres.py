"""Throwaway PostgreSQL databases for the test suite and the benchmarks.

Each run gets its own database on the server named by ``admin_url`` (dropped afterwards,
whatever happens), so runs in parallel and leftovers of earlier runs never meet.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text


@contextmanager
def scratch_postgres(admin_url: str, prefix: str = "liaison_scratch") -> Iterator[str]:
    """Create a database, yield its URL, drop it (even with connections still open)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
