"""Teams in Chromium: an admin makes a round-robin team on the Teams page, a guest books its page, the
member it went to sees the meeting live and reassigns it to the other member, who sees it live; the
widget opens a team's page from another site."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import another_site, log_in
from tests.seed import ADMIN_PASSWORD, AGENT_PASSWORD, admin_actor, open_agent


@pytest.fixture(scope="module")
def members(server):
    admin_actor()
    # the same hours (Berlin 09:00-17:00 is London 08:00-16:00): whichever time the guest takes, either member
    # can take the meeting over
    return (open_agent("Ann Able", "ann@example.com", time_zone="Europe/Berlin", min_notice="120"),
            open_agent("Ben Bright", "ben@example.com", time_zone="Europe/London", hours="08:00-16:00",
                       min_notice="120"))


def signed_in(browser: Browser, url: str, email: str) -> Page:
    page = browser.new_context().new_page()
    log_in(page, url, email, AGENT_PASSWORD)
    expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    page.get_by_role("link", name="Meetings").click()
    return page


def test_round_robin_team_booked_seen_live_and_reassigned(server, members, page: Page, browser: Browser, shot):
    url = server.url
    log_in(page, url, "admin@example.com", ADMIN_PASSWORD)
    expect(page.get_by_role("heading", name="Agents")).to_be_visible()
    page.get_by_role("link", name="Teams").click()
    expect(page.get_by_text("No teams yet.")).to_be_visible()
    snippet = page.locator("#team-snippet")
    expect(snippet).to_contain_text('data-team="support"')  # an example until a team is saved
    page.get_by_label("Address").fill("Not An Address!")
    expect(snippet).to_contain_text('data-team="support"')  # not what is typed: only a saved address
    page.get_by_role("button", name="Save team").click()
    expect(page.get_by_text("Choose at least one member.")).to_be_visible()
    expect(page.get_by_text("Use 3 to 60 lowercase letters, digits and hyphens", exact=False)).to_be_visible()
    # each mark goes as soon as its field is right, before saving again; the others stay
    page.get_by_label("Name").fill("Support")
    page.get_by_label("Address").fill("support")
    expect(page.get_by_text("Use 3 to 60 lowercase letters, digits and hyphens", exact=False)).to_have_count(0)
    expect(page.get_by_text("Choose at least one member.")).to_be_visible()
    page.get_by_role("checkbox", name="Ann Able").click()
    expect(page.get_by_text("Choose at least one member.")).to_have_count(0)
    page.get_by_role("checkbox", name="Ben Bright").click()
    page.get_by_label("Duration options (minutes)").fill("30, 60")
    page.get_by_role("button", name="Save team").click()
    expect(page.get_by_role("status")).to_contain_text(f"Team Support saved. Its booking page: {url}/team/support")
    page.get_by_label("Address").fill("help-desk")  # typed, not saved: the snippet keeps the saved address
    expect(page.get_by_label("Address")).to_have_value("help-desk")
    expect(snippet).to_contain_text('data-team="support"')
    page.get_by_label("Address").fill("support")
    expect(page.get_by_role("row", name=re.compile("Support"))).to_contain_text("Round robin")
    shot("teams", page)

    ann, ben = signed_in(browser, url, "ann@example.com"), signed_in(browser, url, "ben@example.com")
    guest = browser.new_context(timezone_id="Asia/Tokyo").new_page()
    guest.goto(url + "/team/support")
    # a new browser context's first page: on a loaded machine it may take longer than 5 s to come to life
    expect(guest.get_by_role("heading", name="Support team")).to_be_visible(timeout=20_000)
    expect(guest.get_by_role("button", name="Time zone")).to_contain_text("Asia/Tokyo")
    expect(guest.get_by_role("button", name="30 min")).to_have_attribute("aria-pressed", "true")
    guest.get_by_role("group", name="Time").get_by_role("button").first.click()
    guest.get_by_label("Subject").fill("Login trouble")
    guest.get_by_label("Your name").fill("Tomo Tanaka")
    guest.get_by_label("Email").fill("tomo@example.com")
    shot("team-booking-form", guest)
    guest.get_by_role("button", name="Schedule", exact=True).click()
    expect(guest.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    host_name = re.search(r"With (Ann Able|Ben Bright)", guest.get_by_text(re.compile("^With ")).inner_text())[1]
    host, other = (ann, ben) if host_name == "Ann Able" else (ben, ann)
    other_name = "Ben Bright" if host_name == "Ann Able" else "Ann Able"

    card = host.get_by_text("Team Support")
    expect(card).to_be_visible(timeout=10_000)  # live, without a reload
    expect(host.get_by_text("Login trouble")).to_be_visible()
    expect(other.get_by_text("Login trouble")).to_have_count(0)
    shot("team-meeting", host)
    host.get_by_label("Reassign").select_option(label=other_name)
    expect(host.get_by_role("status")).to_have_text("Meeting reassigned. The guest and both hosts were told.")
    expect(host.get_by_text("Login trouble")).to_have_count(0)
    expect(other.get_by_text("Login trouble")).to_be_visible(timeout=10_000)
    shot("team-reassigned", other)

    guest.get_by_role("link", name="Manage this meeting").click()
    expect(guest.get_by_text(f"reassigned by {host_name} from {host_name} to {other_name}")).to_be_visible()

    # the admin sees every team meeting and gives this one back
    page.reload()
    meetings = page.get_by_role("table", name="Upcoming team meetings")
    expect(meetings.get_by_role("row", name=re.compile("Login trouble"))).to_contain_text(other_name)
    shot("teams-meetings", page)
    meetings.get_by_role("combobox").select_option(label=host_name)
    expect(page.get_by_role("status")).to_have_text("Meeting reassigned. The guest and both hosts were told.")
    expect(meetings.get_by_role("row", name=re.compile("Login trouble"))).to_contain_text(host_name)
    expect(host.get_by_text("Login trouble")).to_be_visible(timeout=10_000)


@pytest.fixture
def team_site(server, tmp_path):
    with another_site(tmp_path, f'<h1>Acme Help</h1><script src="{server.url}/widget.js" data-team="support" async>'
                      "</script>", title="Acme Help") as url:
        yield url


def test_the_widget_opens_a_teams_page(server, members, team_site, page: Page):
    page.goto(team_site)
    page.get_by_role("button", name="Schedule a meeting").click()
    frame = page.frame_locator("iframe[title='Schedule a meeting']")
    expect(frame.get_by_role("heading", name="Support team")).to_be_visible(timeout=30_000)
    frame.get_by_role("group", name="Time").get_by_role("button").first.click()
    frame.get_by_label("Your name").fill("Wanda Widget")
    frame.get_by_label("Email").fill("wanda@example.com")
    frame.get_by_role("button", name="Schedule", exact=True).click()
    expect(frame.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    expect(frame.get_by_text(re.compile("^With (Ann Able|Ben Bright)$"))).to_be_visible()


def kick_off(page: Page):
    """The card of the "Kick-off" meeting on a host's Meetings page."""
    return page.locator(".rt-Card").filter(has_text="Kick-off")


