"""Mail texts for meeting events, HTML and plain text, with times in the recipient's zone."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from kite_app.domain.notices import render
from kite_app.domain.times import when


@dataclass(frozen=True)
class MailText:
    subject: str
    text: str
    html: str


SUBJECTS = {
    "booked": "New meeting: {when}",
    "confirmed": "Confirmed: {when}",
    "changed": "Meeting changed: {when}",
    "deleted": "Meeting deleted: {when}",
    "reminder": "Reminder: {when}",
    "declined": "Meeting declined: {when}",
    "reassigned": "Meeting reassigned: {when}",
    "link_ready": "Video link: {when}",
}


def meeting_mail(*, notice: dict, zone: str, recipient_name: str, other_party: str, subject_line: str,
                 link: str, link_label: str, meeting_url: str = "") -> MailText:
    """One mail about a meeting event, for one recipient in `zone`; the meeting's video link (if it has
    one and is not deleted) right after what happened."""
    at = when(notice["start"], notice["end"], zone)
    sentence = render(notice, zone)
    topic = f"Subject: {subject_line}" if subject_line else ""
    join = meeting_url if meeting_url and notice["kind"] not in ("deleted", "declined") else ""
    said = bool(join) and join in sentence
    text = "\n".join(line for line in (
        f"Hello {recipient_name},", "", sentence, "", *((f"Join the meeting: {join}", "") if join and not said else ()),
        f"With: {other_party}", topic, f"When: {at}", *((f"Where: {join}",) if join else ()), "",
        f"{link_label}: {link}", "", "Kite Scheduler",
    ) if line is not None)
    html = (
        f"<p>Hello {escape(recipient_name)},</p><p>{escape(sentence)}</p>"
        + (f"<p><a href='{escape(join, quote=True)}' style='display:inline-block;padding:10px 18px;"
           f"background:#3e63dd;color:#fff;border-radius:8px;text-decoration:none;font-weight:600'>"
           f"Join the meeting</a><br>{escape(join)}</p>" if join else "")
        + f"<table><tr><th align='left'>With</th><td>{escape(other_party)}</td></tr>"
        + (f"<tr><th align='left'>Subject</th><td>{escape(subject_line)}</td></tr>" if subject_line else "")
        + f"<tr><th align='left'>When</th><td>{escape(at)}</td></tr>"
        + (f"<tr><th align='left'>Where</th><td><a href='{escape(join, quote=True)}'>{escape(join)}</a></td></tr>"
           if join else "")
        + "</table>"
        f"<p><a href='{escape(link, quote=True)}'>{escape(link_label)}</a></p><p>Kite Scheduler</p>"
    )
    return MailText(subject=SUBJECTS[notice["kind"]].format(when=at), text=text, html=html)
