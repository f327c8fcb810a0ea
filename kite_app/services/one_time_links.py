"""One-time links: an agent (for their page) or an admin (for a team's) makes a link that books one meeting, with
an optional expiry and an optional duration of its own. Only the SHA-256 of its secret is kept; the booking that
uses it marks it used in its own transaction, so of concurrent bookings through one link exactly one wins."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypedDict

from kite_app import routes
from kite_app.config import settings as config
from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import LinkExpired, LinkUsed, NotFound, PermissionDenied, ValidationError
from kite_app.domain.slots import MAX_DURATION, MIN_DURATION
from kite_app.domain.text import msg
from kite_app.domain.times import DEFAULT_LOCALE
from kite_app.domain.tokens import new_token, token_hash
from kite_app.persistence import one_time_links as q
from kite_app.persistence.db import must_get, transaction
from kite_app.persistence.form_models import OneTimeLink
from kite_app.persistence.models import Team, User
from kite_app.services import availability, booking, ratelimit, teams
from kite_app.services.accounts import require_login
from kite_app.services.availability import BookingPageInfo, Slot
from kite_app.services.booking import BookingRequest
from kite_app.services.meeting_views import MeetingView


class LinkView(TypedDict):
    id: int
    hint: str  # the link's first characters
    created_at: str  # ISO 8601 UTC
    expires_at: str  # "" for never
    duration: int  # 0: the page's durations
    status: str  # unused, used, expired, revoked
    used_at: str


@dataclass(frozen=True)
class Target:
    """What a link books: the page (an agent's or a team's slug) and the link's own duration."""

    link_id: int
    slug: str
    team: bool
    duration: int | None


def _status(link: OneTimeLink, now: datetime) -> str:
    if link.revoked_at is not None:
        return "revoked"
    if link.used_at is not None:
        return "used"
    if link.expires_at is not None and link.expires_at <= now:
        return "expired"
    return "unused"


def _view(link: OneTimeLink, now: datetime) -> LinkView:
    def iso(moment: datetime | None) -> str:
        return moment.astimezone(UTC).isoformat() if moment is not None else ""

    return LinkView(id=link.id, hint=link.hint, created_at=iso(link.created_at), expires_at=iso(link.expires_at),
                    duration=link.duration or 0, status=_status(link, now), used_at=iso(link.used_at))


def url(token: str) -> str:
    return config.public_url.rstrip("/") + routes.one_time_path(token)


def _owner(s, actor: Actor | None, *, agent_id: int | None, team_id: int | None) -> tuple[int | None, int | None]:
    """Whose links these are: an agent's own (or any agent's, for an admin), or a team's (admins only)."""
    actor = require_login(actor)
    if team_id is not None:
        if not actor.is_admin:
            raise PermissionDenied(msg("Only admins make one-time links for a team."))
        if s.get(Team, team_id) is None:
            raise NotFound(msg("This team no longer exists."))
        return None, team_id
    agent_id = actor.user_id if agent_id is None else agent_id
    if agent_id != actor.user_id and not actor.is_admin:
        raise PermissionDenied(msg("You can make one-time links for your own page only."))
    user = s.get(User, agent_id)
    if user is None or user.role != Role.AGENT:
        raise PermissionDenied(msg("Only agents have a booking page for one-time links."))
    return agent_id, None


def create(actor: Actor | None, *, now: datetime, agent_id: int | None = None, team_id: int | None = None,
           expires_at: datetime | None = None, duration: int | None = None) -> tuple[LinkView, str]:
    """A new link and its secret token (shown once)."""
    errors: dict[str, str] = {}
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        errors["expires_at"] = msg("Choose an expiry in the future.")
    if duration is not None and not MIN_DURATION <= duration <= MAX_DURATION:
        errors["duration"] = msg("Give a duration from {low} to {high} minutes.", low=MIN_DURATION, high=MAX_DURATION)
    if errors:
        raise ValidationError(errors)
    token = new_token()  # 192 bits
    with transaction() as s:
        agent_id, team_id = _owner(s, actor, agent_id=agent_id, team_id=team_id)
        link = OneTimeLink(token_hash=token_hash(token), hint=token[:6], agent_id=agent_id, team_id=team_id,
                           created_by=require_login(actor).user_id, duration=duration,
                           expires_at=expires_at.astimezone(UTC) if expires_at else None, created_at=now)
        s.add(link)
        s.flush()
        return _view(link, now), token


