"""Teams: admins keep them (the Teams page); guests book on `/team/<slug>` on the same booking core as an
agent's page. Round robin offers a time when at least one member is free and gives the meeting to one
(kite_app.domain.teams.choose_member); collective offers only times every member is free."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypedDict
from zoneinfo import ZoneInfo

from kite_app import config, i18n, routes
from kite_app.domain.accounts import Actor, Role, initials
from kite_app.domain.calendar_settings import CalendarSettings
from kite_app.domain.errors import CalendarUnavailable, KiteError, NotFound, PermissionDenied, ValidationError
from kite_app.domain.meeting import LIVE, MeetingStatus, SlotTaken, SlotUnavailable
from kite_app.domain.meeting_links import LinkSource
from kite_app.domain.teams import (
    KIND_LABELS,
    MemberLoad,
    TeamForm,
    TeamKind,
    TeamRules,
    choose_member,
    member_settings,
    team_slot_starts,
)
from kite_app.domain.teams import parse_team as parse_team_form
from kite_app.domain.text import msg
from kite_app.domain.times import DEFAULT_LOCALE, when
from kite_app.persistence import accounts as account_rows
from kite_app.persistence import meetings as meeting_rows
from kite_app.persistence import one_time_links as link_rows
from kite_app.persistence import teams as q
from kite_app.persistence.db import must_get, transaction
from kite_app.persistence.models import Meeting, Team, User
from kite_app.providers.calendar import provider_for
from kite_app.services import (
    booking,
    booking_form,
    calendar_writes,
    meeting_links,
    meeting_views,
    notifications,
    ratelimit,
    reminders,
)
from kite_app.services.accounts import require_admin
from kite_app.services.availability import BookingPageInfo, Slot, agent_slots, checked_duration, label_slots
from kite_app.services.booking import BookingRequest
from kite_app.services.calendar_settings import published
from kite_app.services.meeting_views import MeetingView

TEAM_NOT_FOUND = msg("There is no team booking page at this address.")


class MemberView(TypedDict):
    agent_id: int
    name: str
    weight: int
    active: bool


class TeamView(TypedDict):
    id: int
    name: str
    slug: str
    kind: str
    kind_label: str
    active: bool
    members: list[MemberView]
    url: str
    form: dict  # the team's form fields as typed (TeamForm, members as "weight_<id>")


def _view(team: Team, members: list[tuple[int, str, int, bool]]) -> TeamView:
    rules = TeamRules.from_json(team.data)
    r = rules.rules
    return TeamView(
        id=team.id, name=team.name, slug=team.slug, kind=team.kind, kind_label=KIND_LABELS[TeamKind(team.kind)],
        active=team.active, url=routes.team_url(config.settings.public_url, team.slug),
        members=[MemberView(agent_id=a, name=n, weight=w, active=act) for a, n, w, act in members],
        form={"name": team.name, "slug": team.slug, "kind": team.kind,
              "durations": ", ".join(map(str, rules.durations)), "default_duration": str(rules.default_duration),
              "slot_interval": str(r.interval), "buffer_before": str(r.buffer_before),
              "buffer_after": str(r.buffer_after), "min_notice": str(r.min_notice), "window_days": str(r.window_days),
              "require_guest_login": rules.require_guest_login, "meeting_link": str(rules.meeting_link),
              "members": {str(a): str(w) for a, _n, w, _act in members}},
    )


def _members_of(s, team_id: int) -> list[tuple[int, str, int, bool]]:
    return [(u.id, u.name, m.weight, u.active) for m, u in q.members(s, team_id)]


def list_teams(actor: Actor | None) -> list[TeamView]:
    require_admin(actor)
    with transaction(read_only=True) as s:
        return [_view(t, _members_of(s, t.id)) for t in q.all_teams(s)]


def save_team(actor: Actor | None, form: TeamForm, *, now: datetime, team_id: int | None = None) -> TeamView:
    """Create a team, or change one (`team_id`); all or nothing (ValidationError keyed by field)."""
    require_admin(actor)
    with transaction() as s:
        agents = {u.id for u in account_rows.users_with_role(s, Role.AGENT) if u.active}
        if team_id is not None:  # members kept from before may have been deactivated since
            agents |= {a for a, *_ in _members_of(s, team_id)}
        team = parse_team_form(form, agents=agents)
        if message := _team_link_error(team.rules.meeting_link, meeting_links.policy(s)):
            raise ValidationError({"meeting_link": message})
        row = must_get(s, Team, team_id) if team_id is not None else None
        other = q.by_slug(s, team.slug)
        if other is not None and other.id != team_id:
            raise ValidationError({"slug": msg("Another team already has this address.")})
        if row is None:
            row = Team(name=team.name, slug=team.slug, kind=team.kind, data=team.rules.to_json(), created_at=now,
                       updated_at=now)
        row.name, row.slug, row.kind, row.data, row.updated_at = (team.name, team.slug, team.kind,
                                                                  team.rules.to_json(), now)
        s.add(row)
        s.flush()
        q.set_members(s, row.id, dict(team.members))
        s.flush()
        return _view(row, _members_of(s, row.id))


def _team_link_error(source: str, rules) -> str | None:
    """Whether the admin allows the team's meeting link (each host's own Meet or room is checked at booking:
    a host without one gives the meeting no link)."""
    if source == LinkSource.TEMPLATE and not rules.template:
        return msg("Set a meeting link template under Integrations first.")
    if source == LinkSource.PERSONAL and not rules.allow_personal:
        return msg("Agents' own video links are not allowed (Integrations → Meeting links).")
    if source == LinkSource.GOOGLE_MEET and not rules.allow_google_meet:
        return msg("Google Meet links are not allowed (Integrations → Meeting links).")
    if source == LinkSource.TEAMS and not rules.allow_teams:
        return msg("Microsoft Teams links are not allowed (Integrations → Meeting links).")
    return None


def set_team_active(actor: Actor | None, team_id: int, *, active: bool, now: datetime) -> TeamView:
    """A deactivated team's page books nothing; its meetings stay."""
    require_admin(actor)
    with transaction() as s:
        row = must_get(s, Team, team_id)
        row.active, row.updated_at = active, now
        s.add(row)
        return _view(row, _members_of(s, row.id))


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    slug: str
    time_zone: str
    weight: int
    settings: CalendarSettings  # their hours and calendars, the team's rules


