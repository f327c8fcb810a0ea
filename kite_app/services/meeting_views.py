"""What a guest sees of a meeting: the view every guest page and the REST API show, the meeting behind a manage
link, its .ics file, and "My meetings"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TypedDict
from zoneinfo import ZoneInfo

from sqlmodel import Session

from kite_app import config, i18n, routes
from kite_app.domain import calendar_links, times
from kite_app.domain.accounts import normalize_email
from kite_app.domain.booking_form import answer_lines, as_text
from kite_app.domain.calendar_links import GuestEvent
from kite_app.domain.errors import ValidationError
from kite_app.domain.meeting import LIVE, MeetingStatus
from kite_app.domain.text import msg
from kite_app.persistence import meetings as q
from kite_app.persistence.db import must_get, transaction
from kite_app.persistence.models import Meeting, Team, User
from kite_app.providers.calendar.ics import Invite, invite
from kite_app.services import manage_links, ratelimit
from kite_app.services.accounts import public_agent

MAX_BROWSER_LINKS = 200  # manage links one browser may ask about at once ("My meetings")


class MeetingView(TypedDict):
    id: int  # the meeting's (a collective team meeting's: its first host's row)
    manage_token: str
    agent_name: str  # the host; for a collective team meeting, every host ("Ann Able and Ben Bright")
    agent_slug: str  # the (first) host's
    hosts: list[str]  # every host's slug
    page: str  # the booking page it was booked on: /book/<agent> or /team/<team>
    subject: str
    guest_name: str
    guest_email: str
    time_zone: str  # the guest's
    start: str  # ISO 8601 UTC
    end: str
    duration: int
    status: str
    date_label: str  # in the guest's zone: "Tuesday 1 December 2026"
    time_label: str  # "14:00–14:30 (Europe/Berlin)"
    past: bool
    meeting_url: str  # where it takes place; "" for none (or a Meet conference not ready yet)
    link_pending: bool  # a Google Meet conference is being set up: its link comes by mail
    language: str  # the guest's (kite_app/i18n.py): their pages, mails and notices
    team: str  # the slug of the team whose page it was booked on; "" for an agent's own page
    created_at: str  # ISO 8601 UTC: when it was booked
    updated_at: str  # when it last changed
    cancelled_by: str  # "guest" or "agent" once deleted (or declined); ""
    cancel_reason: str  # what they said
    answers: list[dict]  # the booking form's, as asked: {"id", "label", "type", "value", "private"}
    utm: dict[str, str]  # the campaign tags of the page it was booked from ({"source": "newsletter", ...})


def view(meeting: Meeting, agent: User, token: str, now: datetime, s: Session | None = None) -> MeetingView:
    """The meeting as the guest sees it. Given the session, a collective team meeting names every host and
    is "confirmed" once every host said yes."""
    zone = ZoneInfo(meeting.guest_time_zone)
    start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    locale = i18n.locale_of(meeting.guest_language, meeting.guest_locale_tag)  # the guest's conventions
    names, slugs, status = [agent.name], [agent.slug or ""], meeting.status
    team = s.get(Team, meeting.team_id) if s is not None and meeting.team_id is not None else None
    page = routes.team_path(team.slug) if team is not None else routes.booking_path(agent.slug or "")
    rows = q.group(s, meeting) if s is not None and team is not None else [meeting]
    if len(rows) > 1 and s is not None:
        hosts = [must_get(s, User, r.agent_id) for r in rows]
        names, slugs = [h.name for h in hosts], [h.slug or "" for h in hosts]
        if meeting.status == MeetingStatus.CONFIRMED and any(r.status != MeetingStatus.CONFIRMED for r in rows):
            status = MeetingStatus.PENDING
    return MeetingView(
        id=meeting.host_of or meeting.id, manage_token=token,
        agent_name=" and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1
        else names[0], agent_slug=slugs[0], hosts=slugs, page=page, subject=meeting.subject,
        guest_name=meeting.guest_name, guest_email=meeting.guest_email, time_zone=meeting.guest_time_zone,
        start=meeting.starts_at.astimezone(UTC).isoformat(), end=meeting.ends_at.astimezone(UTC).isoformat(),
        duration=meeting.duration_minutes, status=status,
        date_label=times.day(start, locale),
        time_label=f"{times.span(start, end, zone, locale)} ({meeting.guest_time_zone})",
        past=meeting.starts_at <= now,
        meeting_url=meeting.meeting_url if meeting.status in LIVE else "",
        link_pending=meeting.status in LIVE and meeting.conference in ("requested", "pending"),
        language=meeting.guest_language, team=team.slug if team is not None else "",
        created_at=meeting.created_at.astimezone(UTC).isoformat(),
        updated_at=meeting.updated_at.astimezone(UTC).isoformat(),
        cancelled_by=meeting.cancelled_by, cancel_reason=meeting.cancel_reason,
        answers=list(meeting.answers or []), utm=dict(meeting.utm or {}),
    )


# The meeting object of the API (guest and staff) and of webhook payloads; the guest API adds its manage link.
OBJECT_FIELDS = ("id", "agent_name", "agent_slug", "hosts", "team", "subject", "guest_name", "guest_email",
                 "time_zone", "start", "end", "duration", "status", "date_label", "time_label", "meeting_url",
                 "language", "created_at", "updated_at", "cancelled_by", "cancel_reason", "utm")


def meeting_object(view: MeetingView, *, for_guest: bool = False) -> dict:
    """The meeting object; `for_guest` leaves out the answers to questions marked private."""
    return {**{name: view[name] for name in OBJECT_FIELDS},  # type: ignore[literal-required]
            "answers": [{"id": a["id"], "label": a["label"], "value": a["value"]} for a in view["answers"]
                        if not (for_guest and a.get("private"))]}


def in_locale(view: MeetingView, locale: str) -> MeetingView:
    """`view` with its date and time written in the reader's `locale` (in the guest's zone, as always)."""
    zone = ZoneInfo(view["time_zone"])
    start, end = datetime.fromisoformat(view["start"]), datetime.fromisoformat(view["end"])
    return MeetingView(**{**view, "date_label": times.day(start.astimezone(zone), locale),
                          "time_label": f"{times.span(start, end, zone, locale)} ({view['time_zone']})"})


def view_of(meeting: Meeting, agent: User, now: datetime) -> MeetingView:
    """The meeting as the guest sees it (without a link: theirs are where they were sent)."""
    return view(meeting, agent, "", now)


def get_view(meeting_id: int, now: datetime) -> MeetingView:
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
        first = q.group(s, meeting)[0]
        return view(first, must_get(s, User, first.agent_id), "", now, s)


def get(token: str, *, now: datetime, client: str | None = None) -> MeetingView:
    with transaction(read_only=True) as s:
        meeting = manage_links.meeting_for(s, token, client=client, now=now)
        return view(meeting, must_get(s, User, meeting.agent_id), token, now, s)


def set_guest_language(token: str, language: str, *, now: datetime, client: str | None = None) -> MeetingView:
    """The guest changed the language of their pages: their mails and notices follow it from now on."""
    if language not in i18n.LANGUAGES:
        raise ValidationError({"language": msg("Choose one of the offered languages.")})
    with transaction() as s:
        meeting = manage_links.meeting_for(s, token, client=client, now=now)
        for row in q.group(s, meeting):
            row.guest_language = language
            s.add(row)
        return view(meeting, must_get(s, User, meeting.agent_id), token, now, s)


def calendar_file(token: str, *, now: datetime, client: str | None = None) -> str:
    """The meeting behind `token` as an .ics file for the guest's own calendar (the same UID as the invitations
    they were mailed, so a calendar holds it once)."""
    with transaction(read_only=True) as s:
        meeting = manage_links.meeting_for(s, token, client=client, now=now)
        agent = must_get(s, User, meeting.agent_id)
        tr = partial(i18n.say, meeting.guest_language)
        event = guest_event(view(meeting, agent, token, now, s))
        return invite(Invite(
            uid=meeting.uid, sequence=meeting.sequence, method="PUBLISH", summary=event.title,
            description=event.description, start=meeting.starts_at, end=meeting.ends_at, organizer_name=agent.name,
            organizer_email=agent.email, attendee_name=meeting.guest_name, attendee_email=meeting.guest_email,
            stamp=now, confirmed=meeting.status == MeetingStatus.CONFIRMED, cancelled=meeting.status not in LIVE,
            meeting_url=event.location, join_label=tr("Join the meeting")))


def guest_event(meeting: MeetingView) -> GuestEvent:
    """What the guest's own calendar gets for a meeting (with its manage link): the .ics file and the "Add to
    calendar" links carry the same title, description and place, in the guest's language."""
    tr = partial(i18n.say, meeting["language"])
    return calendar_links.guest_event(
        subject=meeting["subject"], agent_name=meeting["agent_name"], meeting_url=meeting["meeting_url"],
        manage_url=routes.manage_url(config.settings.public_url, meeting["manage_token"]), tr=tr,
        details=as_text(answer_lines(meeting["answers"], {}, tr, for_guest=True)))


