"""An agent who requires it: the guest logs in with a mailed 6-digit code, then books; the browser remembers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import Page, expect
from sqlmodel import select

from kite_app.domain.accounts import Actor, Role
from kite_app.persistence.db import transaction
from kite_app.persistence.models import OutboxMail
from kite_app.services import calendar_settings
from tests.e2e.helpers import http_only_cookie, log_in
from tests.e2e.test_guest_booking import publish_agent
from tests.seed import ADMIN_PASSWORD, edit_form


def last_code(email: str) -> str:
    with transaction() as s:
        mail = s.exec(select(OutboxMail).where(OutboxMail.to_email == email).order_by(OutboxMail.id.desc())).first()
    return re.search(r"\b(\d{6})\b", mail.body_text)[1]


def test_guest_logs_in_with_a_code_then_books(server, page: Page, browser, shot):
    agent = publish_agent()
    actor = Actor(user_id=agent["id"], role=Role.AGENT)
    view = calendar_settings.view(actor)
    calendar_settings.save(actor, edit_form(view["form"], require_guest_login="on"), now=datetime.now(UTC))

    page.goto(server.url + "/book/erin-expert")
    # said before the guest fills anything
    expect(page.get_by_text("Erin Expert asks guests to confirm their email")).to_be_visible()
    page.get_by_role("group", name="Time").get_by_role("button").first.click()
    page.get_by_label("Your name").fill("Lou Login")
    page.get_by_label("Email").fill("lou@example.com")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_text("Send a code to your email, then enter it here.")).to_be_visible()

    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_role("status")).to_have_text("We sent a 6-digit code to lou@example.com.")
    code = last_code("lou@example.com")
    expect(page.get_by_label("Code")).to_have_attribute("autocomplete", "one-time-code")

    # without SMTP the mail waits in the outbox, where the admin sees it
    admin = browser.new_page()
    log_in(admin, server.url, "admin@example.com", ADMIN_PASSWORD)
    admin.get_by_role("link", name="Outbox").click()
    expect(admin.get_by_text("No SMTP server is configured")).to_be_visible()
    expect(admin.get_by_text(f"Your Kite Scheduler code: {code}")).to_be_visible()
    shot("outbox", admin)
    admin.close()

    page.get_by_label("Code").fill("000000" if code != "000000" else "999999")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_text("This code is not right. Check the mail and try again.")).to_be_visible()
    shot("guest-login", page)
    page.get_by_label("Code").fill("")
    page.get_by_label("Code").press_sequentially(code)  # typed digit by digit, as a keyboard or autofill does
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    http_only_cookie(page, "kite_guest")
    http_only_cookie(page, "kite_meeting_links")

    # remembered on this browser: "My meetings" lists meetings booked with the verified email
    page.reload()
    page.get_by_role("button", name="My meetings").click()
    expect(page.get_by_text(re.compile(r"\d\d:\d\d–\d\d:\d\d \(UTC\)"))).to_have_count(1)
