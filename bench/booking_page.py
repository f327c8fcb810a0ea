"""How fast the booking page shows its first free time, and the agent's Inbox its conversations.

Starts the production server on loopback (SQLite, its build in `.web-bench/`), opens an agent's booking
page in Chromium and measures, from navigation, the time until the first free time is visible: with a
fresh browser context each time (no cache, no connection: a guest's first visit) and with one warm context
(a guest coming back). Then the same for an agent's Inbox (signed in, 20 conversations). For comparison,
the time to the page's `load` event (the framework's own start-up before any of our events) is measured
in the same runs. Prints median and min of `--runs` (default 10) for each.
Run: .venv/bin/python bench/booking_page.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from kite_app.persistence import db  # noqa: E402
from kite_app.services import booking  # noqa: E402
from kite_app.services.booking import BookingRequest  # noqa: E402
from tests.conftest import ROOT, Server  # noqa: E402
from tests.seed import AGENT_PASSWORD, open_agent  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def seed() -> str:
    """An agent open all day with 20 booked conversations; returns the booking page's slug."""
    agent = open_agent("Bea Bench", "bea@example.com", hours="00:00-24:00", min_notice="0")
    now = datetime.now(UTC)
    start = (now + timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    for i in range(20):
        booking.book(BookingRequest(slug=agent["slug"], start=start + timedelta(hours=i), duration=30,
                                    guest_name=f"Guest {i:02d}", guest_email=f"guest{i}@example.com",
                                    guest_time_zone="Europe/Paris", subject=f"Question {i}"), now=now)
    return agent["slug"]


def first_time(page: Page, url: str) -> tuple[float, float]:
    """Seconds from navigation to the page's load event, and to the first free time being visible."""
    t0 = time.perf_counter()
    page.goto(url, wait_until="load")
    loaded = time.perf_counter() - t0
    page.get_by_role("group", name="Time").get_by_role("button").first.wait_for(state="visible", timeout=30_000)
    return loaded, time.perf_counter() - t0


def inbox_ready(page: Page, url: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    page.goto(url, wait_until="load")
    loaded = time.perf_counter() - t0
    page.get_by_role("button", name="Conversation with Guest 00").wait_for(state="visible", timeout=30_000)
    return loaded, time.perf_counter() - t0


def log_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill("bea@example.com")
    page.get_by_label("Password").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda address: "/login" not in address)


def measure(browser: Browser, runs: int, url: str, probe, *, warm: bool, login_base: str = "") -> list[tuple]:
    out = []
    context = None
    for _ in range(runs + (1 if warm else 0)):
        if context is None or not warm:
            context = browser.new_context(locale="en-US", timezone_id="America/New_York",
                                          viewport={"width": 1280, "height": 900})
            if login_base:
                log_in(context.new_page(), login_base)
        page = context.new_page()
        out.append(probe(page, url))
        page.close()
        if not warm:
            context.close()
    if warm:
        context.close()
        out = out[1:]  # the first visit warmed the context
    return out


def report(name: str, samples: list[tuple[float, float]]) -> None:
    loads, ready = [s[0] * 1000 for s in samples], [s[1] * 1000 for s in samples]
    print(f"{name:<34} first shown: median {statistics.median(ready):6.0f} ms, min {min(ready):6.0f} ms"
          f" | load event: median {statistics.median(loads):6.0f} ms"
          f" | ours after load: {statistics.median(ready) - statistics.median(loads):5.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp), {"KITE_BOOKING_RATE_PER_MINUTE": "1000000"}, web_dir=ROOT / ".web-bench")
        server.migrate()
        server.start()
        try:
            db.use_database(server.db_url)
            slug = seed()
            base = server.url
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                measure(browser, 2, f"{base}/book/{slug}", first_time, warm=False)  # the server's first pages
                print(f"Chromium, production build on loopback, {args.runs} runs each")
                report("Booking page, fresh context", measure(browser, args.runs, f"{base}/book/{slug}", first_time,
                                                              warm=False))
                report("Booking page, warm context", measure(browser, args.runs, f"{base}/book/{slug}", first_time,
                                                             warm=True))
                report("Inbox (20 conversations), fresh", measure(browser, args.runs, f"{base}/inbox", inbox_ready,
                                                                  warm=False, login_base=base))
                report("Inbox (20 conversations), warm", measure(browser, args.runs, f"{base}/inbox", inbox_ready,
                                                                 warm=True, login_base=base))
                browser.close()
        finally:
            db.use_database(None)
            db.dispose(server.db_url)
            server.stop()


if __name__ == "__main__":
    main()
