"""What every meeting event leaves behind, in the same transaction as the change itself: a notice
in the guest's conversation with the agent, and the mails to send (rows in the outbox)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from sqlmodel import Session

from kite_app import i18n, routes
from kite_app.config import settings
from kite_app.domain.booking_form import answer_lines
from kite_app.domain.meeting import MeetingStatus
from kite_app.domain.notices import minutes
from kite_app.domain.webhooks import event_of
from kite_app.persistence import conversations as conversation_rows
from kite_app.persistence import meetings as meeting_rows
from kite_app.persistence.models import Meeting, Message, OutboxMail, User
from kite_app.providers.calendar.ics import Invite, invite_facts
from kite_app.providers.mail.templates import meeting_mail
from kite_app.services import webhooks

# Who gets a mail for each event.
RECIPIENTS = {
    "booked": ("guest", "agent"),
    "confirmed": ("guest",),
    "declined": ("guest",),
    "changed": ("guest", "agent"),
    "deleted": ("guest", "agent"),
    "reminder": ("guest", "agent"),
    "reassigned": ("guest", "agent"),
    "link_ready": ("guest", "agent"),
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _post_notice(s: Session, meeting: Meeting, agent: User, kind: str, *, by: str, now: datetime,
                 **facts) -> dict:
    """The notice of `kind` about the meeting as it is now, posted in the guest's conversation."""
    notice = {"kind": kind, "by": by, "agent": agent.name, "subject": meeting.subject,
              "start": _iso(meeting.starts_at), "end": _iso(meeting.ends_at), **facts}
    conversation_id = conversation_rows.open_conversation(
        s, agent_id=meeting.agent_id, guest_email=meeting.guest_email, guest_name=meeting.guest_name,
        guest_time_zone=meeting.guest_time_zone, now=now)
    s.add(Message(conversation_id=conversation_id, author="system", caused_by=by, notice=notice, meeting_id=meeting.id,
                  created_at=now))
    return notice


def record_for_agent(s: Session, meeting: Meeting, agent: User, kind: str, *, now: datetime, **facts: str) -> None:
    """A notice only the agent reads (the guest's view of the conversation leaves it out); no mail."""
    _post_notice(s, meeting, agent, kind, by="system", now=now, agent_only=True, **facts)


def record(s: Session, meeting: Meeting, agent: User, kind: str, *, by: str, now: datetime,
           old: tuple[datetime, datetime] | None = None, old_subject: str | None = None,
           recipients: tuple[str, ...] | None = None, guest_link: str | None = None, **facts: str) -> None:
    """Post the notice and queue the mails for `kind` (booked, confirmed, changed, deleted, reminder,
    reassigned) to its RECIPIENTS (or `recipients`). A change names the old time (`old`) and the old
    subject (`old_subject`, None when it stayed); `facts` go into the notice as they are. The guest's mail
    carries `guest_link` (a manage link token the caller made for the meeting) or a new one."""
    change: dict[str, str] = dict(facts)
    if old is not None:
        change["old_start"], change["old_end"] = _iso(old[0]), _iso(old[1])
    if old_subject is not None:
        change["old_subject"] = old_subject
    notice = _post_notice(s, meeting, agent, kind, by=by, now=now, **change)
    _webhook(s, meeting, kind, notice, now)
    cancel = kind in ("deleted", "declined") or meeting.status == MeetingStatus.CANCELLED
    for who in recipients if recipients is not None else RECIPIENTS[kind]:
        if who == "guest" and meeting.host_of is not None:
            continue  # another host's row of a collective meeting: the guest hears of it once, from the first
        to_guest = who == "guest"
        language = meeting.guest_language if to_guest else (agent.language or i18n.DEFAULT)  # each reader's own
        tr = partial(i18n.say, language)
        mail = meeting_mail(
            notice=notice,
            zone=meeting.guest_time_zone if to_guest else agent.time_zone,
            recipient_name=meeting.guest_name if to_guest else agent.name,
            other_party=agent.name if to_guest else f"{meeting.guest_name} <{meeting.guest_email}>",
            subject_line=meeting.subject,
            link=routes.manage_url(settings.public_url, guest_link or meeting_rows.new_link(s, meeting.id, now))
            if to_guest else settings.public_url.rstrip("/") + routes.INBOX,
            link_label=tr("Change or delete the meeting, or write to {name}").format(name=agent.name) if to_guest
            else tr("Open the conversation in your Inbox"),
            meeting_url=meeting.meeting_url,
            language=language,
            locale_tag=meeting.guest_locale_tag if to_guest else agent.locale_tag,
            reader=who,
            details=answer_lines(meeting.answers or [], meeting.utm or {}, tr, for_guest=to_guest),
        )
        facts = invite_facts(Invite(
            uid=meeting.uid, sequence=meeting.sequence, method="CANCEL" if cancel else "REQUEST",
            summary=meeting.subject or tr("Meeting with {name}").format(
                name=agent.name if to_guest else meeting.guest_name),
            description=mail.text, start=meeting.starts_at, end=meeting.ends_at,
            organizer_name=agent.name, organizer_email=agent.email,
            attendee_name=meeting.guest_name, attendee_email=meeting.guest_email,
            stamp=now, confirmed=meeting.status == MeetingStatus.CONFIRMED,
            meeting_url="" if cancel else meeting.meeting_url, join_label=tr("Join the meeting"),
        ))
        s.add(OutboxMail(kind=kind, to_email=meeting.guest_email if to_guest else agent.email, subject=mail.subject,
                         body_text=mail.text, body_html=mail.html, invite=facts, meeting_id=meeting.id,
                         created_at=now))


def _webhook(s: Session, meeting: Meeting, kind: str, notice: dict, now: datetime) -> None:
    """The event's webhook deliveries, in this transaction; a change says what the meeting was before."""
    event = event_of(kind, notice, first_host=meeting.host_of is None)
    if event is None:
        return
    previous, order_id = None, None
    if event in ("meeting.rescheduled", "meeting.changed"):
        old_start, old_end = notice.get("old_start", notice["start"]), notice.get("old_end", notice["end"])
        previous = {"start": old_start, "end": old_end, "subject": notice.get("old_subject", meeting.subject),
                    "duration": minutes(old_start, old_end)}
    elif event == "meeting.reassigned":  # after the old meeting's events: the same meeting for receivers
        order_id = int(notice.get("from_meeting", "0")) or None
        previous = {"id": order_id, "agent_slug": notice.get("from_slug", ""),
                    "agent_name": notice.get("from_host", "")}
    webhooks.enqueue(s, meeting, event, now, order_id=order_id, previous=previous)


def record_reassigned(s: Session, old: Meeting, new: Meeting, *, old_host: User, new_host: User, by: str,
                      now: datetime) -> None:
    """A round-robin team meeting given to another member (`old` is cancelled, `new` is the same meeting with
    the new host): both hosts' conversations say so; the guest and the new host get an invitation, the old
    host a cancellation."""
    record(s, new, new_host, "reassigned", by=by, now=now, from_host=old_host.name, from_slug=old_host.slug or "",
           from_meeting=str(old.id))
    record(s, old, old_host, "reassigned", by=by, now=now, recipients=("agent",), from_host=old_host.name,
           to_host=new_host.name)
