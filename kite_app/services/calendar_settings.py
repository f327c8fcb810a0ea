"""An agent's calendar settings ("Kite settings" → "Calendar Settings"): reading and saving them, and
what they publish (the booking link, the settings a booking page uses)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import TypedDict
from urllib.parse import unquote

from kite_app import config, routes
from kite_app.domain.accounts import Actor, Role
from kite_app.domain.calendar_settings import (
    CalendarSettings,
    SettingsForm,
    default_settings,
    longest_stretch,
    parse_settings,
    to_form,
)
from kite_app.domain.errors import NotFound, ValidationError
from kite_app.domain.meeting_links import LABELS as LINK_LABELS
from kite_app.domain.meeting_links import LinkSource
from kite_app.domain.teams import TeamRules, member_settings
from kite_app.domain.text import msg
from kite_app.domain.tokens import new_token, token_hash
from kite_app.persistence import calendars as q
from kite_app.persistence.accounts import UserView
from kite_app.persistence.db import transaction
from kite_app.persistence.models import CalendarSettingsRow, Meeting, Team, User
from kite_app.providers.calendar import all_providers, provider_for
from kite_app.providers.calendar.base import CalendarError, CalendarInfo
from kite_app.providers.calendar.caldav import PREFIX as CALDAV
from kite_app.providers.calendar.caldav import PartialListing
from kite_app.providers.calendar.microsoft import MicrosoftCalendarProvider
from kite_app.providers.calendar.microsoft_graph import GraphError
from kite_app.services import caldav_accounts, meeting_links, watches
from kite_app.services.accounts import bookable, signed_in_agent, slug_key

log = logging.getLogger(__name__)

AGENTS_ONLY = msg("Only agents have calendar settings.")


class SettingsView(TypedDict):
    form: SettingsForm  # the "Calendar Settings" form as it stands
    calendars: list[CalendarInfo]
    calendar_problems: list[str]  # what could not be listed or read, each said on its own
    calendar_sources: dict[str, str]  # calendar id -> where it is kept (a CalDAV server, Google Workspace)
    saved: bool
    booking_url: str
    feed_url: str
    warning: str  # what keeps guests from booking although the settings are saved ("" when nothing)
    link_options: list[dict[str, str]]  # the meeting links this agent may choose: {"value", "label"}


NO_WORKING_DAY = msg("No day has working hours, so guests cannot book with you yet. Switch on at least one day "
                     "(or add a date override with hours) and save again.")


def _calendars(agent_id: int, blocking: tuple[str, ...] = ()) -> tuple[list[CalendarInfo], list[str]]:
    """Every calendar the agent can choose, and what could not be listed or read (said, not hidden)."""
    found: list[CalendarInfo] = []
    problems: list[str] = []
    for provider in all_providers():
        try:
            found.extend(provider.list_calendars(agent_id))
            lost = provider.unreadable(agent_id, [c for c in blocking if provider_for(c) is provider])
        except PartialListing as exc:  # some CalDAV accounts answered, others did not
            found.extend(exc.found)
            problems.extend(_caldav_problem(agent_id, account_id, error) for account_id, error in exc.failed)
            continue
        except (CalendarError, KeyError) as exc:  # a remote calendar service; the built-in calendar still works
            log.warning("calendars of agent %s cannot be listed: %s", agent_id, exc)
            if isinstance(exc, GraphError):
                problems.append(msg("Your Microsoft 365 calendars cannot be listed right now. The built-in calendar "
                                    "still works; try again later or ask your admin to test the Microsoft 365 "
                                    "connection on Integrations."))
            else:
                problems.append(msg("Your Google Workspace calendars cannot be listed right now. The built-in "
                                    "calendar still works; try again later or ask your admin to test the Google "
                                    "connection."))
            continue
        if lost:
            problems.append(msg("Busy time of {calendars} cannot be read: the calendar is no longer shared with you "
                                "or was deleted. Untick it or have it shared again; until then guests cannot book "
                                "with you.", calendars=", ".join(_calendar_label(c) for c in lost)))
    return found, problems


def _sources(agent_id: int, calendars: list[CalendarInfo]) -> dict[str, str]:
    """Where each calendar that is not built in is kept, said beside its name (two accounts may both have a
    "Work" calendar)."""
    servers = {f"{CALDAV}{a['id']}:": f"{a['server']} · {a['username']}"
               for a in caldav_accounts.accounts_of_agent(agent_id)}
    out: dict[str, str] = {}
    for cal in calendars:
        if cal["id"].startswith(meeting_links.GOOGLE):
            out[cal["id"]] = "Google Workspace"
        elif cal["id"].startswith(meeting_links.MICROSOFT):  # meetings arrive as invitations in the writable one
            out[cal["id"]] = _invitations_from() if cal["writable"] else "Microsoft 365"
        elif cal["id"].startswith(CALDAV):
            out[cal["id"]] = next((label for prefix, label in servers.items() if cal["id"].startswith(prefix)), "")
    return out


def _invitations_from() -> str:
    provider = provider_for(meeting_links.MICROSOFT)
    return msg("Microsoft 365 · invitations from {mailbox}", mailbox=provider.mailbox) \
        if isinstance(provider, MicrosoftCalendarProvider) else "Microsoft 365"


def _calendar_label(cal_id: str) -> str:
    if cal_id.startswith(CALDAV):
        return unquote(cal_id.rstrip("/").rpartition("/")[2])
    return cal_id.partition(":")[2]


def _caldav_problem(agent_id: int, account_id: int, error: CalendarError) -> str:
    log.warning("CalDAV calendars of agent %s (account %s) cannot be listed: %s", agent_id, account_id, error)
    server = caldav_accounts.account_name(f"{CALDAV}{account_id}:" + next(
        (a["url"] for a in caldav_accounts.accounts_of_agent(agent_id) if a["id"] == account_id), ""))
    if error.reason == "unauthorized":
        return msg("The CalDAV server {server} refused the stored password. Click Reconnect and enter the password "
                   "again (a new app password, if you revoked the old one); until then guests cannot book with you.",
                   server=server)
    return msg("Your calendars on {server} cannot be listed right now (the server is unreachable or had an error). "
               "Guests can book from busy time read in the last 15 minutes; try again later.", server=server)


def _view(agent: User, row) -> SettingsView:
    saved = CalendarSettings.from_json(row.data) if row else None
    calendars, problems = _calendars(agent.id, saved.blocking_calendars if saved else ())
    if hint := _mailbox_zone_hint(agent, calendars):
        problems.append(hint)
    settings = saved or default_settings(calendars[0]["id"] if calendars else "")
    sources = meeting_links.policy().allowed(
        google_calendar=any(c["id"].startswith(meeting_links.GOOGLE) for c in calendars),
        microsoft_calendar=any(c["id"].startswith(meeting_links.MICROSOFT) for c in calendars))
    return SettingsView(
        form=to_form(settings),
        calendars=calendars,
        calendar_problems=problems,
        calendar_sources=_sources(agent.id, calendars),
        saved=row is not None,
        booking_url=routes.booking_url(config.settings.public_url, agent.slug) if row and agent.slug else "",
        feed_url=routes.feed_url(config.settings.public_url, row.feed_token) if row else "",
        warning=_warning(saved) if saved is not None else "",
        link_options=[{"value": str(s), "label": LINK_LABELS[s]}
                      for s in dict.fromkeys([*sources, LinkSource(settings.meeting_link)])],
    )


def _mailbox_zone_hint(agent: User, calendars: list[CalendarInfo]) -> str:
    """For an agent on Microsoft 365 whose Outlook mailbox keeps another time zone than their Kite profile: which
    one, so that working hours are read in the zone they mean."""
    if not any(c["id"].startswith(meeting_links.MICROSOFT) for c in calendars):
        return ""
    provider = provider_for(meeting_links.MICROSOFT)
    zone = provider.mailbox_zone(agent.id) if isinstance(provider, MicrosoftCalendarProvider) else ""
    if not zone or zone == agent.time_zone:
        return ""
    return msg("Your Outlook mailbox is set to the time zone {mailbox}, your Kite profile to {kite}: working hours "
               "are read in {kite}. If you work in {mailbox}, change the time zone in Profile.", mailbox=zone,
               kite=agent.time_zone)


def _warning(settings: CalendarSettings) -> str:
    """What saved settings keep guests from, said after saving: no working day at all, or duration options
    longer than any stretch of working time (guests will never be offered those)."""
    if not any(settings.weekly) and not any(settings.overrides.values()):
        return NO_WORKING_DAY
    longest = longest_stretch(settings)
    if too_long := [d for d in settings.durations if d > longest]:
        return msg("Guests will never be offered {durations} minutes: no stretch of your working hours is that long. "
                   "Use shorter duration options or longer hours.", durations=", ".join(map(str, too_long)))
    return ""


def _feed_address() -> tuple[str, str]:
    """A secret feed token and the hash it is looked up by."""
    token = new_token()
    return token, token_hash(token)


def new_feed_address(actor: Actor | None, *, now: datetime) -> SettingsView:
    """A new secret address for the agent's meetings feed; the old one stops working at once."""
    with transaction() as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        row = q.settings_row(s, agent.id)
        if row is None:
            raise NotFound(msg("Save your calendar settings to get a feed address."))
        (row.feed_token, row.feed_token_hash), row.updated_at = _feed_address(), now
        s.add(row)
    return _view(agent, row)


