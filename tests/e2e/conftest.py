"""End-to-end fixtures: the production build served on a free port, and Debian's Chromium."""

from __future__ import annotations

import os

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get("KITE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture
def shot(page):
    """Save a full-page screenshot under artifacts/screenshots/ (looked at when pages change)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, target=None):
        (target or page).screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
