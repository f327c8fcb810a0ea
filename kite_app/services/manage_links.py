"""The meeting behind a guest's manage link. The link is a secret: it is looked up by its hash, and a
client that tried too many unknown links is refused for a while (KITE_TOKEN_MISSES_PER_10_MINUTES)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from kite_app.domain.errors import NotFound
from kite_app.domain.text import msg
from kite_app.persistence import meetings as q
from kite_app.persistence.models import Meeting
from kite_app.services import ratelimit

NOT_VALID = msg("This meeting link is not valid. Check the link in your confirmation.")


def meeting_for(s: Session, token: str, *, client: str | None, now: datetime) -> Meeting:
    ratelimit.looking_up_secret(client, now=now.timestamp())
    meeting = q.by_token(s, token)
    if meeting is None:
        ratelimit.unknown_secret(client, now=now.timestamp())
        raise NotFound(NOT_VALID)
    return meeting