def my_meetings(tokens: list[str], *, slug: str, verified_email: str | None, now: datetime,
                client: str | None = None) -> list[MeetingView]:
    """Upcoming live meetings with the agent behind `slug`: those whose links this browser holds, and,
    for a guest who logged in, every one booked with their email. Unknown links count as guesses."""
    agent_id = public_agent(slug)["id"]
    return browser_meetings(tokens, lambda m: m.agent_id == agent_id,
                            lambda s, email: q.live_for_guest(s, email, now, agent_id=agent_id),
                            verified_email=verified_email, now=now, client=client)


def browser_meetings(tokens: list[str], belongs: Callable[[Meeting], bool],
                     by_email: Callable[[Session, str], list[Meeting]], *, verified_email: str | None,
                     now: datetime, client: str | None) -> list[MeetingView]:
    """The upcoming live meetings of a booking page (`belongs`) that this browser's links open, and those
    `by_email` finds for a guest who logged in (each with a new link of its own, so they can change or delete
    it here: the browser may be one that cannot keep their links, like a widget on another site)."""
    tokens = [t for t in dict.fromkeys(tokens) if t][:MAX_BROWSER_LINKS]
    if tokens:
        ratelimit.looking_up_secret(client, now=now.timestamp())
    with transaction(read_only=not verified_email) as s:
        meetings = {t: q.by_token(s, t) for t in tokens}
        for _ in range(sum(m is None for m in meetings.values())):
            ratelimit.unknown_secret(client, now=now.timestamp())
        found = {m.id: (m, t) for t, m in meetings.items() if m is not None
                 and belongs(m) and m.status in LIVE and m.ends_at > now}
        if verified_email:
            for m in by_email(s, normalize_email(verified_email)):
                if m.id not in found:
                    found[m.id] = (m, q.new_link(s, m.id, now))
        return [view(m, must_get(s, User, m.agent_id), t, now, s)
                for m, t in sorted(found.values(), key=lambda mt: mt[0].starts_at)]
