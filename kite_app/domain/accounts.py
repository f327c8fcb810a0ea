"""Rules for people's accounts: names, emails, passwords, time zones and booking slugs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from kite_app.domain.errors import ValidationError
from kite_app.domain.text import msg

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254
MAX_SLUG_LENGTH = 60

# Deliberately plain: one "@", a local part without spaces, a domain with at least one dot.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL_RE = re.compile(rf"^[^@\s\x00-\x1f]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"


@dataclass(frozen=True)
class Actor:
    """Who is asking: the signed-in user as services see them."""

    user_id: int
    role: Role
    name: str = ""
    time_zone: str = "UTC"
    language: str = "en"  # of their pages and mails

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def normalize_email(raw: str) -> str:
    return (raw or "").strip().lower()


def email_error(email: str) -> str | None:
    """The message for an invalid (already normalized) email, or None when it is fine."""
    if not email:
        return msg("Enter an email address.")
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL_RE.match(email):
        return msg("Enter a valid email address, like name@example.com.")
    return None


def name_error(name: str) -> str | None:
    if not name:
        return msg("Enter a name.")
    if len(name) > MAX_NAME_LENGTH:
        return msg("Use at most {count} characters for the name.", count=MAX_NAME_LENGTH)
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return msg("The name cannot contain control characters.")
    return None


def password_error(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return msg("Use a password of at least {count} characters.", count=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return msg("Use a password of at most {count} characters.", count=MAX_PASSWORD_LENGTH)
    return None


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name a person may choose, sorted."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def time_zone_error(tz: str) -> str | None:
    if tz not in set(time_zones()):
        return msg("Choose a time zone from the list.")
    ZoneInfo(tz)
    return None


def validate_person(*, name: str, email: str, time_zone: str | None = None, password: str | None = None) -> None:
    """Raise ValidationError with a message per invalid field."""
    errors: dict[str, str] = {}
    for field, message in (
        ("name", name_error(name)),
        ("email", email_error(email)),
        ("time_zone", time_zone_error(time_zone) if time_zone is not None else None),
        ("password", password_error(password) if password is not None else None),
    ):
        if message:
            errors[field] = message
    if errors:
        raise ValidationError(errors)


def slugify(text: str) -> str:
    """A URL-safe lowercase slug from a name: "Zoë O'Brien" -> "zoe-obrien"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = ascii_text.replace("'", "").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:MAX_SLUG_LENGTH].strip("-") or "agent"


def unique_slug(name: str, taken: Collection[str]) -> str:
    """The slug for `name`, with -2, -3, ... appended until it is not in `taken`."""
    base = slugify(name)
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


MAX_DESCRIPTION = 300
MAX_PHOTO_BYTES = 2_000_000


def photo_type(data: bytes) -> str | None:
    """The image type of a photo by its first bytes (PNG, JPEG, WebP), None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def initials(name: str) -> str:
    """"Ann Able" → "AA", "Support" → "S": what a booking page shows without a photo."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    return "".join(w[0] for w in (words[:1] + words[1:][-1:])).upper() or "?"
