"""Where a meeting takes place: a video link, from one of the sources an admin allows.

- "google_meet": a Google Meet conference on the agent's Google calendar event (the link arrives once
  Google has the conference ready);
- "microsoft_teams": a Teams meeting on the agent's Microsoft 365 event (its join link);
- "template": the admin's template with a random room id per meeting,
  e.g. https://meet.example.com/kite-{id} → https://meet.example.com/kite-4f7k2q9x3m8z1c5v;
- "personal": the agent's own fixed video room (their profile);
- "none".
The link is chosen when the meeting is booked and stays the same through every change.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from kite_app.domain.text import msg

PLACEHOLDER = "{id}"
MAX_LINK = 500
ROOM_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes (l, o, 0, 1)


class LinkSource(StrEnum):
    NONE = "none"
    GOOGLE_MEET = "google_meet"
    TEAMS = "microsoft_teams"
    TEMPLATE = "template"
    PERSONAL = "personal"


LABELS = {LinkSource.NONE: msg("No meeting link"), LinkSource.GOOGLE_MEET: msg("Google Meet (on my Google calendar)"),
          LinkSource.TEAMS: msg("Microsoft Teams (on my Outlook calendar)"),
          LinkSource.TEMPLATE: msg("A new video room for each meeting"), LinkSource.PERSONAL: msg("My own video link")}


@dataclass(frozen=True)
class LinkPolicy:
    """What the admin allows (Integrations → Meeting links)."""

    template: str = ""  # "" when no template is offered
    allow_personal: bool = True
    allow_google_meet: bool = True
    allow_teams: bool = True

    def to_json(self) -> dict:
        return {"template": self.template, "allow_personal": self.allow_personal,
                "allow_google_meet": self.allow_google_meet, "allow_teams": self.allow_teams}

    @classmethod
    def from_json(cls, data: dict | None) -> LinkPolicy:
        data = data or {}
        return cls(template=str(data.get("template", "")), allow_personal=bool(data.get("allow_personal", True)),
                   allow_google_meet=bool(data.get("allow_google_meet", True)),
                   allow_teams=bool(data.get("allow_teams", True)))

    def allowed(self, *, google_calendar: bool, microsoft_calendar: bool = False) -> list[LinkSource]:
        """The sources an agent may choose: Google Meet only with a Google calendar for their meetings, Teams only
        with a Microsoft 365 one."""
        out = [LinkSource.NONE]
        if self.allow_google_meet and google_calendar:
            out.append(LinkSource.GOOGLE_MEET)
        if self.allow_teams and microsoft_calendar:
            out.append(LinkSource.TEAMS)
        if self.template:
            out.append(LinkSource.TEMPLATE)
        if self.allow_personal:
            out.append(LinkSource.PERSONAL)
        return out


def _url_error(url: str) -> str | None:
    if len(url) > MAX_LINK:
        return msg("Keep the link under {count} characters.", count=MAX_LINK)
    if any(c.isspace() for c in url):
        return msg("A link has no spaces.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return msg("Start the link with https:// (or http://).")
    if not parts.hostname or "." not in parts.hostname and parts.hostname != "localhost":
        return msg("Put the video service's address after https://, like https://meet.example.com/…")
    return None


def template_error(template: str) -> str | None:
    """Why a link template cannot be used, or None. It must be an http(s) address with {id} where each
    meeting's room id goes, and no other placeholder."""
    if unknown := [p for p in re.findall(r"\{[^{}]*\}", template) if p != PLACEHOLDER]:
        return msg("Unknown placeholder {unknown}: the template may only use {placeholder}.",
                   unknown=unknown[0], placeholder=PLACEHOLDER)
    if "{" in template.replace(PLACEHOLDER, "") or "}" in template.replace(PLACEHOLDER, ""):
        return msg("Write the placeholder as {placeholder}.", placeholder=PLACEHOLDER)
    if PLACEHOLDER not in template:
        return msg("Put {placeholder} where each meeting's room id goes, like https://meet.example.com/kite-{placeholder}.",
                   placeholder=PLACEHOLDER)
    return _url_error(template.replace(PLACEHOLDER, "room"))


def personal_link_error(url: str) -> str | None:
    """Why an agent's own video link cannot be used, or None ("" is no link)."""
    if not url:
        return None
    if "{" in url or "}" in url:
        return msg("Your own link is fixed: it has no placeholder.")
    return _url_error(url)


def new_room_id() -> str:
    """16 characters from a 32-letter alphabet: 80 random bits, not guessable from other meetings' rooms."""
    return "".join(secrets.choice(ROOM_ALPHABET) for _ in range(16))


def from_template(template: str, room_id: str) -> str:
    return template.replace(PLACEHOLDER, room_id)