def links(actor: Actor | None, *, now: datetime, agent_id: int | None = None, team_id: int | None = None
          ) -> list[LinkView]:
    with transaction(read_only=True) as s:
        agent_id, team_id = _owner(s, actor, agent_id=agent_id, team_id=team_id)
        return [_view(link, now) for link in q.of_owner(s, agent_id=agent_id, team_id=team_id)]


def revoke(actor: Actor | None, link_id: int, *, now: datetime) -> LinkView:
    with transaction() as s:
        link = s.get(OneTimeLink, link_id)
        if link is None:
            raise NotFound(msg("This one-time link no longer exists."))
        _owner(s, actor, agent_id=link.agent_id, team_id=link.team_id)
        if link.used_at is None and link.revoked_at is None:
            link.revoked_at = now
            s.add(link)
        return _view(link, now)


def target(token: str, *, now: datetime, client: str | None = None) -> Target:
    """The page behind a link that can still book: LinkUsed for an unknown, used or revoked one, LinkExpired for
    one past its expiry (a client guessing links is slowed down like one guessing meeting links)."""
    ratelimit.looking_up_secret(client, now=now.timestamp())
    with transaction(read_only=True) as s:
        link = q.by_hash(s, token_hash(token)) if token else None
        if link is None:
            ratelimit.unknown_secret(client, now=now.timestamp())
            raise LinkUsed()
        status = _status(link, now)
        if status == "expired":
            raise LinkExpired()
        if status != "unused":
            raise LinkUsed()
        if link.team_id is not None:
            return Target(link.id, must_get(s, Team, link.team_id).slug, True, link.duration)
        return Target(link.id, must_get(s, User, link.agent_id).slug or "", False, link.duration)


def public_page(token: str) -> str:
    """Where a used or expired link's page sends the guest instead: the agent's or team's own page ("" for none
    or an unknown link)."""
    with transaction(read_only=True) as s:
        link = q.by_hash(s, token_hash(token)) if token else None
        if link is None:
            return ""
        if link.team_id is not None:
            team = s.get(Team, link.team_id)
            return routes.team_path(team.slug) if team is not None and team.active else ""
        user = s.get(User, link.agent_id)
    if user is None or not user.active or not user.slug:
        return ""
    try:
        availability.booking_page(user.slug)
    except NotFound:
        return ""
    return routes.booking_path(user.slug)


def page(token: str, *, now: datetime, client: str | None = None) -> tuple[Target, BookingPageInfo]:
    """The page info of the link's page, its durations the link's own when it has one."""
    found = target(token, now=now, client=client)
    info = teams.team_page(found.slug) if found.team else availability.booking_page(found.slug)
    if found.duration is not None:
        info = BookingPageInfo(**{**info, "durations": [found.duration], "default_duration": found.duration})
    return found, info


def slots(found: Target, *, start: datetime, end: datetime, duration: int | None, guest_zone: str, now: datetime,
          locale: str = DEFAULT_LOCALE, holder: str | None = None) -> list[Slot]:
    """The free times of the page a link (`target`) books with, in the link's own duration when it has one."""
    duration = found.duration or duration
    if found.team:
        return teams.team_slots(found.slug, start=start, end=end, duration=duration, guest_zone=guest_zone, now=now,
                                holder=holder, any_duration=found.duration is not None, locale=locale)
    return availability.slots_for(found.slug, start=start, end=end, duration=duration, guest_zone=guest_zone, now=now,
                                  holder=holder, any_duration=found.duration is not None, locale=locale)


def book(token: str, req: BookingRequest, *, now: datetime) -> MeetingView:
    """Book through the link (the request's `slug` is the link's page); the link is used up by this booking or by
    none (LinkUsed when another booking used it first)."""
    found = target(token, now=now, client=req.client)
    req = replace(req, slug=found.slug, one_time_link=found.link_id, fixed_duration=found.duration,
                  duration=found.duration or req.duration)
    return (teams.book_team if found.team else booking.book)(req, now=now)
