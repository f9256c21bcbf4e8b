"""Alembic environment: runs on the connection the app hands over, or on DATABASE_URL."""

from __future__ import annotations

from alembic import context

from bot.config import load_settings
from bot.db import make_engine
from bot.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or load_settings().database_url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
