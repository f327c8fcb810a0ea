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


def test_links_sent_before_the_upgrade_still_open_their_meetings_and_overlaps_stay_refused(database):
    """Upgrading to hash-only manage links keeps every link that was sent working, and keeps the database's
    own refusal of overlapping meetings."""
    import hashlib

    import pytest
    from sqlalchemy.exc import IntegrityError

    from kite_app.persistence.meetings import by_token
    from kite_app.persistence.models import Meeting

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    command.downgrade(cfg, "d4e5f6a7b8c9")
    token = "a-link-mailed-last-week"
    columns = ("uid, agent_id, guest_name, guest_email, guest_time_zone, subject, starts_at, ends_at, status, "
               "sequence, created_at, updated_at")
    values = ":uid, 1, 'Gus', 'gus@example.com', 'UTC', '', :start, :end, 'pending', 0, :at, :at"
    with db.engine().begin() as conn:
        conn.execute(sqlalchemy.text(
            "INSERT INTO users (name, email, password_hash, role, time_zone, active, created_at, updated_at) "
            "VALUES ('Bob', 'bob@example.com', 'x', 'agent', 'UTC', true, :at, :at)"),
            {"at": "2026-11-01 00:00:00"})
        conn.execute(sqlalchemy.text(f"INSERT INTO meetings ({columns}, manage_token, manage_token_hash) "
                                     f"VALUES ({values}, :token, :hash)"), {
            "uid": "m1@kite", "start": "2026-12-01 10:00:00", "end": "2026-12-01 10:30:00", "at": "2026-11-01 00:00:00",
            "token": token, "hash": hashlib.sha256(token.encode()).hexdigest()})
    command.upgrade(cfg, "head")
    with db.transaction() as s:
        found = by_token(s, token)
        assert found is not None and found.uid == "m1@kite"
        assert "manage_token" not in Meeting.model_fields
    with pytest.raises(IntegrityError), db.engine().begin() as conn:  # an overlapping live meeting is refused
        conn.execute(sqlalchemy.text(f"INSERT INTO meetings ({columns}) VALUES ({values})"), {
            "uid": "m2@kite", "start": "2026-12-01 10:15:00", "end": "2026-12-01 10:45:00",
            "at": "2026-11-01 00:00:00"})
