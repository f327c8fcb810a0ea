"""Accounts: the first admin, agents managed by admins, and each person's own profile."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kite_app import i18n
from kite_app.domain.accounts import (
    MAX_DESCRIPTION,
    MAX_PHOTO_BYTES,
    Actor,
    Role,
    name_error,
    normalize_email,
    password_error,
    photo_type,
    slugify,
    time_zone_error,
    unique_slug,
    validate_person,
)
from kite_app.domain.errors import NotFound, PermissionDenied, ValidationError
from kite_app.domain.meeting_links import personal_link_error
from kite_app.domain.text import msg
from kite_app.persistence import accounts as q
from kite_app.persistence.db import transaction
from kite_app.persistence.models import AgentPhoto, LocalCalendar, User
from kite_app.services import watches
from kite_app.services.passwords import hash_password

NO_BOOKING_PAGE = msg("There is no booking page at this address. Check the link you were given.")
DUPLICATE_EMAIL = msg("An account with this email already exists.")


def require_admin(actor: Actor | None) -> Actor:
    if actor is None:
        raise PermissionDenied(msg("Log in to continue."))
    if not actor.is_admin:
        raise PermissionDenied(msg("Only admins can do this."))
    return actor


def require_login(actor: Actor | None) -> Actor:
    if actor is None:
        raise PermissionDenied(msg("Log in to continue."))
    return actor


def signed_in_agent(s, actor: Actor | None, refusal: str) -> User:
    """The agent asking, read in session `s`; PermissionDenied with `refusal` for anyone else."""
    actor = require_login(actor)
    user = s.get(User, actor.user_id)
    if user is None or user.role != Role.AGENT:
        raise PermissionDenied(refusal)
    return user


def needs_setup() -> bool:
    """True while no admin exists: the app then offers "Create admin account"."""
    with transaction(read_only=True) as s:
        return q.count_role(s, Role.ADMIN) == 0


def create_first_admin(*, name: str, email: str, password: str, now: datetime) -> q.UserView:
    """Create the first admin. Refused for good once any admin exists."""
    name, email = name.strip(), normalize_email(email)
    validate_person(name=name, email=email, password=password)
    try:
        with transaction() as s:
            if q.count_role(s, Role.ADMIN) > 0:
                raise PermissionDenied(msg("The admin account already exists. Log in instead."))
            user = User(
                name=name, email=email, password_hash=hash_password(password), role=Role.ADMIN,
                created_at=now, updated_at=now,
            )
            s.add(user)
            s.flush()
            if q.count_role(s, Role.ADMIN) > 1:  # a concurrent first run won the race
                raise PermissionDenied(msg("The admin account already exists. Log in instead."))
            return q.to_view(user)
    except IntegrityError:
        raise ValidationError({"email": DUPLICATE_EMAIL}) from None


def list_agents(actor: Actor | None) -> list[q.UserView]:
    require_admin(actor)
    with transaction(read_only=True) as s:
        return [q.to_view(u) for u in q.users_with_role(s, Role.AGENT)]


def create_agent(
    actor: Actor | None, *, name: str, email: str, time_zone: str, password: str, now: datetime
) -> q.UserView:
    """An admin creates an agent; the booking slug is derived from the name and made unique."""
    require_admin(actor)
    name, email, time_zone = name.strip(), normalize_email(email), time_zone.strip()
    validate_person(name=name, email=email, time_zone=time_zone, password=password)
    password_hash = hash_password(password)
    for _attempt in range(3):  # a concurrent insert may take the slug between check and insert
        try:
            with transaction() as s:
                if q.user_by_email(s, email) is not None:
                    raise ValidationError({"email": DUPLICATE_EMAIL})
                slug = unique_slug(name, q.slugs_like(s, slugify(name)))
                agent = User(
                    name=name, email=email, password_hash=password_hash, role=Role.AGENT,
                    time_zone=time_zone, slug=slug, created_at=now, updated_at=now,
                )
                s.add(agent)
                s.flush()
                s.add(LocalCalendar(owner_id=agent.id, name="Busy times"))
                return q.to_view(agent)
        except IntegrityError:
            continue
    raise ValidationError({"email": DUPLICATE_EMAIL})


def _agent_for_admin(s, actor: Actor | None, agent_id: int) -> User:
    require_admin(actor)
    agent = s.get(User, agent_id)
    if agent is None or agent.role != Role.AGENT:
        raise NotFound(msg("This agent does not exist."))
    return agent


def set_agent_active(actor: Actor | None, agent_id: int, *, active: bool, now: datetime) -> q.UserView:
    """Deactivate (signs the agent out everywhere and hides the booking page) or reactivate."""
    with transaction() as s:
        agent = _agent_for_admin(s, actor, agent_id)
        agent.active = active
        agent.updated_at = now
        if not active:
            q.revoke_sessions_of(s, agent_id, now)
        s.add(agent)
        view = q.to_view(agent)
    if not active:
        watches.stop_unused(agent_id)  # no push channel outlives the agent's account
    return view


def reset_password(actor: Actor | None, agent_id: int, *, new_password: str, now: datetime) -> q.UserView:
    """An admin sets a new password for an agent; the agent's sessions end."""
    message = password_error(new_password)
    if message:
        raise ValidationError({"password": message})
    with transaction() as s:
        agent = _agent_for_admin(s, actor, agent_id)
        agent.password_hash = hash_password(new_password)
        agent.updated_at = now
        q.revoke_sessions_of(s, agent_id, now)
        s.add(agent)
        return q.to_view(agent)


