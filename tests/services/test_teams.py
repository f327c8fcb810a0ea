"""Team booking pages on the booking core: round robin spreads meetings fairly and keeps a returning guest
with the agent they met, two guests racing for one time both get a member, collective pages offer only
the times every member is free, and a round-robin meeting can be reassigned."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
from sqlmodel import select

from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import NotFound, PermissionDenied, ValidationError
from kite_app.domain.meeting import SlotTaken
from kite_app.domain.teams import TeamForm, member_settings
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting, OutboxMail
from kite_app.services import (
    accounts,
    availability,
    booking,
    calendar_settings,
    conversations,
    meeting_changes,
    meeting_views,
    meetings,
    teams,
)
from kite_app.services.booking import BookingRequest
from tests.seed import admin_actor, open_agent

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # a Monday
DAY = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def team_form(members: dict[int, str], kind="round_robin", slug="support", **rules) -> TeamForm:
    fields = {"name": "Support", "slug": slug, "kind": kind, "members": members, "durations": "30, 60",
              "default_duration": "30", "slot_interval": "30", "min_notice": "60", "window_days": "31",
              **rules}
    return TeamForm(**fields)


@pytest.fixture
def two_agents(database):
    a = open_agent("Ann Able", "ann@example.com", hours="00:00-24:00")
    b = open_agent("Ben Busy", "ben@example.com", hours="00:00-24:00")
    return admin_actor(), a, b


def book(slug: str, start: datetime, email: str = "gus@example.com", **kw):
    return teams.book_team(BookingRequest(slug=slug, start=start, duration=30, guest_name="Gus Guest",
                                          guest_email=email, guest_time_zone="Europe/Berlin", **kw), now=NOW)


def race(slug: str, start: datetime, n: int) -> list:
    """`n` guests book `start` at the same moment: each gets the hosts' slugs, or "slot_taken"."""
    barrier = Barrier(n)

    def attempt(i):
        barrier.wait()
        try:
            return book(slug, start, email=f"racer{i}@example.com")["hosts"]
        except SlotTaken:
            return "slot_taken"

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(attempt, range(n)))


def hosts() -> Counter:
    with transaction() as s:
        return Counter(m.agent_id for m in s.exec(select(Meeting).where(Meeting.status != "cancelled")).all())


@pytest.mark.parametrize(("weights", "expected"), [(("1", "1"), (12, 12)), (("2", "1"), (16, 8))])
def test_round_robin_shares_meetings_by_weight(two_agents, weights, expected):
    admin, a, b = two_agents
    teams.save_team(admin, team_form({a["id"]: weights[0], b["id"]: weights[1]}), now=NOW)
    for i in range(24):  # 24 different guests, one after another
        book("support", DAY + timedelta(minutes=30 * i), email=f"guest{i}@example.com")
    counts = hosts()
    assert abs(counts[a["id"]] - expected[0]) <= 1 and abs(counts[b["id"]] - expected[1]) <= 1


def test_a_returning_guest_meets_the_same_agent_when_free(two_agents):
    admin, a, b = two_agents
    teams.save_team(admin, team_form({a["id"]: "1", b["id"]: "1"}), now=NOW)
    first = book("support", DAY, email="rita@example.com")
    book("support", DAY + timedelta(hours=1), email="other@example.com")  # the other member's turn
    again = book("support", DAY + timedelta(hours=2), email="rita@example.com")
    assert again["agent_slug"] == first["agent_slug"]
    # the agent she met is busy then: another member takes her
    with transaction() as s:
        met = s.exec(select(Meeting).where(Meeting.guest_email == "rita@example.com")).first()
    busy_host = met.agent_id
    book("support", DAY + timedelta(hours=5), email="x@example.com")
    book("support", DAY + timedelta(hours=5), email="y@example.com")  # both members now busy at 05:00
    with pytest.raises(SlotTaken):
        book("support", DAY + timedelta(hours=5), email="rita@example.com")
    assert busy_host in {a["id"], b["id"]}


