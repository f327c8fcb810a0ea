"""Engine and transaction helpers shared by every service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy
from sqlalchemy import event
from sqlmodel import Session

from kite_app.config import settings

_engines: dict[str, sqlalchemy.Engine] = {}
_url_override: str | None = None


def database_url() -> str:
    return _url_override or settings.database_url


def use_database(url: str | None) -> None:
    """Point every later session at `url` (None: back to the configured one). For tests and tools."""
    global _url_override
    _url_override = url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def engine() -> sqlalchemy.Engine:
    url = database_url()
    if url not in _engines:
        if url.startswith("sqlite"):
            eng = sqlalchemy.create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
            event.listen(eng, "connect", _sqlite_pragmas)
        else:
            eng = sqlalchemy.create_engine(url, pool_pre_ping=True)
        _engines[url] = eng
    return _engines[url]


@contextmanager
def transaction() -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back on any exception."""
    with Session(engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
