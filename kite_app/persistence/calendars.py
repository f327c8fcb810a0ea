"""Queries on built-in calendars, busy blocks, calendar settings and meetings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, exists, insert, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from kite_app.persistence.models import BusyBlock, CalendarSettingsRow, LocalCalendar, Meeting, User


def calendars_of(session: Session, owner_id: int) -> list[LocalCalendar]:
    query = select(LocalCalendar).where(LocalCalendar.owner_id == owner_id).order_by(col(LocalCalendar.id))
    return list(session.exec(query))


def calendar_of(session: Session, owner_id: int, calendar_id: int, *, lock: bool = False) -> LocalCalendar | None:
    """The calendar if `owner_id` owns it; `lock` holds its row until the transaction ends (PostgreSQL),
    so writers of one calendar take turns."""
    cal = session.get(LocalCalendar, calendar_id, with_for_update=lock)
    return cal if cal is not None and cal.owner_id == owner_id else None


# A block in a calendar only if its owner is `owner_id`, in one statement (the id back; no row: not theirs)
_BLOCKS_TABLE = SQLModel.metadata.tables[BusyBlock.__tablename__]  # the table itself: a plain INSERT, not ORM's
_BLOCKS = _BLOCKS_TABLE.c
_NEW_BLOCK = insert(_BLOCKS_TABLE).from_select(
    ["calendar_id", "title", "starts_at", "ends_at", "uid", "status"],
    core_select(col(LocalCalendar.id), *(bindparam(name, type_=_BLOCKS[name].type)
                                        for name in ("title", "starts_at", "ends_at", "uid", "status")))
    .where(col(LocalCalendar.id) == bindparam("calendar_id"), col(LocalCalendar.owner_id) == bindparam("owner_id")),
).returning(_BLOCKS.id)


def new_block(session: Session, owner_id: int, calendar_id: int, *, title: str, start: datetime, end: datetime,
              uid: str, status: str) -> int | None:
    """A new busy block in the calendar if `owner_id` owns it: its id, or None (not theirs, or gone). For a
    block no other writer can know of yet (a UID just made); it stays out of the session's objects."""
    params = {"owner_id": owner_id, "calendar_id": calendar_id, "title": title, "starts_at": start,
              "ends_at": end, "uid": uid, "status": status}
    return session.execute(_NEW_BLOCK, params).scalar_one_or_none()


# The hot queries (every slot query and every booking asks them) are built once, with their values as
# parameters: building a statement costs more than SQLite takes to answer it.
_BUSY = (
    select(BusyBlock.starts_at, BusyBlock.ends_at)
    .join(LocalCalendar, col(LocalCalendar.id) == col(BusyBlock.calendar_id))
    .where(LocalCalendar.owner_id == bindparam("owner_id"))
    .where(col(BusyBlock.calendar_id).in_(bindparam("calendar_ids", expanding=True)),
           BusyBlock.starts_at < bindparam("end"), BusyBlock.ends_at > bindparam("start"))
    # a meeting's own event is not busy time of the calendar: meetings are counted from their table
    .where(or_(col(BusyBlock.uid).is_(None), ~exists().where(col(Meeting.uid) == col(BusyBlock.uid))))
    .order_by(col(BusyBlock.starts_at))
)


def busy_rows(session: Session, owner_id: int, calendar_ids: list[int], start: datetime,
              end: datetime) -> list[tuple[datetime, datetime]]:
    """Busy blocks overlapping [start, end) of those of the calendars that `owner_id` owns, sorted by start."""
    if not calendar_ids:
        return []
    params = {"owner_id": owner_id, "calendar_ids": calendar_ids, "start": start, "end": end}
    return list(session.exec(_BUSY, params=params).all())


def blocks_of(session: Session, calendar_ids: list[int], since: datetime, limit: int) -> list[BusyBlock]:
    if not calendar_ids:
        return []
    return list(
        session.exec(
            select(BusyBlock).where(col(BusyBlock.calendar_id).in_(calendar_ids), BusyBlock.ends_at > since)
            .order_by(col(BusyBlock.starts_at)).limit(limit)
        )
    )


def clear_calendar(session: Session, calendar_id: int) -> None:
    session.exec(delete(BusyBlock).where(col(BusyBlock.calendar_id) == calendar_id))


_USER_AND_SETTINGS = select(User, CalendarSettingsRow).outerjoin(
    CalendarSettingsRow, col(CalendarSettingsRow.agent_id) == User.id).where(User.slug == bindparam("slug"))


def user_and_settings(session: Session, slug: str) -> tuple[User, CalendarSettingsRow | None] | None:
    """The user behind `slug` and their calendar settings (None when never saved), in one query."""
    row = session.exec(_USER_AND_SETTINGS, params={"slug": slug}).first()
    return (row[0], row[1]) if row is not None else None


def settings_row(session: Session, agent_id: int) -> CalendarSettingsRow | None:
    return session.exec(select(CalendarSettingsRow).where(CalendarSettingsRow.agent_id == agent_id)).first()


def settings_by_feed(session: Session, feed_hash: str) -> CalendarSettingsRow | None:
    return session.exec(select(CalendarSettingsRow).where(CalendarSettingsRow.feed_token_hash == feed_hash)).first()


def meetings_since(session: Session, agent_id: int, since: datetime) -> list[Meeting]:
    return list(
        session.exec(select(Meeting).where(Meeting.agent_id == agent_id,
                                           Meeting.ends_at > since).order_by(col(Meeting.starts_at)))
    )


def meeting_statuses(session: Session, agent_id: int, uids: list[str]) -> dict[str, str]:
    """The status of each of the agent's meetings among `uids` (events in a calendar that stand for meetings)."""
    if not uids:
        return {}
    rows = session.exec(select(Meeting.uid, Meeting.status).where(Meeting.agent_id == agent_id,
                                                                  col(Meeting.uid).in_(uids))).all()
    return dict(rows)
