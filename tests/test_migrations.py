"""The schema is only ever changed by migrations: head must equal the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from bot.db import current_revisions, head_revisions
from bot.models import Base


def test_migrated_database_matches_the_models(engine: Engine) -> None:
    assert current_revisions(engine) == head_revisions()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_migrations_form_one_line() -> None:
    # Two heads would make `app.py migrate` refuse to choose; every migration follows one.
    assert len(head_revisions()) == 1
