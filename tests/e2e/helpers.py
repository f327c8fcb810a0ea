"""Steps many end-to-end tests share."""

import contextlib
import functools
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.conftest import free_port


def log_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def book_first_slot(page: Page, url: str, slug: str, subject: str, name: str, email: str) -> None:
    """A guest books the first free time on an agent's booking page and opens the manage page."""
    page.goto(f"{url}/book/{slug}")
    page.get_by_role("group", name="Time").get_by_role("button").first.click()
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    page.get_by_role("link", name="Manage this meeting").click()


def day_with_times(scope: Page | Locator, n: int, group: str = "Time") -> Locator:
    """Chooses the first free day of the slot picker in `scope` with at least `n` free times and returns its
    time buttons (`group`: the times' label in the page's language). A picker opens on the first free day,
    which is today with only its last hours left when the test runs late in the agent's day."""
    buttons = scope.get_by_role("group", name=group).get_by_role("button")
    expect(buttons.first).to_be_visible(timeout=20_000)
    for _month in range(2):
        days = scope.locator("[data-kite-grid] button:not([disabled])")
        for i in range(days.count()):
            day = days.nth(i)
            day.click()
            expect(day).to_have_attribute("aria-pressed", "true")
            if buttons.count() >= n:
                return buttons
        month = scope.locator(".kite-month-label")
        shown = month.inner_text()
        scope.locator("[data-month=next]").click()
        expect(month).not_to_have_text(shown)  # the next month is drawn, its first free day chosen
    raise AssertionError(f"no day with {n} free times in two months")


def http_only_cookie(page: Page, name: str, timeout: float = 10) -> dict:
    """The browser's cookie `name` once the server has set it; it must be HttpOnly, SameSite=Lax, for the
    whole site, and invisible to the page's scripts."""
    deadline = time.monotonic() + timeout
    while (cookie := next((c for c in page.context.cookies() if c["name"] == name), None)) is None:
        assert time.monotonic() < deadline, f"no {name} cookie was set"
        page.wait_for_timeout(100)
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Lax", "/"), cookie
    assert name not in page.evaluate("document.cookie")
    return cookie


@contextlib.contextmanager
def another_site(folder: Path, body: str, title: str = "Acme") -> Iterator[str]:
    """A website on its own loopback address and port (another site than the app's) serving one page with
    `body`; yields its address."""
    (folder / "index.html").write_text(f'<!doctype html><html lang="en"><head><title>{title}</title></head>'
                                       f"<body>{body}</body></html>")
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()),
                                functools.partial(SimpleHTTPRequestHandler, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()


def wait_for(check, seconds: float = 20) -> bool:
    """Whether `check()` came true within `seconds` (asked every 0.3 s): for what happens outside the page."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False