def view(actor: Actor | None) -> SettingsView:
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        row = q.settings_row(s, agent.id)
    return _view(agent, row)


def save(actor: Actor | None, form: SettingsForm, *, now: datetime) -> SettingsView:
    """Validate the whole form and save it, or change nothing and raise ValidationError."""
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
    calendars = _calendars(agent.id)[0]
    link_error = meeting_links.choice_error(form.meeting_link, destination=form.destination_calendar,
                                            video_url=agent.video_url, rules=meeting_links.policy())
    try:
        settings = parse_settings(form, calendars={c["id"] for c in calendars},
                                  writable={c["id"] for c in calendars if c["writable"]},
                                  link_sources=[s.value for s in LinkSource])
    except ValidationError as exc:
        raise ValidationError({**exc.errors, **({"meeting_link": link_error} if link_error else {})}) from None
    if link_error:
        raise ValidationError({"meeting_link": link_error})
    with transaction() as s:
        row = q.settings_row(s, agent.id)
        if row is None:
            token, digest = _feed_address()
            row = CalendarSettingsRow(agent_id=agent.id, data={}, feed_token=token, feed_token_hash=digest,
                                      updated_at=now)
        row.data, row.updated_at = settings.to_json(), now
        s.add(row)
    watches.ensure_watch(agent.id, settings.destination_calendar, now=now)
    return _view(agent, row)


