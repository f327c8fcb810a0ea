"""A newcomer's first minutes: create the admin, add an agent, and each role sees only its pages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from kite_app.services import accounts
from tests.e2e.helpers import log_in

ADMIN = {"name": "Alice Admin", "email": "alice@example.com", "password": "admin password 1"}
AGENT = {"name": "Bob Agent", "email": "bob@example.com", "password": "agent password 1", "tz": "America/New_York"}


def test_first_run_setup_agent_creation_and_roles(server, page: Page, shot):
    url = server.url
    page.goto(url + "/")
    expect(page).to_have_url(re.compile(r"/setup/?$"))
    expect(page.get_by_role("heading", name="Create admin account")).to_be_visible()
    shot("setup")

    # bad input: messages next to the fields, nothing created
    page.get_by_label("Name").fill("Alice Admin")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_text("Enter a valid email address, like name@example.com.")).to_be_visible()
    expect(page.get_by_text("Use a password of at least 10 characters.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    shot("setup-errors")
    assert accounts.needs_setup()

    page.get_by_label("Email").fill(ADMIN["email"])
    page.get_by_label("Password").fill(ADMIN["password"])
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_role("heading", name="Agents")).to_be_visible()
    assert not accounts.needs_setup()

    # bad agent input
    form = page.locator("#new-agent-form")
    form.get_by_label("Name").fill(AGENT["name"])
    form.get_by_label("Email").fill("")
    form.get_by_label("Initial password").fill("123")
    form.get_by_role("button", name="Create agent").click()
    expect(form.get_by_text("Enter an email address.")).to_be_visible()
    expect(form.get_by_text("Use a password of at least 10 characters.")).to_be_visible()
    expect(page.get_by_text("No agents yet.")).to_be_visible()

    # the time zone defaults to the browser's and can be changed
    expect(form.get_by_label("Time zone")).to_have_value("UTC")
    form.get_by_label("Email").fill(AGENT["email"])
    expect(form.get_by_text("Enter an email address.")).to_have_count(0)  # right now: the mark goes at once
    expect(form.get_by_text("Use a password of at least 10 characters.")).to_be_visible()  # still wrong
    form.get_by_label("Initial password").fill(AGENT["password"])
    expect(form.get_by_text("Use a password of at least 10 characters.")).to_have_count(0)
    form.get_by_label("Time zone").select_option(AGENT["tz"])
    form.get_by_role("button", name="Create agent").click()
    table = page.get_by_role("table", name="Agents")
    expect(table.get_by_role("row", name=re.compile("Bob Agent"))).to_contain_text("/book/bob-agent")
    expect(table).to_contain_text(AGENT["tz"])
    expect(page.get_by_role("status")).to_contain_text("Agent Bob Agent created")

    # duplicate email: clear message, still one agent
    form.get_by_label("Name").fill("Bob Again")
    form.get_by_label("Email").fill("BOB@example.com")
    form.get_by_label("Initial password").fill(AGENT["password"])
    form.get_by_role("button", name="Create agent").click()
    expect(form.get_by_text("An account with this email already exists.")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(2)  # header + Bob
    shot("agents")

    # the first-run page is gone for good
    page.goto(url + "/setup")
    expect(page).not_to_have_url(re.compile(r"/setup/?$"))

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shot("login")
    page.goto(url + "/admin/agents")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    # wrong password: generic message
    log_in(page, url, AGENT["email"], "wrong password!!")
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")

    log_in(page, url, AGENT["email"], AGENT["password"])
    expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    # no booking link until the agent saves calendar settings
    expect(page.get_by_text("Your booking link appears here once you save your")).to_be_visible()
    expect(page.get_by_role("button", name="Copy link")).to_have_count(0)
    expect(page.get_by_role("link", name="Agents")).to_have_count(0)
    shot("profile")

    # a reload keeps the session
    page.reload()
    expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    expect(page.get_by_text("bob@example.com")).to_be_visible()

    # the agent cannot open admin pages
    page.goto(url + "/admin/agents")
    expect(page.get_by_role("alert")).to_have_text("Only admins can open this page.")
    expect(page.get_by_role("table")).to_have_count(0)
    shot("agents-denied")

    # the public booking page: known and unknown slugs
    page.goto(url + "/book/bob-agent")
    expect(page.get_by_role("alert")).to_have_text("This agent has not opened their calendar for booking yet.")
    page.goto(url + "/book/nobody-here")
    expect(page.get_by_role("alert")).to_contain_text("There is no booking page at this address.")
    shot("booking-unknown")


def test_session_survives_a_server_restart_and_logout_revokes_it(server, page: Page):
    url = server.url
    log_in(page, url, ADMIN["email"], ADMIN["password"])
    expect(page.get_by_role("heading", name="Agents")).to_be_visible()
    server.stop()
    server.start()
    page.goto(url + "/admin/agents")
    expect(page.get_by_role("heading", name="Agents")).to_be_visible()

    cookie = next(c for c in page.context.cookies() if c["name"] == "kite_session")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    # replaying the old cookie after logout gets nothing
    page.context.add_cookies([{**cookie}])
    page.goto(url + "/admin/agents")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_deactivated_agent_is_signed_out_and_cannot_log_in(server, page: Page, browser):
    url = server.url
    agent_ctx = browser.new_context()
    agent_page = agent_ctx.new_page()
    log_in(agent_page, url, AGENT["email"], AGENT["password"])
    expect(agent_page.get_by_role("heading", name="Profile")).to_be_visible()

    log_in(page, url, ADMIN["email"], ADMIN["password"])
    page.get_by_role("button", name="Deactivate Bob Agent").click()
    expect(page.get_by_role("row", name=re.compile("Bob Agent"))).to_contain_text("Deactivated")

    agent_page.reload()
    expect(agent_page.get_by_role("heading", name="Log in")).to_be_visible()
    log_in(agent_page, url, AGENT["email"], AGENT["password"])
    expect(agent_page.get_by_role("alert")).to_contain_text("deactivated")
    agent_page.goto(url + "/book/bob-agent")
    expect(agent_page.get_by_role("alert")).to_contain_text("There is no booking page")

    page.get_by_role("button", name="Reactivate Bob Agent").click()
    page.get_by_role("button", name="Reset password of Bob Agent").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("New password").fill("tiny")
    dialog.get_by_role("button", name="Save new password").click()
    expect(dialog.get_by_text("Use a password of at least 10 characters.")).to_be_visible()
    dialog.get_by_label("New password").fill("a fresh password 2")
    dialog.get_by_role("button", name="Save new password").click()
    expect(page.get_by_role("status")).to_contain_text("Password reset for Bob Agent")

    log_in(agent_page, url, AGENT["email"], "a fresh password 2")
    expect(agent_page.get_by_role("heading", name="Profile")).to_be_visible()
    agent_ctx.close()


def test_the_google_wizard_says_at_once_that_the_server_needs_kite_secret_key(server, page: Page, shot):
    """This server runs without KITE_SECRET_KEY: step 1 says so before a key is typed, and how to set it."""
    log_in(page, server.url, ADMIN["email"], ADMIN["password"])
    page.get_by_role("link", name="Integrations").click()
    page.get_by_role("button", name="Install", exact=True).click()  # Google's (Microsoft 365 has its own)
    warning = page.locator("#no-secret")
    expect(warning).to_contain_text("This server has no KITE_SECRET_KEY")
    expect(warning).to_contain_text('KITE_SECRET_KEY="$(openssl rand -hex 32)" ./run.sh')
    shot("google-wizard-no-secret", page)
    page.get_by_label("Service-account key (JSON)").fill('{"type": "service_account"}')
    page.get_by_role("button", name="Next").click()  # refused for the same reason, not for the key
    expect(page.get_by_role("alert").filter(has_text="has no KITE_SECRET_KEY").first).to_be_visible()
    expect(page.get_by_text("Go Back to replace the key.")).to_have_count(0)
    expect(page.get_by_role("heading", name="Step 1 of 2: Domain-wide delegation")).to_be_visible()
