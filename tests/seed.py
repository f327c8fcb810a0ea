"""Seeding helpers for tests and benchmarks: accounts and published agents, through the services."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import text

from kite_app.domain.accounts import Actor, Role
from kite_app.domain.calendar_settings import OverrideForm, SettingsForm
from kite_app.persistence import db
from kite_app.services import accounts, calendar_settings

ADMIN_PASSWORD = "admin password 1"
AGENT_PASSWORD = "agent password 1"


def edit_form(form: SettingsForm, **changes) -> SettingsForm:
    """The Calendar Settings form with fields changed as a person would in the page: "day_2"="on"/"" ticks
    a weekday, "hours_2" types its hours, "overrides" is a list of {"date", "hours"}, "require_guest_login"
    is "on"/""; any other field is typed as given."""
    days = list(form.days)
    fields: dict = {}
    for key, value in changes.items():
        if m := re.fullmatch(r"(day|hours)_(\d)", key):
            i = int(m[2])
            days[i] = replace(days[i], **({"on": value == "on"} if m[1] == "day" else {"hours": value}))
        elif key == "overrides":
            fields[key] = tuple(OverrideForm(date=o.get("date", ""), hours=o.get("hours", "")) for o in value)
        elif key == "blocking_calendars":
            fields[key] = tuple(value)
        elif key == "require_guest_login":
            fields[key] = value == "on"
        else:
            fields[key] = value
    return replace(form, days=tuple(days), **fields)


def admin_actor() -> Actor:
    """The first admin, created when the database has none."""
    now = datetime.now(UTC)
    if accounts.needs_setup():
        accounts.create_first_admin(name="Admin", email="admin@example.com", password=ADMIN_PASSWORD, now=now)
    return Actor(user_id=1, role=Role.ADMIN)


def open_agent(name: str, email: str, *, hours: str = "09:00-17:00", time_zone: str = "UTC", **settings: str) -> dict:
    """An agent whose booking page is open every day during `hours`; `settings` override form fields."""
    now = datetime.now(UTC)
    agent = accounts.create_agent(admin_actor(), name=name, email=email, time_zone=time_zone,
                                  password=AGENT_PASSWORD, now=now)
    actor = Actor(user_id=agent["id"], role=Role.AGENT)
    every_day = {f"{kind}_{day}": value for day in range(7) for kind, value in (("day", "on"), ("hours", hours))}
    defaults = {"durations": "30, 60", "default_duration": "30", "slot_interval": "30", "window_days": "14",
                "min_notice": "60"}
    form = edit_form(calendar_settings.view(actor)["form"], **{**defaults, **every_day, **settings})
    calendar_settings.save(actor, form, now=now)
    return agent


OVERLAPS = text("""
    SELECT COUNT(*) FROM meetings a JOIN meetings b
      ON a.agent_id = b.agent_id AND a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
    WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed')
""")


def double_bookings() -> int:
    """Pairs of live meetings of one agent whose times overlap, in the current database (must be 0)."""
    with db.engine().connect() as conn:
        return conn.execute(OVERLAPS).scalar_one()
