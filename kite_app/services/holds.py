"""A held time: a guest who chose a time keeps it for KITE_HOLD_MINUTES while they fill in their details. Other
guests no longer see it and cannot book it; the holder's booking of it is refused only when the agent's own
calendar took it meanwhile. A hold is a row in the database (every worker sees it) and asks no calendar
(Google, Microsoft, CalDAV): it is checked against Kite's meetings and the other holds, under the agents' locks.

One browser (its hold cookie, or an API hold token: `tokens.new_token`) holds one time at a time, and one
client address one time per agent: a new hold replaces the older one. Holds are rate-limited per address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from kite_app.config import settings as config
from kite_app.domain.calendar_settings import CalendarSettings
from kite_app.domain.errors import ValidationError
from kite_app.domain.meeting import SlotTaken, SlotUnavailable, check_requested_slot
from kite_app.domain.teams import TeamKind, choose_member
from kite_app.domain.text import msg
from kite_app.domain.tokens import token_hash
from kite_app.persistence import meetings as meeting_rows
from kite_app.persistence import one_time_links as q
from kite_app.persistence.db import transaction
from kite_app.persistence.form_models import SlotHold
from kite_app.services import ratelimit
from kite_app.services.availability import checked_duration
from kite_app.services.booking import check_meetings, with_duration
from kite_app.services.calendar_settings import published_agent
from kite_app.services.teams import member_loads, published_team


@dataclass(frozen=True)
class Held:
    expires_at: datetime
    agent_ids: tuple[int, ...]


@dataclass(frozen=True)
class Host:
    id: int
    time_zone: str
    settings: CalendarSettings
    weight: int = 1


def hold(slug: str, *, team: bool, start: datetime, duration: int | None, secret: str, client: str | None,
         now: datetime, fixed_duration: int | None = None) -> Held:
    """Hold `start` for the guest behind `secret` on the page of agent (or team) `slug`: SlotUnavailable for a time
    the page does not offer, SlotTaken when a meeting or another guest's hold has it, TooManyAttempts past the
    rate limit. Round robin holds one free member (the one the rule would pick); collective, every member."""
    ratelimit.check("hold", client, now=now.timestamp())
    if start.tzinfo is None:
        raise ValidationError({"start": msg("Give the start time with its UTC offset.")})
    start = start.astimezone(UTC)
    hosts, kind, team_id = _hosts(slug, team, fixed_duration)
    duration = checked_duration(hosts[0].settings, duration, "UTC")
    holder, address = token_hash(secret), token_hash(client or "app")
    expires = now + timedelta(minutes=config.hold_minutes)
    with transaction() as s:
        for agent_id in sorted(h.id for h in hosts):
            meeting_rows.lock_agent(s, agent_id)
        q.release(s, holder=holder, client=address, agent_ids=[h.id for h in hosts], now=now)
        chosen = _free_hosts(s, hosts, kind, team_id, start, duration, holder, now)
        for h in chosen:
            s.add(SlotHold(holder=holder, client=address, agent_id=h.id, team_id=team_id, starts_at=start,
                           ends_at=start + timedelta(minutes=duration), expires_at=expires, created_at=now))
    return Held(expires_at=expires, agent_ids=tuple(h.id for h in chosen))


def _hosts(slug: str, team: bool, fixed_duration: int | None) -> tuple[list[Host], TeamKind | None, int | None]:
    if not team:
        agent, settings = published_agent(slug)
        return [Host(agent["id"], agent["time_zone"], with_duration(settings, fixed_duration))], None, None
    published = published_team(slug)
    return ([Host(m.id, m.time_zone, with_duration(m.settings, fixed_duration), m.weight) for m in published.members],
            published.kind, published.id)


def _free_hosts(s, hosts: list[Host], kind: TeamKind | None, team_id: int | None, start: datetime, duration: int,
                holder: str, now: datetime) -> list[Host]:
    """The hosts to hold: one agent's page, its agent; a collective team, every member (each must be free); round
    robin, the first free member in the rule's order."""
    def check(h: Host) -> None:
        check_requested_slot(start, duration, h.settings, ZoneInfo(h.time_zone), now)
        check_meetings(s, h.id, h.settings, start, duration, now=now, holder=holder)

    def free(h: Host) -> bool:
        try:
            check(h)
        except (SlotUnavailable, SlotTaken):
            return False
        return True

    if kind != TeamKind.ROUND_ROBIN or team_id is None:
        for h in hosts:  # the first refusal says why
            check(h)
        return hosts
    candidates = [h for h in hosts if free(h)]
    if not candidates:
        raise SlotTaken()
    chosen = choose_member(member_loads(s, team_id, candidates, now), met_before=None)
    return [h for h in candidates if h.id == chosen]


def release(secret: str) -> None:
    """The guest chose another time, went back, or left: their held time is free for others at once."""
    with transaction() as s:
        q.release(s, holder=token_hash(secret))
