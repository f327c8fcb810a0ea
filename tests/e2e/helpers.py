"""Steps many end-to-end tests share."""

from playwright.sync_api import Page


def log_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