@dataclass(frozen=True)
class PublishedTeam:
    id: int
    name: str
    kind: TeamKind
    rules: TeamRules
    members: tuple[Member, ...]  # active agents who opened their calendar


def published_team(slug: str) -> PublishedTeam:
    """The team behind `/team/<slug>` and its bookable members. NotFound for an unknown or deactivated
    team, and for a team none of whose members can take bookings."""
    with transaction(read_only=True) as s:
        team = q.by_slug(s, slug)
        if team is None or not team.active:
            raise NotFound(TEAM_NOT_FOUND)
        rows = q.members(s, team.id)
    rules = TeamRules.from_json(team.data)
    members = []
    for m, u in rows:
        own = published(u.id) if u.active else None
        if own is not None:
            members.append(Member(id=u.id, name=u.name, slug=u.slug or "", time_zone=u.time_zone, weight=m.weight,
                                  settings=member_settings(own, rules)))
    if not members:
        raise NotFound(msg("This team is not taking bookings right now."))
    return PublishedTeam(id=team.id, name=team.name, kind=TeamKind(team.kind), rules=rules, members=tuple(members))


def team_page(slug: str) -> BookingPageInfo:
    team = published_team(slug)
    zone = team.members[0].time_zone
    return BookingPageInfo(agent_name=team.name, agent_time_zone=zone, durations=list(team.rules.durations),
                           default_duration=team.rules.default_duration, window_days=team.rules.rules.window_days,
                           require_login=team.rules.require_guest_login, description="", photo="",
                           initials=initials(team.name))


