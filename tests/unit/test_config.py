"""Settings from the environment: production-mode values are checked and completed at start-up."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import ValidationError

from kite_app.config import Settings


def test_postgres_urls_use_the_installed_driver(monkeypatch):
    for given in ("postgres://kite:pw@db:5432/kite", "postgresql://kite:pw@db:5432/kite"):
        monkeypatch.setenv("DATABASE_URL", given)
        assert Settings().database_url == "postgresql+psycopg://kite:pw@db:5432/kite"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///kite.db")
    assert Settings().database_url == "sqlite:///kite.db"


def test_several_workers_need_redis(monkeypatch):
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setenv("KITE_WORKERS", "2")
    with pytest.raises(ValidationError, match="KITE_WORKERS=2 needs REFLEX_REDIS_URL"):
        Settings()
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:6379")
    assert Settings().backend_workers == 2


def test_worker_count_defaults(monkeypatch):
    monkeypatch.delenv("KITE_WORKERS", raising=False)
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    assert Settings().backend_workers == 1
    monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:6379")
    assert Settings().backend_workers == (os.cpu_count() or 1)  # one per CPU once state is shared


def test_request_threads_are_set_at_start_up(monkeypatch):
    """KITE_REQUEST_THREADS threads (2 by default) run the API's requests in each worker; 0 is refused."""
    import anyio
    import anyio.to_thread

    from kite_app import jobs

    monkeypatch.delenv("KITE_REQUEST_THREADS", raising=False)
    assert Settings().request_threads == 2
    monkeypatch.setenv("KITE_REQUEST_THREADS", "0")
    with pytest.raises(ValidationError, match="KITE_REQUEST_THREADS"):
        Settings()
    monkeypatch.setenv("KITE_REQUEST_THREADS", "3")
    monkeypatch.setattr(jobs, "settings", Settings())

    async def start() -> float:
        async with jobs.request_threads():
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    with ThreadPoolExecutor(1) as thread:  # an event loop of its own (the browser tests' may run in this thread)
        assert thread.submit(anyio.run, start).result() == 3