def test_two_guests_racing_for_one_time_both_get_a_member_and_a_third_is_refused(two_agents):
    admin, a, b = two_agents
    teams.save_team(admin, team_form({a["id"]: "1", b["id"]: "1"}), now=NOW)
    results = sorted(str(r) for r in race("support", DAY + timedelta(hours=3), 3))
    assert results == sorted(["['ann-able']", "['ben-busy']", "slot_taken"])
    assert hosts() == Counter({a["id"]: 1, b["id"]: 1})


def test_collective_slots_are_the_intersection_of_the_members_own_slots(database):
    admin = admin_actor()
    a = open_agent("Ann Able", "ann@example.com", hours="08:00-12:00", time_zone="Europe/Berlin")
    b = open_agent("Ben Busy", "ben@example.com", hours="09:30-15:00", time_zone="Europe/London")
    team = teams.save_team(admin, team_form({a["id"]: "1", b["id"]: "1"}, kind="collective", slug="onboarding",
                                            buffer_after="15"), now=NOW)
    booking.book(BookingRequest(slug="ann-able", start=DAY + timedelta(hours=9), duration=30, guest_name="G",
                                guest_email="g@example.com", guest_time_zone="UTC"), now=NOW)
    offered = teams.team_slots(team["slug"], start=NOW, end=NOW + timedelta(days=7), duration=30, guest_zone="UTC",
                               now=NOW)
    published = teams.published_team("onboarding")
    own = [set(availability.agent_slots(m.id, m.time_zone, m.settings, start=NOW, end=NOW + timedelta(days=7),
                                        duration=30, now=NOW)) for m in published.members]
    assert {datetime.fromisoformat(s["start"]).timestamp() for s in offered} == set.intersection(*own)
    assert offered and own[0] - own[1] and own[1] - own[0]  # the members' own slots differ; only both are offered
    for m in published.members:  # the team's rules, each member's own hours
        assert m.settings.rules.buffer_after == 15
        own_settings = calendar_settings.published(m.id)
        assert m.settings == member_settings(own_settings, published.rules)


def test_reassign_moves_the_meeting_and_tells_everyone(two_agents):
    admin, a, b = two_agents
    teams.save_team(admin, team_form({a["id"]: "1", b["id"]: "1"}), now=NOW)
    m = book("support", DAY)
    first_host = a if m["agent_slug"] == "ann-able" else b
    other = b if first_host is a else a
    with transaction() as s:
        meeting_id = s.exec(select(Meeting.id).where(Meeting.status == "pending")).one()
    outsider = open_agent("Olga Outside", "olga@example.com")
    with pytest.raises(PermissionDenied):
        teams.reassign(Actor(user_id=outsider["id"], role=Role.AGENT), meeting_id, other["id"], now=NOW)

    moved = teams.reassign(Actor(user_id=first_host["id"], role=Role.AGENT), meeting_id, other["id"], now=NOW)
    assert moved["agent_slug"] == other["slug"] and moved["status"] == "pending"
    assert meeting_views.get(m["manage_token"], now=NOW)["agent_name"] == other["name"]  # the guest's link follows
    assert hosts() == Counter({other["id"]: 1})
    with transaction() as s:
        mails = [(x.kind, x.to_email) for x in s.exec(select(OutboxMail).where(OutboxMail.kind == "reassigned"))]
    assert sorted(mails) == sorted([("reassigned", "gus@example.com"), ("reassigned", other["email"]),
                                    ("reassigned", first_host["email"])])
    with transaction() as s:
        new_id = s.exec(select(Meeting.id).where(Meeting.status == "pending")).one()
    booking.book(BookingRequest(slug=first_host["slug"], start=DAY, duration=30, guest_name="Hal",
                                guest_email="hal@example.com", guest_time_zone="UTC"), now=NOW)
    with pytest.raises(ValidationError, match="not free"):  # the first host took another meeting then
        teams.reassign(admin, new_id, first_host["id"], now=NOW)


