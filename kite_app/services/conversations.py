"""Conversations between a guest and an agent: messages both ways and notices of every change.

Agents reach theirs from the Inbox; guests through any of their meetings' manage links.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TypedDict
from zoneinfo import ZoneInfo

from kite_app import i18n
from kite_app.domain.accounts import Actor
from kite_app.domain.booking_form import answer_lines
from kite_app.domain.errors import NotFound, ValidationError
from kite_app.domain.meeting import LIVE, MeetingStatus
from kite_app.domain.notices import render
from kite_app.domain.text import msg
from kite_app.domain.times import short_moment, when
from kite_app.persistence import conversations as q
from kite_app.persistence import meetings as meeting_rows
from kite_app.persistence import teams as team_rows
from kite_app.persistence.db import must_get, transaction
from kite_app.persistence.models import Conversation, Meeting, Message, User
from kite_app.services import manage_links
from kite_app.services.accounts import signed_in_agent

MAX_MESSAGE = 4000

AGENTS_ONLY = msg("Only agents have an inbox.")


class ConversationSummary(TypedDict):
    id: int
    guest_name: str
    guest_email: str
    last_activity: str
    unread: int
    preview: str  # the last message's first words, as the agent reads it


PREVIEW_CHARS = 60


def _preview(message: Message | None, zone: str, language: str, tag: str) -> str:
    if message is None:
        return ""
    tr, locale = i18n.reader(language, tag)
    text = " ".join((render(message.notice, zone, tr, locale, "agent") if message.notice else message.body).split())
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1].rstrip() + "…"


class MessageView(TypedDict):
    id: int
    author: str  # guest, agent, system
    who: str
    text: str
    at: str
    mine: bool


class MeetingCard(TypedDict):
    id: int
    guest_name: str  # "" where the guest is obvious (inside their conversation)
    guest_email: str
    subject: str
    when: str
    status: str
    duration: int
    start: str
    team: str  # the team's name for a meeting booked on a team's page, else ""
    reassign_to: list[dict[str, str]]  # round robin: the members it could go to ({"id", "name"})
    past: bool  # it has started: nothing to do with it any more
    meeting_url: str  # where it takes place ("" for none)
    can_confirm: bool  # this host has not said yes yet
    waiting_for: str  # a meeting with several hosts, not yet confirmed by all: who has not said yes ("Grace Hopper")
    details: list[dict[str, str]]  # the booking form's answers and the campaign tags: {"label", "value"}


def meeting_cards(s, meetings: list[Meeting], zone: str, *, with_guest: bool, now: datetime, locale: str = "",
                  language: str = i18n.DEFAULT) -> list[MeetingCard]:
    """Cards of `meetings` for an agent in `zone`, reading `language` with `locale`'s conventions (the guest named
    when `with_guest`). A meeting with several hosts is "confirmed" once every host said yes, as the guest sees
    it; until then it names who has not."""
    tr = partial(i18n.say, language)
    teams = team_rows.card_teams(s, meetings)
    answers = team_rows.hosts_answers(s, meetings)
    cards = []
    for m in meetings:
        waiting = [name for name, status in answers.get(m.id, []) if status == MeetingStatus.PENDING]
        cards.append(MeetingCard(
            id=m.id, guest_name=m.guest_name if with_guest else "", guest_email=m.guest_email if with_guest else "",
            subject=m.subject, when=when(m.starts_at.isoformat(), m.ends_at.isoformat(), zone, locale),
            status=MeetingStatus.PENDING if waiting and m.status in LIVE else m.status,
            duration=m.duration_minutes, start=m.starts_at.isoformat(), team=teams.get(m.id, ("", []))[0],
            reassign_to=teams.get(m.id, ("", []))[1], past=m.starts_at <= now, meeting_url=m.meeting_url,
            can_confirm=m.status == MeetingStatus.PENDING, waiting_for=", ".join(waiting) if m.status in LIVE else "",
            details=[{"label": label, "value": value}
                     for label, value in answer_lines(m.answers or [], m.utm or {}, tr, for_guest=False)]))
    return cards


class ConversationView(TypedDict):
    id: int
    title: str
    messages: list[MessageView]
    meetings: list[MeetingCard]
    last_id: int


def _label(moment: datetime, zone: str, locale: str = "") -> str:
    return short_moment(moment, ZoneInfo(zone), locale=locale)


def _messages(s, conv: Conversation, agent: User, reader: str, zone: str, language: str = i18n.DEFAULT,
              tag: str = "", keep: Callable[[Message], bool] = lambda m: True) -> list[MessageView]:
    """The conversation as `reader` ("guest" or "agent") reads it: notices in their zone, `language` and
    conventions (their browser's language `tag`)."""
    tr, locale = i18n.reader(language, tag)
    out = []
    for m in q.messages(s, conv.id):
        if m.notice and m.notice.get("agent_only") and reader != "agent" or not keep(m):
            continue
        text = render(m.notice, zone, tr, locale, reader) if m.notice else m.body
        who = {"guest": conv.guest_name, "agent": agent.name, "system": "Kite"}[m.author]
        out.append(MessageView(id=m.id, author=m.author, who=who, text=text, at=_label(m.created_at, zone, locale),
                               mine=m.author == reader))
    return out


def _cards(s, conv: Conversation, agent: User, now: datetime) -> list[MeetingCard]:
    return meeting_cards(s, list(q.conversation_meetings(s, conv, now)), agent.time_zone, with_guest=False, now=now,
                         locale=i18n.locale_of(agent.language, agent.locale_tag), language=agent.language)


def inbox(actor: Actor | None) -> list[ConversationSummary]:
    """The agent's conversations, newest activity first, with unread counts."""
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        unread = q.unread_for_agent(s, agent.id)
        last = q.last_messages(s, agent.id)
        return [ConversationSummary(id=c.id, guest_name=c.guest_name, guest_email=c.guest_email,
                                    last_activity=_label(c.last_activity_at, agent.time_zone,
                                                         i18n.locale_of(agent.language, agent.locale_tag)),
                                    unread=unread.get(c.id, 0),
                                    preview=_preview(last.get(c.id), agent.time_zone, agent.language, agent.locale_tag))
                for c in q.of_agent(s, agent.id)]


def inbox_version(actor: Actor | None) -> int:
    """Changes whenever any of the agent's conversations gets a message: cheap to poll."""
    with transaction(read_only=True) as s:
        return q.agent_activity(s, signed_in_agent(s, actor, AGENTS_ONLY).id)[0]


def open_for_agent(actor: Actor | None, conversation_id: int, *, now: datetime) -> ConversationView:
    """Read a conversation (marks it read); times in the agent's zone."""
    with transaction() as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        conv = s.get(Conversation, conversation_id)
        if conv is None or conv.agent_id != agent.id:
            raise NotFound(msg("This conversation does not exist."))
        conv.agent_read_id = q.last_message_id(s, conv.id)
        s.add(conv)
        return ConversationView(id=conv.id, title=f"{conv.guest_name} <{conv.guest_email}>",
                                messages=_messages(s, conv, agent, "agent", agent.time_zone,
                                                   agent.language or i18n.DEFAULT, agent.locale_tag),
                                meetings=_cards(s, conv, agent, now), last_id=q.last_message_id(s, conv.id))


def _guest_conversations(s, token: str, client: str | None, now: datetime
                         ) -> tuple[list[tuple[Conversation, User]], Meeting]:
    """The guest's conversation with the meeting's host, reached through a meeting's manage link; for a
    collective team meeting, with each host (the first host's first)."""
    meeting = manage_links.meeting_for(s, token, client=client, now=now)
    found = []
    for row in meeting_rows.group(s, meeting):
        conv = q.of_guest(s, row.agent_id, meeting.guest_email)
        if conv is not None:
            found.append((conv, must_get(s, User, row.agent_id)))
    if not found:
        raise NotFound(msg("This conversation does not exist."))
    return found, meeting


def open_for_guest(token: str, *, now: datetime, client: str | None = None) -> ConversationView:
    """The guest's conversation with the agent, reached through a meeting's manage link. With several hosts
    (a collective team meeting) it is one conversation with all of them: the first host's, with the other
    hosts' messages and their answers."""
    with transaction() as s:
        convs, meeting = _guest_conversations(s, token, client, now)
        zone, language, tag = meeting.guest_time_zone, meeting.guest_language, meeting.guest_locale_tag
        first, first_host = convs[0]
        messages = _messages(s, first, first_host, "guest", zone, language, tag)
        for conv, host in convs[1:]:  # the other hosts: what they wrote, and their Yes
            messages += _messages(s, conv, host, "guest", zone, language, tag, keep=lambda m: m.author == "agent" or (
                m.notice or {}).get("kind") == "confirmed")
        for conv, _host in convs:
            conv.guest_read_id = q.last_message_id(s, conv.id)
            s.add(conv)
        names = [host.name for _c, host in convs]
        title = " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
        return ConversationView(id=first.id, title=f"Conversation with {title}",
                                messages=sorted(messages, key=lambda m: m["id"]), meetings=[],
                                last_id=max(q.last_message_id(s, conv.id) for conv, _h in convs))


def last_id_for_guest(token: str, *, now: datetime, client: str | None = None) -> int:
    with transaction(read_only=True) as s:
        convs, _meeting = _guest_conversations(s, token, client, now)
        return max(q.last_message_id(s, conv.id) for conv, _h in convs)


def last_id_for_agent(actor: Actor | None, conversation_id: int) -> int:
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        conv = s.get(Conversation, conversation_id)
        if conv is None or conv.agent_id != agent.id:
            raise NotFound(msg("This conversation does not exist."))
        return q.last_message_id(s, conv.id)


def _post(s, conv: Conversation, author: str, body: str, now: datetime) -> None:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"message": msg("Write a message first.")})
    if len(body) > MAX_MESSAGE:
        raise ValidationError({"message": msg("Use at most {count} characters.", count=MAX_MESSAGE)})
    body = "".join(ch for ch in body if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    message = Message(conversation_id=conv.id, author=author, caused_by=author, body=body, created_at=now)
    s.add(message)
    s.flush()
    conv.last_activity_at = now
    if author == "agent":
        conv.agent_read_id = message.id
    else:
        conv.guest_read_id = message.id
    s.add(conv)


def agent_writes(actor: Actor | None, conversation_id: int, body: str, *, now: datetime) -> None:
    with transaction() as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        conv = s.get(Conversation, conversation_id)
        if conv is None or conv.agent_id != agent.id:
            raise NotFound(msg("This conversation does not exist."))
        _post(s, conv, "agent", body, now)


def guest_writes(token: str, body: str, *, now: datetime, client: str | None = None) -> None:
    """The guest writes to the host (every host of a collective team meeting)."""
    with transaction() as s:
        convs, _meeting = _guest_conversations(s, token, client, now)
        for conv, _host in convs:
            _post(s, conv, "guest", body, now)
