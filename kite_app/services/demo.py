"""Demo data: an admin, two agents, their two teams and some busy time, so a newcomer can look around in a
minute."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select

from kite_app.domain.accounts import Actor, Role
from kite_app.domain.calendar_settings import DayForm
from kite_app.domain.errors import KiteError
from kite_app.domain.meeting_links import LinkSource
from kite_app.domain.teams import TeamForm, TeamKind
from kite_app.domain.text import msg
from kite_app.persistence.db import transaction
from kite_app.persistence.models import BusyBlock, LocalCalendar, User
from kite_app.services import accounts, calendar_settings, meeting_links, teams

ADMIN = ("Demo Admin", "admin@example.com")
AGENTS = (("Ada Lovelace", "ada@example.com", "Europe/Berlin"), ("Grace Hopper", "grace@example.com",
                                                                 "America/New_York"))
DESCRIPTIONS = {"ada@example.com": "Sales engineer. Bring your questions about plans, pricing and integrations.",
                "grace@example.com": "Customer success. I help new teams get set up and answer how-to questions."}
PASSWORD = "kite-demo-password"
DEMO_MEETING_LINK = "https://meet.example.com/kite-{id}"  # every demo meeting gets a room of its own
# (weekday offset from today, local start, minutes, title)
BUSY_PATTERN = ((0, time(10, 0), 60, "Team stand-up"), (1, time(13, 0), 90, "Customer call"),
                (2, time(9, 30), 30, "1:1"), (3, time(15, 0), 120, "Workshop"))


@dataclass(frozen=True)
class DemoAccounts:
    admin_email: str
    agent_emails: tuple[str, ...]
    agent_slugs: tuple[str, ...]
    password: str
    busy_blocks: int
    team_slugs: tuple[str, ...] = ()


def seed_demo(*, now: datetime, days: int = 14) -> DemoAccounts:
    """Fill an empty database. Refuses when any account exists, so real data is never touched."""
    with transaction() as s:
        if s.exec(select(func.count()).select_from(User)).one():
            raise KiteError(msg("The database already has accounts; demo data goes into an empty database only."))
    admin = accounts.create_first_admin(name=ADMIN[0], email=ADMIN[1], password=PASSWORD, now=now)
    actor = Actor(user_id=admin["id"], role=Role.ADMIN)
    agents = [accounts.create_agent(actor, name=n, email=e, time_zone=tz, password=PASSWORD, now=now)
              for n, e, tz in AGENTS]
    meeting_links.save_policy(actor, template=DEMO_MEETING_LINK, allow_personal=True, allow_google_meet=True, now=now)
    for agent in agents:  # publish each agent's booking page with the default hours and lunch breaks
        agent_actor = Actor(user_id=agent["id"], role=Role.AGENT)
        accounts.update_own_profile(agent_actor, name=agent["name"], time_zone=agent["time_zone"], now=now,
                                    description=DESCRIPTIONS[agent["email"]])
        form = calendar_settings.view(agent_actor)["form"]
        workdays = tuple(DayForm(on=True, hours="09:00-12:00, 13:00-17:00") for _ in range(5))
        form = replace(form, durations="15, 30, 60", default_duration="30", days=workdays + form.days[5:],
                       meeting_link=LinkSource.TEMPLATE)
        saved = calendar_settings.save(agent_actor, form, now=now)["form"]
    # both agents in a round-robin "support" team and a collective "onboarding" team, with the agents' rules
    for name, slug, kind in (("Support", "support", TeamKind.ROUND_ROBIN), ("Onboarding", "onboarding",
                                                                            TeamKind.COLLECTIVE)):
        teams.save_team(actor, TeamForm(
            name=name, slug=slug, kind=kind, members={a["id"]: "1" for a in agents}, durations=saved.durations,
            default_duration=saved.default_duration, slot_interval=saved.slot_interval,
            buffer_before=saved.buffer_before, buffer_after=saved.buffer_after, min_notice=saved.min_notice,
            window_days=saved.window_days, require_guest_login=saved.require_guest_login,
            meeting_link=LinkSource.TEMPLATE), now=now)
    blocks = 0
    with transaction() as s:
        for agent in agents:
            calendar = s.exec(select(LocalCalendar).where(LocalCalendar.owner_id == agent["id"])).one()
            zone = ZoneInfo(agent["time_zone"])
            today = now.astimezone(zone).date()
            for week in range(0, days, 7):
                for offset, at, minutes, title in BUSY_PATTERN:
                    on = today + timedelta(days=week + offset)
                    starts = datetime.combine(on, at, zone)
                    s.add(BusyBlock(calendar_id=calendar.id, title=title, starts_at=starts,
                                    ends_at=starts + timedelta(minutes=minutes)))
                    blocks += 1
    return DemoAccounts(ADMIN[1], tuple(a["email"] for a in agents), tuple(a["slug"] for a in agents), PASSWORD, blocks,
                        ("support", "onboarding"))
