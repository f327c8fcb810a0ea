"""Servers that tests and benchmarks start build their frontend in a folder of their own, so an app
that `./run.sh` serves from the same checkout keeps its build and keeps talking to its own port."""

from pathlib import Path

import httpx

from tests.conftest import ROOT, TEST_WEB_DIR


def _build_state(web: Path) -> dict[str, int]:
    """Every file of a production build with its modification time (empty when there is none)."""
    return {str(p): p.stat().st_mtime_ns for p in web.rglob("*") if p.is_file() and "node_modules" not in p.parts}


RUN_SH_BUILD = _build_state(ROOT / ".web")  # read when the tests are collected, before any server starts


def test_a_test_server_builds_beside_the_checkouts_own_build(server):
    assert httpx.get(server.url + "/", timeout=10).status_code == 200
    assert (TEST_WEB_DIR / "build").exists() or any(TEST_WEB_DIR.rglob("index.html"))
    assert _build_state(ROOT / ".web") == RUN_SH_BUILD, "the checkout's .web was rebuilt"
    assert str(server.port) not in "".join(
        p.read_text(errors="replace") for p in (ROOT / ".web").rglob("env.json")), "the app's build names our port"
