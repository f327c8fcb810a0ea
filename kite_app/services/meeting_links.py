"""Meeting links: what the admin allows (Integrations → Meeting links), which source an agent or team may
choose, and the link a new meeting gets."""

from __future__ import annotations

from datetime import datetime

from kite_app.domain.accounts import Actor
from kite_app.domain.errors import ValidationError
from kite_app.domain.meeting_links import (
    LinkPolicy,
    LinkSource,
    from_template,
    new_room_id,
    template_error,
)
from kite_app.domain.text import msg
from kite_app.persistence import app_settings
from kite_app.persistence.db import transaction
from kite_app.services.accounts import require_admin

KEY = "meeting_links"
GOOGLE = "google:"
MICROSOFT = "microsoft:"


def policy(session=None) -> LinkPolicy:
    """What the admin allows; before they say anything: agents' own links and Google Meet, no template."""
    if session is not None:
        return LinkPolicy.from_json(app_settings.get(session, KEY))
    with transaction(read_only=True) as s:
        return LinkPolicy.from_json(app_settings.get(s, KEY))


def policy_for(actor: Actor | None) -> LinkPolicy:
    """The admin's view of what is allowed."""
    require_admin(actor)
    return policy()


def save_policy(actor: Actor | None, *, template: str, allow_personal: bool, allow_google_meet: bool,
                now: datetime, allow_teams: bool = True) -> LinkPolicy:
    require_admin(actor)
    template = template.strip()
    if template and (message := template_error(template)):
        raise ValidationError({"template": message})
    new = LinkPolicy(template=template, allow_personal=allow_personal, allow_google_meet=allow_google_meet,
                     allow_teams=allow_teams)
    with transaction() as s:
        app_settings.put(s, KEY, new.to_json(), now)
    return new


def choice_error(source: str, *, destination: str, video_url: str, rules: LinkPolicy) -> str | None:
    """Why `source` cannot be an agent's (or a team's) meeting link, or None."""
    if source not in {s.value for s in LinkSource}:
        return msg("Choose one of the meeting links offered.")
    if source == LinkSource.GOOGLE_MEET:
        if not rules.allow_google_meet:
            return msg("Your admin does not offer Google Meet links.")
        if not destination.startswith(GOOGLE):
            return msg("Google Meet needs a Google calendar under “Add meetings to”.")
    if source == LinkSource.TEAMS:
        if not rules.allow_teams:
            return msg("Your admin does not offer Microsoft Teams links.")
        if not destination.startswith(MICROSOFT):
            return msg("Microsoft Teams needs your Outlook calendar under “Add meetings to”.")
    if source == LinkSource.TEMPLATE and not rules.template:
        return msg("Your admin has not set a meeting link template.")
    if source == LinkSource.PERSONAL:
        if not rules.allow_personal:
            return msg("Your admin does not allow agents' own video links.")
        if not video_url:
            return msg("Add your own video link in your Profile first.")
    return None


def for_new_meeting(session, source: str, *, destination: str, video_url: str) -> tuple[str, str]:
    """(meeting_url, conference) of a meeting being booked, the admin's rules read in `session` (not at all
    for a meeting without a link). A source no longer possible (the admin changed the rules since) gives no
    link rather than a wrong one."""
    if source == LinkSource.NONE:
        return "", ""
    rules = policy(session)
    if choice_error(source, destination=destination, video_url=video_url, rules=rules):
        return "", ""
    if source == LinkSource.TEMPLATE:
        return from_template(rules.template, new_room_id()), ""
    if source == LinkSource.PERSONAL:
        return video_url, ""
    if source in (LinkSource.GOOGLE_MEET, LinkSource.TEAMS):
        return "", "requested"  # the calendar's conference: its link once the event is written
    return "", ""