def _member_slots(team: PublishedTeam, *, start: datetime, end: datetime, duration: int,
                  now: datetime, holder: str | None = None) -> Iterator[list[int]]:
    """Each member's slot starts, asked one member at a time. A round-robin member whose calendar cannot be
    read right now is offered nothing; for a collective team that means no time can be offered."""
    readable = 0
    _prefetch(team, start, end, duration)
    for m in team.members:
        try:
            starts = agent_slots(m.id, m.time_zone, m.settings, start=start, end=end, duration=duration, now=now,
                                 holder=holder)
        except CalendarUnavailable:
            if team.kind == TeamKind.COLLECTIVE:
                raise
            continue
        readable += 1
        yield starts
    if not readable:
        raise CalendarUnavailable()


def _prefetch(team: PublishedTeam, start: datetime, end: datetime, duration: int) -> None:
    """Let each calendar provider fetch every member's busy time at once (Google: one freebusy.query)."""
    rules = team.rules.rules
    margin = timedelta(minutes=2 * (rules.buffer_before + rules.buffer_after) + duration)
    by_provider: dict[int, tuple] = {}
    for m in team.members:
        for cal in m.settings.blocking_calendars:
            try:
                provider = provider_for(cal)
            except KeyError:
                continue
            entry = by_provider.setdefault(id(provider), (provider, {}))
            entry[1].setdefault(m.id, []).append(cal)
    for provider, wanted in by_provider.values():
        provider.prefetch_busy(list(wanted.items()), start - margin, end + margin)


def team_slots(slug: str, *, start: datetime, end: datetime, duration: int | None, guest_zone: str,
               now: datetime, locale: str = DEFAULT_LOCALE, holder: str | None = None,
               any_duration: bool = False) -> list[Slot]:
    """Round robin: the times at least one member is free for; collective: the times every member is. `holder`
    and `any_duration` as for availability.slots_for."""
    team = published_team(slug)
    duration = checked_duration(team.members[0].settings, duration, guest_zone, any_duration=any_duration)
    per_member = _member_slots(team, start=start, end=end, duration=duration, now=now, holder=holder)
    return label_slots(team_slot_starts(team.kind, per_member), ZoneInfo(guest_zone), locale)