def collective(two_agents):
    admin, a, b = two_agents
    teams.save_team(admin, team_form({a["id"]: "1", b["id"]: "1"}, kind="collective", slug="onboarding"), now=NOW)
    return a, b


def rows_of_group() -> list[Meeting]:
    with transaction() as s:
        return list(s.exec(select(Meeting).order_by(Meeting.id)).all())


def test_a_collective_meeting_has_every_member_as_host_and_is_confirmed_when_all_said_yes(two_agents):
    a, b = collective(two_agents)
    m = book("onboarding", DAY)
    assert m["hosts"] == ["ann-able", "ben-busy"] and m["agent_name"] == "Ann Able and Ben Busy"
    rows = rows_of_group()
    assert [(r.agent_id, r.status, r.host_of) for r in rows] == [(a["id"], "pending", None),
                                                                 (b["id"], "pending", rows[0].id)]
    with transaction() as s:  # the guest hears of the booking once; each host gets their own mail
        assert sorted(x.to_email for x in s.exec(select(OutboxMail).where(OutboxMail.kind == "booked"))) == sorted(
            ["gus@example.com", "ann@example.com", "ben@example.com"])

    ann, ben = Actor(user_id=a["id"], role=Role.AGENT), Actor(user_id=b["id"], role=Role.AGENT)
    [card] = meetings.upcoming(ben, now=NOW)
    assert card["team"] == "Support" and card["reassign_to"] == []  # collective: nobody to give it to
    assert card["waiting_for"] == "Ann Able, Ben Busy" and card["can_confirm"]
    meeting_changes.confirm_meeting(rows[1].id, now=NOW)  # Ben says yes
    assert meeting_views.get(m["manage_token"], now=NOW)["status"] == "pending"
    texts = [x["text"] for x in conversations.open_for_guest(m["manage_token"], now=NOW)["messages"]]
    assert sum("Ben Busy confirmed the meeting" in t and "(1 of 2 hosts have confirmed)" in t for t in texts) == 1
    # each host's card says what the guest sees, and who has not answered; Ann's conversation shows Ben's Yes
    for host, can_confirm in ((ben, False), (ann, True)):
        [card] = meetings.upcoming(host, now=NOW)
        assert (card["status"], card["waiting_for"], card["can_confirm"]) == ("pending", "Ann Able", can_confirm)
    ann_conv = conversations.open_for_agent(ann, conversations.inbox(ann)[0]["id"], now=NOW)
    assert any("Ben Busy confirmed the meeting" in x["text"] and "(1 of 2 hosts have confirmed)" in x["text"]
               for x in ann_conv["messages"]), ann_conv["messages"]
    meeting_changes.confirm_meeting(rows[0].id, now=NOW)  # Ann too: now the guest is told
    assert meeting_views.get(m["manage_token"], now=NOW)["status"] == "confirmed"
    for host in (ann, ben):
        [card] = meetings.upcoming(host, now=NOW)
        assert (card["status"], card["waiting_for"], card["can_confirm"]) == ("confirmed", "", False)
    ben_conv = conversations.open_for_agent(ben, conversations.inbox(ben)[0]["id"], now=NOW)
    assert any("Ann Able confirmed the meeting" in x["text"] and "(2 of 2 hosts have confirmed)" in x["text"]
               for x in ben_conv["messages"]), ben_conv["messages"]
    with transaction() as s:
        confirmed = [x.to_email for x in s.exec(select(OutboxMail).where(OutboxMail.kind == "confirmed"))]
    assert confirmed == ["gus@example.com"]

    conversations.guest_writes(m["manage_token"], "Looking forward to meeting you both", now=NOW)
    for host in (a, b):
        [conv] = conversations.inbox(Actor(user_id=host["id"], role=Role.AGENT))
        view = conversations.open_for_agent(Actor(user_id=host["id"], role=Role.AGENT), conv["id"], now=NOW)
        assert view["messages"][-1]["text"] == "Looking forward to meeting you both"


