"""Teams: one booking page for several agents. Round robin gives each meeting to one free member, fairly;
collective books every member at once. What a team is, its form, and the round-robin rule."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from kite_app.domain.accounts import MAX_SLUG_LENGTH
from kite_app.domain.calendar_settings import CalendarSettings, parse_durations, parse_rules
from kite_app.domain.errors import ValidationError
from kite_app.domain.meeting_links import LinkSource
from kite_app.domain.slots import SlotRules
from kite_app.domain.text import msg

MAX_WEIGHT = 10
MAX_MEMBERS = 50


class TeamKind(StrEnum):
    ROUND_ROBIN = "round_robin"
    COLLECTIVE = "collective"


KIND_LABELS = {TeamKind.ROUND_ROBIN: msg("Round robin"), TeamKind.COLLECTIVE: msg("Collective")}


@dataclass(frozen=True)
class TeamRules:
    """What the team decides for its meetings; each member's own hours and calendars decide when they are free."""

    durations: tuple[int, ...] = (30,)
    default_duration: int = 30
    rules: SlotRules = SlotRules()
    require_guest_login: bool = False
    meeting_link: str = LinkSource.NONE  # the host's Meet, own room, or the admin's template (meeting_links.py)

    def to_json(self) -> dict:
        r = self.rules
        return {"durations": list(self.durations), "default_duration": self.default_duration,
                "interval": r.interval, "buffer_before": r.buffer_before, "buffer_after": r.buffer_after,
                "min_notice": r.min_notice, "window_days": r.window_days,
                "require_guest_login": self.require_guest_login, "meeting_link": str(self.meeting_link)}

    @classmethod
    def from_json(cls, data: Mapping) -> TeamRules:
        return cls(durations=tuple(data["durations"]), default_duration=data["default_duration"],
                   rules=SlotRules(interval=data["interval"], buffer_before=data["buffer_before"],
                                   buffer_after=data["buffer_after"], min_notice=data["min_notice"],
                                   window_days=data["window_days"]),
                   require_guest_login=data["require_guest_login"],
                   meeting_link=data.get("meeting_link", LinkSource.NONE))


def member_settings(own: CalendarSettings, team: TeamRules) -> CalendarSettings:
    """A member's settings for the team's meetings: their hours and calendars, the team's rules."""
    return replace(own, durations=team.durations, default_duration=team.default_duration, rules=team.rules,
                   require_guest_login=team.require_guest_login, meeting_link=team.meeting_link)


@dataclass(frozen=True)
class TeamForm:
    """The "Team" form as typed: member ids with their weights (round robin)."""

    name: str = ""
    slug: str = ""
    kind: str = TeamKind.ROUND_ROBIN
    members: Mapping[int, str] = None  # type: ignore[assignment]  # agent id -> weight as typed
    durations: str = "30"
    default_duration: str = "30"
    slot_interval: str = "30"
    buffer_before: str = "0"
    buffer_after: str = "0"
    min_notice: str = "60"
    window_days: str = "30"
    require_guest_login: bool = False
    meeting_link: str = LinkSource.NONE


@dataclass(frozen=True)
class Team:
    name: str
    slug: str
    kind: TeamKind
    members: Mapping[int, int]  # agent id -> weight
    rules: TeamRules


def parse_team(form: TeamForm, *, agents: Collection[int]) -> Team:
    """Read the team form; every invalid field gets its own message, all or nothing."""
    errors: dict[str, str] = {}
    name = " ".join(form.name.split())
    if not 1 <= len(name) <= 100:
        errors["name"] = msg("Give the team a name (at most 100 characters).")
    slug = form.slug.strip().lower()
    if not re.fullmatch(rf"[a-z0-9](?:[a-z0-9-]{{1,{MAX_SLUG_LENGTH - 2}}})[a-z0-9]", slug):
        errors["slug"] = msg("Use 3 to 60 lowercase letters, digits and hyphens, like “support”.")
    try:
        kind = TeamKind(form.kind)
    except ValueError:
        errors["kind"] = msg("Choose Round robin or Collective.")
        kind = TeamKind.ROUND_ROBIN
    members: dict[int, int] = {}
    for agent_id, weight in (form.members or {}).items():
        if agent_id not in agents:
            errors["members"] = msg("Choose members among the active agents.")
            continue
        raw = str(weight).strip() or "1"
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_WEIGHT:
            errors[f"weight_{agent_id}"] = msg("Use a weight from 1 to {count}.", count=MAX_WEIGHT)
            continue
        members[agent_id] = int(raw)
    if not members and "members" not in errors and not any(k.startswith("weight_") for k in errors):
        errors["members"] = msg("Choose at least one member.")
    if len(members) > MAX_MEMBERS:
        errors["members"] = msg("A team has at most {count} members.", count=MAX_MEMBERS)
    durations, default = parse_durations(form, errors)
    rules = parse_rules(form, errors)
    if form.meeting_link not in {s.value for s in LinkSource}:
        errors["meeting_link"] = msg("Choose one of the meeting links offered.")
    if errors:
        raise ValidationError(errors)
    return Team(name=name, slug=slug, kind=kind, members=members,
                rules=TeamRules(durations=durations, default_duration=default, rules=rules,
                                require_guest_login=form.require_guest_login, meeting_link=form.meeting_link))


def team_slot_starts(kind: TeamKind, per_member: Iterable[list[int]]) -> list[int]:
    """A team's slot starts from each member's own: round robin, those of at least one member; collective,
    those of every member (members after the first are only asked while some start is left)."""
    found: set[int] | None = None
    for starts in per_member:
        if found is None:
            found = set(starts)
        elif kind == TeamKind.ROUND_ROBIN:
            found.update(starts)
        else:
            found.intersection_update(starts)
            if not found:
                break
    return sorted(found or ())


@dataclass(frozen=True)
class MemberLoad:
    """What the round-robin rule knows of a free member."""

    agent_id: int
    weight: int
    meetings_this_month: int  # the team's live meetings given to them this calendar month
    last_booked: datetime | None  # their latest team meeting's booking time


def choose_member(free: list[MemberLoad], *, met_before: int | None) -> int:
    """The round-robin rule. A returning guest goes to the agent they met before, when that agent is free;
    otherwise the free member with the fewest team meetings this month for their weight (meetings ÷
    weight), ties to the one booked least recently (never booked first), then the earliest member."""
    if not free:
        raise ValueError("no free member")
    if met_before is not None and any(m.agent_id == met_before for m in free):
        return met_before
    return min(free, key=lambda m: (m.meetings_this_month / m.weight,
                                    m.last_booked.timestamp() if m.last_booked else float("-inf"),
                                    m.agent_id)).agent_id