class Weighted(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def weight(self) -> int: ...


def member_loads(s, team_id: int, free: Sequence[Weighted], now: datetime) -> list[MemberLoad]:
    """What the round-robin rule knows of the `free` members (a page's, or the hosts a hold may take), read in
    `s`."""
    month_start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    loads = q.month_loads(s, team_id, month_start)
    return [MemberLoad(agent_id=m.id, weight=m.weight, meetings_this_month=loads.get(m.id, (0, None))[0],
                       last_booked=loads.get(m.id, (0, None))[1]) for m in free]


def _loads(team: PublishedTeam, free: list[Member], now: datetime) -> list[MemberLoad]:
    with transaction(read_only=True) as s:
        return member_loads(s, team.id, free, now)


def book_team(req: BookingRequest, *, now: datetime) -> MeetingView:
    """Book on a team's page. Round robin: the time must suit at least one member; the meeting goes to the
    one the round-robin rule picks (another free member when a concurrent booking just took them).
    Collective: the time must suit every member; each is a host of the one meeting."""
    ratelimit.check("booking", req.client, now=now.timestamp())
    team = published_team(req.slug)
    if req.fixed_duration is not None:  # a one-time link's own duration
        team = replace(team, members=tuple(replace(m, settings=booking.with_duration(m.settings, req.fixed_duration))
                                           for m in team.members))
    guest = booking.validate_guest(req, team.members[0].settings,
                                   "Log in with your email before booking with this team.",
                                   booking_form.page_questions(team_id=team.id))
    duration = team.rules.default_duration if req.duration is None else req.duration
    req = replace(req, start=req.start.astimezone(UTC))
    key = f"team{team.id}:{req.idempotency_key}" if req.idempotency_key else None
    if key and booking.was_booked(key):
        return booking.again(key, now)
    if team.kind == TeamKind.COLLECTIVE:
        for m in team.members:  # the first refusal says why (a rule, or a member's busy time)
            booking.check_time({"id": m.id, "time_zone": m.time_zone}, m.settings, req.start, duration, now)
        return booking.insert_group([(m.id, m.settings) for m in team.members], req, guest, duration, now=now,
                                    key=key, team_id=team.id)
    free: list[Member] = []
    refusal: KiteError | None = None
    for m in team.members:
        try:
            booking.check_time({"id": m.id, "time_zone": m.time_zone}, m.settings, req.start, duration, now)
        except (SlotUnavailable, SlotTaken, CalendarUnavailable) as exc:
            refusal = exc if refusal is None or isinstance(exc, SlotTaken) else refusal
            continue
        free.append(m)
    if not free:
        raise refusal or SlotTaken()
    with transaction(read_only=True) as s:
        met = q.met_before(s, guest.email, [m.id for m in team.members])
    loads, order = _loads(team, free, now), []
    while loads:
        chosen = choose_member(loads, met_before=met)
        order.append(chosen)
        loads = [x for x in loads if x.agent_id != chosen]
    if req.holder:  # the member holding this time for the guest first (kite_app/services/holds.py)
        with transaction(read_only=True) as s:
            held = {h.agent_id for h in link_rows.holds_of(s, req.holder, now) if h.starts_at == req.start}
        order.sort(key=lambda agent_id: agent_id not in held)
    by_id = {m.id: m for m in free}
    for agent_id in order:
        try:
            return booking.insert_meeting(agent_id, by_id[agent_id].settings, req, guest, duration, now=now, key=key,
                                          team_id=team.id)
        except SlotTaken:
            continue  # a concurrent booking took this member: the next one in the rule's order
    raise SlotTaken()


def my_team_meetings(tokens: list[str], *, slug: str, verified_email: str | None, now: datetime,
                     client: str | None = None) -> list[MeetingView]:
    """"My meetings" on a team's page: the upcoming meetings booked on it that this browser holds links to,
    and, for a guest who logged in, every one booked with their email."""
    team_id = published_team(slug).id
    return meeting_views.browser_meetings(tokens, lambda m: m.team_id == team_id,
                                    lambda s, email: meeting_rows.live_for_guest(s, email, now, team_id=team_id),
                                    verified_email=verified_email, now=now, client=client)


def reassign(actor: Actor | None, meeting_id: int, to_agent_id: int, *, now: datetime) -> MeetingView:
    """Give a round-robin team meeting to another member who is free for it (a member of the team or an
    admin asks). The meeting waits for the new host's Yes; guest and both agents are told; the event moves
    from the old host's calendar to the new one's."""
    if actor is None:
        raise PermissionDenied(msg("Log in to continue."))
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
        team = s.get(Team, meeting.team_id) if meeting.team_id is not None else None
        if team is None or team.kind != TeamKind.ROUND_ROBIN:
            raise ValidationError(
                {"meeting": msg("Only meetings booked on a round-robin team's page can be reassigned.")})
        member_ids = {u.id for _m, u in q.members(s, team.id)}
        if actor.role != Role.ADMIN and actor.user_id not in member_ids:
            raise PermissionDenied(msg("Only the team's members and admins can reassign its meetings."))
        if to_agent_id not in member_ids or to_agent_id == meeting.agent_id:
            raise ValidationError({"agent": msg("Choose another member of the team.")})
        new_host = must_get(s, User, to_agent_id)
        old_host = must_get(s, User, meeting.agent_id)
    if meeting.status not in LIVE or meeting.starts_at <= now:
        raise ValidationError({"meeting": msg("Only upcoming meetings can be reassigned.")})
    own = published(to_agent_id)
    if own is None or not new_host.active:
        raise ValidationError({"agent": msg("{name} is not taking bookings.", name=new_host.name)})
    settings = member_settings(own, TeamRules.from_json(team.data))
    duration = meeting.duration_minutes
    try:
        booking.check_time({"id": new_host.id, "time_zone": new_host.time_zone}, settings, meeting.starts_at,
                           duration, now)
    except (SlotUnavailable, SlotTaken):
        raise ValidationError({"agent": msg("{name} is not free at this time.", name=new_host.name)}) from None
    try:
        with booking.refusing_overlap(), transaction() as s:
            booking.check_meetings_locked(s, new_host.id, settings, meeting.starts_at, duration, now=now)
            row = must_get(s, Meeting, meeting_id)
            if row.status not in LIVE:
                raise ValidationError({"meeting": msg("This meeting was deleted.")})
            # the old host's event goes (through the usual retried write), a new one is made for the new host
            # a room from the team's template stays; a host's own room or Meet conference is the new host's
            url, conference = (row.meeting_url, "") if settings.meeting_link == LinkSource.TEMPLATE else \
                meeting_links.for_new_meeting(s, settings.meeting_link, destination=settings.destination_calendar,
                                              video_url=new_host.video_url)
            moved = Meeting(uid=row.uid.replace("@kite", f"-{new_host.id}@kite"), agent_id=new_host.id,
                            guest_name=row.guest_name, guest_email=row.guest_email, guest_time_zone=row.guest_time_zone,
                            guest_language=row.guest_language, guest_locale_tag=row.guest_locale_tag,
                            answers=list(row.answers or []), utm=dict(row.utm or {}),
                            subject=row.subject, starts_at=row.starts_at, ends_at=row.ends_at,
                            status=MeetingStatus.PENDING, meeting_url=url, conference=conference,
                            created_at=row.created_at, updated_at=now, team_id=row.team_id)
            row.status, row.sequence, row.updated_at = MeetingStatus.CANCELLED, row.sequence + 1, now
            s.add(row)
            s.flush()
            s.add(moved)
            s.flush()
            meeting_rows.move_links(s, row.id, moved.id)
            notifications.record_reassigned(s, row, moved, old_host=old_host, new_host=new_host, now=now,
                                            by=_name(s, actor))
            reminders.schedule(s, moved, settings.reminders, now)
            view = meeting_views.view_of(moved, new_host, now)
            old_id, new_id = row.id, moved.id
    except SlotTaken:
        raise ValidationError({"agent": msg("{name} is not free at this time.", name=new_host.name)}) from None
    calendar_writes.schedule_calendar_write(old_id, None)
    calendar_writes.schedule_calendar_write(new_id, settings)
    return view


def _name(s, actor: Actor) -> str:
    return must_get(s, User, actor.user_id).name


class TeamMeetingView(TypedDict):
    id: int
    team: str
    hosts: str
    guest: str
    subject: str
    when: str  # in the admin's zone
    status: str
    reassign_to: list[dict[str, str]]


def upcoming_meetings(actor: Actor | None, *, now: datetime) -> list[TeamMeetingView]:
    """For admins: every upcoming meeting booked on a team's page, with whom a round-robin one could go to."""
    asking = require_admin(actor)
    with transaction(read_only=True) as s:
        admin = must_get(s, User, asking.user_id)
        rows = q.upcoming_team_meetings(s, now)
        cards = q.card_teams(s, rows)
        out = []
        for m in rows:
            group = meeting_rows.group(s, m)
            hosts = [must_get(s, User, r.agent_id).name for r in group]
            out.append(TeamMeetingView(
                id=m.id, team=cards.get(m.id, ("", []))[0], hosts=", ".join(hosts),
                guest=f"{m.guest_name} <{m.guest_email}>", subject=m.subject,
                when=when(m.starts_at.isoformat(), m.ends_at.isoformat(), admin.time_zone,
                          i18n.locale_of(admin.language, admin.locale_tag)),
                status="confirmed" if all(r.status == MeetingStatus.CONFIRMED for r in group) else "pending",
                reassign_to=cards.get(m.id, ("", []))[1]))
        return out
