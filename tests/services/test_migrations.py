import sqlalchemy
from alembic.config import Config

from alembic import command
from kite_app.persistence import db
from tests.conftest import ROOT, migrate


def _tables(url):
    return set(sqlalchemy.inspect(sqlalchemy.create_engine(url)).get_table_names())


def test_upgrade_from_empty_to_head_and_back(database):
    """The same scripts run on SQLite and on PostgreSQL, up from nothing (the fixture), down and up again."""
    assert {"users", "login_sessions", "meetings", "outbox", "reminders"} <= _tables(database)
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    command.downgrade(cfg, "base")
    assert _tables(database) <= {"alembic_version"}
    migrate(database)
    assert "meetings" in _tables(database)


def test_migrations_match_the_models(database):
    """A model change without a migration would make `reflex db migrate` leave the schema behind."""
    import reflex as rx
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from kite_app.persistence import models  # noqa: F401

    with db.engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), rx.ModelRegistry.get_metadata())
    assert diff == []