def test_collective_team_both_hosts_confirm_then_the_guest_sees_confirmed(server, members, browser: Browser, shot):
    from datetime import UTC, datetime

    from kite_app.domain.teams import TeamForm
    from kite_app.services import teams

    ann, ben = members
    teams.save_team(admin_actor(), TeamForm(name="Onboarding", slug="onboarding", kind="collective",
                                            members={ann["id"]: "1", ben["id"]: "1"}, durations="30",
                                            default_duration="30", slot_interval="30", min_notice="120"),
                    now=datetime.now(UTC))
    url = server.url
    ann_page, ben_page = signed_in(browser, url, "ann@example.com"), signed_in(browser, url, "ben@example.com")
    guest = browser.new_context(timezone_id="Europe/Paris").new_page()
    guest.goto(url + "/team/onboarding")
    guest.get_by_role("group", name="Time").get_by_role("button").first.click()
    guest.get_by_label("Subject").fill("Kick-off")
    guest.get_by_label("Your name").fill("Paul Paris")
    guest.get_by_label("Email").fill("paul@example.com")
    guest.get_by_role("button", name="Schedule", exact=True).click()
    expect(guest.get_by_text("With Ann Able and Ben Bright")).to_be_visible()
    guest.get_by_role("link", name="Manage this meeting").click()
    expect(guest.get_by_text("Pending", exact=True).first).to_be_visible()

    for host in (ann_page, ben_page):  # both hosts see it live
        expect(host.get_by_text("Team Onboarding")).to_be_visible(timeout=10_000)
        expect(host.get_by_text("Kick-off")).to_be_visible()
    kick_off(ben_page).get_by_role("button", name=re.compile("^Confirm ")).click()
    expect(guest.get_by_text("(1 of 2 hosts have confirmed)")).to_be_visible(timeout=10_000)
    # Ben's card says what the guest sees, and whose answer is missing
    expect(kick_off(ben_page).get_by_text("Waiting for Ann Able")).to_be_visible(timeout=10_000)
    expect(kick_off(ben_page).get_by_text("Pending", exact=True)).to_be_visible()
    expect(kick_off(ben_page).get_by_role("button", name=re.compile("^Confirm "))).to_have_count(0)
    shot("collective-card-waiting", ben_page)
    expect(kick_off(ann_page).get_by_text("Waiting for Ann Able")).to_be_visible(timeout=10_000)
    kick_off(ann_page).get_by_role("button", name=re.compile("^Confirm ")).click()
    expect(guest.get_by_text("Every host confirmed the meeting")).to_be_visible(timeout=10_000)
    expect(guest.get_by_text("Confirmed", exact=True).first).to_be_visible()
    shot("collective-confirmed", guest)
