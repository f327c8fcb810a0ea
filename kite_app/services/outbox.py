"""The outbox as admins see it: every mail, sent or waiting."""

from __future__ import annotations

from typing import TypedDict

from kite_app.domain.accounts import Actor
from kite_app.domain.text import msg
from kite_app.persistence import outbox as outbox_rows
from kite_app.persistence.db import transaction
from kite_app.services.accounts import require_admin


class MailRow(TypedDict):
    id: int
    kind: str
    to: str
    subject: str
    created: str
    state: str
    body: str


def recent(actor: Actor | None, *, limit: int = 200) -> list[MailRow]:
    require_admin(actor)
    with transaction(read_only=True) as s:
        rows = outbox_rows.newest(s, limit)
    out = []
    for m in rows:
        if m.sent_at:
            state = msg("Sent {time} UTC", time=f"{m.sent_at:%Y-%m-%d %H:%M}")
        elif m.attempts:
            state = msg("Waiting: {count} failed attempt(s), last error: {error}", count=m.attempts,
                        error=m.last_error)
        else:
            state = msg("Waiting")
        out.append(MailRow(id=m.id, kind=m.kind, to=m.to_email, subject=m.subject,
                           created=f"{m.created_at:%Y-%m-%d %H:%M} UTC", state=state, body=m.body_text))
    return out