def booking_link(agent: Mapping) -> str:
    """The agent's public booking address once their calendar settings are saved, else ""."""
    if agent.get("role") != Role.AGENT or not agent.get("slug") or published(agent["id"]) is None:
        return ""
    return routes.booking_url(config.settings.public_url, agent["slug"])


def published(agent_id: int) -> CalendarSettings | None:
    with transaction(read_only=True) as s:
        row = q.settings_row(s, agent_id)
        return CalendarSettings.from_json(row.data) if row else None


def published_agent(slug: str) -> tuple[UserView, CalendarSettings]:
    """The agent behind a booking link and their published settings, read together. NotFound for an
    unknown or deactivated agent, and for one who has not opened their calendar yet."""
    with transaction(read_only=True) as s:
        found = q.user_and_settings(s, slug_key(slug))
    agent = bookable(found[0] if found else None)  # unknown and deactivated agents look the same
    row = found[1] if found else None
    if row is None:
        raise NotFound(msg("This agent has not opened their calendar for booking yet."))
    return agent, CalendarSettings.from_json(row.data)


def meeting_settings(meeting: Meeting) -> CalendarSettings | None:
    """What a meeting's changes follow: its agent's published settings, with its team's rules for a meeting
    booked on a team's page. None when the agent closed their calendar."""
    own = published(meeting.agent_id)
    if own is None or meeting.team_id is None:
        return own
    with transaction(read_only=True) as s:
        team = s.get(Team, meeting.team_id)
    return member_settings(own, TeamRules.from_json(team.data)) if team is not None else own