def test_a_collective_meeting_moves_only_when_every_host_is_free_and_is_deleted_for_all(two_agents):
    a, b = collective(two_agents)
    m = book("onboarding", DAY)
    booking.book(BookingRequest(slug="ben-busy", start=DAY + timedelta(hours=2), duration=30, guest_name="Hal",
                                guest_email="hal@example.com", guest_time_zone="UTC"), now=NOW)
    with pytest.raises(SlotTaken):  # Ben has another meeting then
        meeting_changes.change(m["manage_token"], start=DAY + timedelta(hours=2), now=NOW)
    assert {r.starts_at for r in rows_of_group() if r.guest_email == "gus@example.com"} == {DAY}
    moved = meeting_changes.change(m["manage_token"], start=DAY + timedelta(hours=3), now=NOW)
    assert moved["start"] == (DAY + timedelta(hours=3)).isoformat()
    assert {r.starts_at for r in rows_of_group() if r.guest_email == "gus@example.com"} == {DAY + timedelta(hours=3)}
    meeting_changes.cancel(m["manage_token"], now=NOW)
    assert {r.status for r in rows_of_group() if r.guest_email == "gus@example.com"} == {"cancelled"}
    offered = teams.team_slots("onboarding", start=DAY, end=DAY + timedelta(days=1), duration=30, guest_zone="UTC",
                               now=NOW)
    assert (DAY + timedelta(hours=3)).isoformat() in {s["start"] for s in offered}
    assert (DAY + timedelta(hours=2)).isoformat() not in {s["start"] for s in offered}


def test_two_guests_racing_for_one_collective_time_one_wins(two_agents):
    collective(two_agents)
    results = race("onboarding", DAY + timedelta(hours=4), 2)
    assert sorted(map(str, results)) == sorted([str(["ann-able", "ben-busy"]), "slot_taken"])
    assert len(rows_of_group()) == 2


def test_a_deactivated_member_gets_no_team_meetings(two_agents):
    admin, a, b = two_agents
    teams.save_team(admin, team_form({a["id"]: "1", b["id"]: "1"}), now=NOW)
    accounts.set_agent_active(admin, b["id"], active=False, now=NOW)
    for i in range(4):
        book("support", DAY + timedelta(hours=i), email=f"guest{i}@example.com")
    assert hosts() == Counter({a["id"]: 4})
    teams.set_team_active(admin, teams.list_teams(admin)[0]["id"], active=False, now=NOW)
    with pytest.raises(NotFound):  # a deactivated team's page books nothing
        book("support", DAY + timedelta(hours=6))


def test_team_meetings_use_the_teams_meeting_link(two_agents):
    """A team's choice decides: the admin's template gives one room for the whole (collective) meeting;
    a source the admin does not allow is refused when the team is saved."""
    from kite_app.services import meeting_links

    admin, a, b = two_agents
    with pytest.raises(ValidationError) as info:
        teams.save_team(admin, team_form({a["id"]: "1", b["id"]: "1"}, kind="collective", slug="onboarding",
                                         meeting_link="template"), now=NOW)
    assert info.value.errors == {"meeting_link": "Set a meeting link template under Integrations first."}
    meeting_links.save_policy(admin, template="https://meet.example.com/kite-{id}", allow_personal=True,
                              allow_google_meet=True, now=NOW)
    teams.save_team(admin, team_form({a["id"]: "1", b["id"]: "1"}, kind="collective", slug="onboarding",
                                     meeting_link="template"), now=NOW)
    view = book("onboarding", DAY + timedelta(hours=10))
    assert view["meeting_url"].startswith("https://meet.example.com/kite-")
    assert {r.meeting_url for r in rows_of_group()} == {view["meeting_url"]}  # every host's row: one room
