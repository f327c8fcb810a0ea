"""Engine and transaction helpers shared by every service."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from kite_app.config import settings

# What a statement raises when the database cannot be reached (restarting, network) or stayed locked:
# callers say so plainly and try again later, instead of failing with a traceback.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

_engines: dict[str, sqlalchemy.Engine] = {}
_url_override: str | None = None


def database_url() -> str:
    return _url_override or settings.database_url


def use_database(url: str | None) -> None:
    """Point every later session at `url` (None: back to the configured one). For tests and tools."""
    global _url_override
    _url_override = url


def dispose(url: str) -> None:
    """Close the pooled connections to `url` (tests that make a database each)."""
    eng = _engines.pop(url, None)
    if eng is not None:
        eng.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLAlchemy issues BEGIN itself (see _sqlite_begin), so that writers can take the lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(conn) -> None:
    """Write transactions take SQLite's write lock at BEGIN, so two of them queue instead of deadlocking."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("kite_write") else "BEGIN")


def _name_connection(_dialect, _record, _cargs, cparams) -> None:
    """PostgreSQL shows which worker process holds each connection (pg_stat_activity.application_name)."""
    cparams["application_name"] = f"kite-{os.getpid()}"


def _forget_inherited_connections() -> None:
    """In a freshly forked worker: never reuse the parent's pooled connections (SQLAlchemy's advice)."""
    for eng in _engines.values():
        eng.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def engine() -> sqlalchemy.Engine:
    url = database_url()
    if url not in _engines:
        if url.startswith("sqlite"):
            eng = sqlalchemy.create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
            event.listen(eng, "connect", _sqlite_pragmas)
            event.listen(eng, "begin", _sqlite_begin)
        else:
            eng = sqlalchemy.create_engine(url, pool_pre_ping=True)
            event.listen(eng, "do_connect", _name_connection)
        _engines[url] = eng
    return _engines[url]


_shared_read: ContextVar[Session | None] = ContextVar("kite_shared_read", default=None)
_shared_write: ContextVar[Session | None] = ContextVar("kite_shared_write", default=None)
_AFTER_COMMIT = "kite_after_commit"


@contextmanager
def reading(*, then_write: bool = False) -> Iterator[None]:
    """The read-only units inside the block share one session: one transaction, one snapshot, one pooled
    connection, instead of one each (a slot query reads the agent, their built-in calendars and their
    meetings). Units that write still get their own. Only for blocks that never wait on the network:
    the connection stays checked out for the whole block.

    `then_write`: the block's session is a write transaction (SQLite: BEGIN IMMEDIATE) that the units
    that write join too, so that checks and the write they allow are one transaction, committed when
    the block ends (a booking). What must wait for that commit goes through `after_commit`.
    """
    if _shared_read.get() is not None:
        yield
        return
    with transaction(read_only=not then_write) as session:
        # The session's identity map holds rows weakly; held here for the block, a row that one unit read
        # is found by a later unit's Session.get without a second query (a booking's agent)
        held: list[object] = []
        event.listen(session, "loaded_as_persistent", lambda _session, row: held.append(row))
        read_token = _shared_read.set(session)
        write_token = _shared_write.set(session if then_write else None)
        try:
            yield
        finally:
            _shared_read.reset(read_token)
            _shared_write.reset(write_token)


@contextmanager
def transaction(*, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back on any exception.

    A unit that may write takes the database's write lock at its start (SQLite: BEGIN IMMEDIATE), so
    check-then-write work such as booking is serialized and concurrent writers wait their turn
    instead of failing. `read_only` units take no lock and never wait. Inside `reading()` read-only
    units share its session, and inside `reading(then_write=True)` every unit does: then the
    commit (or the rollback) is the block's.
    """
    if (shared := (_shared_read if read_only else _shared_write).get()) is not None:
        yield shared
        return
    bind = engine() if read_only else engine().execution_options(kite_write=True)
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
    for work in session.info.pop(_AFTER_COMMIT, ()):
        work()


def after_commit(session: Session, work: Callable[[], object]) -> None:
    """Run `work` once the transaction of `session` has committed, outside it (never if it rolls back):
    what must find the transaction's rows in the database, such as a calendar write in the background."""
    session.info.setdefault(_AFTER_COMMIT, []).append(work)


M = TypeVar("M")


def must_get(session: Session, model: type[M], ident: object) -> M:
    """The row of `model` with primary key `ident`, which the caller knows exists (it read the id a
    moment ago); LookupError if it is gone."""
    found = session.get(model, ident)
    if found is None:
        raise LookupError(f"{getattr(model, '__name__', model)} {ident} does not exist")
    return found