def own_profile(actor: Actor | None) -> q.UserView:
    actor = require_login(actor)
    with transaction(read_only=True) as s:
        user = s.get(User, actor.user_id)
        if user is None:
            raise NotFound(msg("This account no longer exists."))
        return q.to_view(user)


def update_own_profile(actor: Actor | None, *, name: str, time_zone: str, now: datetime,
                       description: str | None = None, video_url: str | None = None,
                       language: str | None = None) -> q.UserView:
    """A person changes their own name, time zone, language (of their pages and mails) and (agents) the
    description on their booking page; the booking slug stays stable."""
    actor = require_login(actor)
    name, time_zone = name.strip(), time_zone.strip()
    errors = {}
    if message := name_error(name):
        errors["name"] = message
    if message := time_zone_error(time_zone):
        errors["time_zone"] = message
    if description is not None:
        description = " ".join(description.split())
        if len(description) > MAX_DESCRIPTION:
            errors["description"] = msg("Keep the description under {count} characters.", count=MAX_DESCRIPTION)
    if video_url is not None:
        video_url = video_url.strip()
        if message := personal_link_error(video_url):
            errors["video_url"] = message
    if language is not None and language not in i18n.LANGUAGES:
        errors["language"] = msg("Choose one of the offered languages.")
    if errors:
        raise ValidationError(errors)
    with transaction() as s:
        user = s.get(User, actor.user_id)
        if user is None:
            raise NotFound(msg("This account no longer exists."))
        user.name, user.time_zone, user.updated_at = name, time_zone, now
        if language is not None:
            user.language = language
        if description is not None:
            user.description = description
        if video_url is not None:
            user.video_url = video_url
        s.add(user)
        return q.to_view(user)


def set_photo(actor: Actor | None, data: bytes | None, *, now: datetime) -> q.UserView:
    """An agent's photo for their booking page (None removes it: their initials are shown)."""
    actor = require_login(actor)
    content_type = None
    if data is not None:
        if len(data) > MAX_PHOTO_BYTES:
            raise ValidationError({"photo": msg("Choose a photo under {count} MB.",
                                                count=MAX_PHOTO_BYTES // 1_000_000)})
        if (content_type := photo_type(data)) is None:
            raise ValidationError({"photo": msg("Choose a PNG, JPEG or WebP image.")})
    with transaction() as s:
        user = s.get(User, actor.user_id)
        if user is None:
            raise NotFound(msg("This account no longer exists."))
        if user.role != Role.AGENT:
            raise PermissionDenied(msg("Only agents have a booking page photo."))
        photo = s.get(AgentPhoto, user.id)
        if data is None or content_type is None:
            if photo is not None:
                s.delete(photo)
            user.photo_version = 0
        else:
            photo = photo or AgentPhoto(user_id=user.id, content_type=content_type, data=data)
            photo.content_type, photo.data = content_type, data
            s.add(photo)
            user.photo_version = max(user.photo_version + 1, int(now.timestamp()))
        user.updated_at = now
        s.add(user)
        return q.to_view(user)


def agent_photo(slug: str) -> tuple[str, bytes]:
    """The photo on an agent's booking page: (content type, bytes). Not found when they have none."""
    with transaction(read_only=True) as s:
        agent = public_agent(slug, session=s)
        photo = s.get(AgentPhoto, agent["id"])
        if photo is None:
            raise NotFound(msg("This agent has no photo."))
        return photo.content_type, photo.data


def public_agent(slug: str, *, session: Session | None = None) -> q.UserView:
    """The agent behind a booking link. Unknown and deactivated agents look the same: not found.
    Reads in `session` when given (a caller's transaction), else in a transaction of its own."""
    if session is None:
        with transaction(read_only=True) as s:
            return public_agent(slug, session=s)
    return bookable(q.user_by_slug(session, slug_key(slug)))


def slug_key(slug: str) -> str:
    """A booking link's slug as stored (links are case-insensitive, spaces around ignored)."""
    return (slug or "").strip().lower()


def bookable(user: User | None) -> q.UserView:
    """`user` as the agent of a booking page; unknown and deactivated agents look the same: not found."""
    if user is None or user.role != Role.AGENT or not user.active:
        raise NotFound(NO_BOOKING_PAGE)
    return q.to_view(user)


def user_row(user_id: int) -> User:
    """A user's row, for calendar providers asking who an agent is (their mailbox, their name). KeyError when
    there is none."""
    with transaction(read_only=True) as s:
        user = s.get(User, user_id)
    if user is None:
        raise KeyError(f"no user {user_id}")
    return user
