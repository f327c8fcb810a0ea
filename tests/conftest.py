"""Shared fixtures: a migrated temporary database for service tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from kite_app.persistence import db

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def migrate(url: str) -> None:
    """Apply every Alembic migration to `url`, as `reflex db migrate` does."""
    db.use_database(url)
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    command.upgrade(cfg, "head")


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'kite-test.db'}"
    migrate(url)
    yield url
    db.use_database(None)


@pytest.fixture
def now():
    return NOW


def pytest_configure(config):
    # Reflex merges the metadata of each registered model; ours share one, hence a warning per table.
    config.addinivalue_line("filterwarnings", "ignore:Table '.*' already exists within the given MetaData")
