"""Queries on conversations and their messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from kite_app.domain.meeting import LIVE
from kite_app.persistence.models import Conversation, Meeting, Message


def of_agent(session: Session, agent_id: int) -> list[Conversation]:
    return list(session.exec(select(Conversation).where(Conversation.agent_id == agent_id)
                             .order_by(col(Conversation.last_activity_at).desc(), col(Conversation.id).desc())))


def unread_for_agent(session: Session, agent_id: int) -> dict[int, int]:
    """Messages the agent has not seen, by conversation: the guest's and notices of what others did."""
    rows = session.exec(
        select(col(Message.conversation_id), func.count())
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(Conversation.agent_id == agent_id, Message.caused_by != "agent",
               col(Message.id) > col(Conversation.agent_read_id))
        .group_by(col(Message.conversation_id))
    ).all()
    return dict(rows)


def last_messages(session: Session, agent_id: int) -> dict[int, Message]:
    """The latest message of each of the agent's conversations."""
    latest = (select(func.max(col(Message.id))).join(Conversation, col(Conversation.id) == col(Message.conversation_id))
              .where(Conversation.agent_id == agent_id).group_by(col(Message.conversation_id)))
    rows = session.exec(select(Message).where(col(Message.id).in_(latest))).all()
    return {m.conversation_id: m for m in rows}


def messages(session: Session, conversation_id: int, limit: int = 500) -> list[Message]:
    rows = session.exec(select(Message).where(Message.conversation_id == conversation_id)
                        .order_by(col(Message.id).desc()).limit(limit)).all()
    return list(reversed(rows))


def last_message_id(session: Session, conversation_id: int) -> int:
    return session.exec(select(func.max(col(Message.id))).where(Message.conversation_id == conversation_id)).one() or 0


def agent_activity(session: Session, agent_id: int) -> tuple[int, datetime | None]:
    """The newest message id in any of the agent's conversations (tells the Inbox to refresh)."""
    newest = session.exec(select(func.max(col(Message.id)))
                          .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
                          .where(Conversation.agent_id == agent_id)).one()
    return newest or 0, None


def conversation_meetings(session: Session, conv: Conversation, since: datetime) -> list[Meeting]:
    return list(session.exec(select(Meeting).where(Meeting.agent_id == conv.agent_id,
                                                   Meeting.guest_email == conv.guest_email,
                                                   col(Meeting.status).in_(LIVE),
                                                   Meeting.ends_at > since).order_by(col(Meeting.starts_at))))


def _opening(dialect_insert):
    table = SQLModel.metadata.tables[Conversation.__tablename__]
    new = dialect_insert(table).values(
        agent_id=bindparam("agent_id"), guest_email=bindparam("guest_email"), guest_name=bindparam("guest_name"),
        guest_time_zone=bindparam("guest_time_zone"), created_at=bindparam("now"), last_activity_at=bindparam("now"))
    return new.on_conflict_do_update(
        index_elements=["agent_id", "guest_email"],  # uq_conversations_agent_guest
        set_={"guest_name": new.excluded.guest_name, "guest_time_zone": new.excluded.guest_time_zone,
              "last_activity_at": new.excluded.last_activity_at},
    ).returning(table.c.id)


# Both speak INSERT … ON CONFLICT … DO UPDATE … RETURNING; built once: every booking asks it
_OPEN = {"sqlite": _opening(sqlite.insert), "postgresql": _opening(postgresql.insert)}


def open_conversation(session: Session, *, agent_id: int, guest_email: str, guest_name: str, guest_time_zone: str,
                      now: datetime) -> int:
    """The id of the one conversation of the guest and the agent, opened now if they have none; its guest's
    name and time zone and its last activity brought up to date. One statement, which also holds when two
    transactions open it at once."""
    params = {"agent_id": agent_id, "guest_email": guest_email, "guest_name": guest_name,
              "guest_time_zone": guest_time_zone, "now": now}
    return session.execute(_OPEN[session.get_bind().dialect.name], params).scalar_one()


def of_guest(session: Session, agent_id: int, guest_email: str) -> Conversation | None:
    """The one conversation of a guest (by email) and an agent."""
    return session.exec(select(Conversation).where(Conversation.agent_id == agent_id,
                                                   Conversation.guest_email == guest_email)).first()
