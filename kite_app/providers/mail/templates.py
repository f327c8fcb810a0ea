"""Mail texts for meeting events, HTML and plain text, with times in the recipient's zone."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from kite_app import i18n
from kite_app.domain.booking_form import as_text
from kite_app.domain.notices import render
from kite_app.domain.times import when


@dataclass(frozen=True)
class MailText:
    subject: str
    text: str
    html: str


def _(text: str) -> str:
    """Marks a text for extraction; it is translated where it is used (`tr`)."""
    return text


SUBJECTS = {
    "booked": _("New meeting: {when}"),
    "confirmed": _("Confirmed: {when}"),
    "changed": _("Meeting changed: {when}"),
    "deleted": _("Meeting deleted: {when}"),
    "reminder": _("Reminder: {when}"),
    "declined": _("Meeting declined: {when}"),
    "reassigned": _("Meeting reassigned: {when}"),
    "link_ready": _("Video link: {when}"),
}


def meeting_mail(*, notice: dict, zone: str, recipient_name: str, other_party: str, subject_line: str,
                 link: str, link_label: str, meeting_url: str = "", language: str = i18n.DEFAULT,
                 locale_tag: str = "", reader: str = "", details: tuple[tuple[str, str], ...] = ()) -> MailText:
    """One mail about a meeting event, for one recipient in `zone` who reads `language` with the conventions of
    their browser's `locale_tag`; the meeting's video link (if it has one and is not deleted) right after what
    happened; `details` (the booking form's answers: label, text) after the meeting's facts."""
    tr, locale = i18n.reader(language, locale_tag)
    at = when(notice["start"], notice["end"], zone, locale)
    sentence = render(notice, zone, tr, locale, reader)
    topic = tr("Subject: {subject}").format(subject=subject_line) if subject_line else ""
    join = meeting_url if meeting_url and notice["kind"] not in ("deleted", "declined") else ""
    said = bool(join) and join in sentence
    text = "\n".join(line for line in (
        tr("Hello {name},").format(name=recipient_name), "", sentence, "",
        *((tr("Join the meeting: {link}").format(link=join), "") if join and not said else ()),
        tr("With: {name}").format(name=other_party), topic, tr("When: {when}").format(when=at),
        *((tr("Where: {link}").format(link=join),) if join else ()),
        as_text(details) or None, "",
        f"{link_label}: {link}", "", "Kite Scheduler",
    ) if line is not None)
    hello, button = tr("Hello {name},").format(name=recipient_name), tr("Join the meeting")
    with_, topic_, when_, where_ = tr("With"), tr("Subject"), tr("When"), tr("Where")
    html = (
        f"<p>{escape(hello)}</p><p>{escape(sentence)}</p>"
        + (f"<p><a href='{escape(join, quote=True)}' style='display:inline-block;padding:10px 18px;"
           f"background:#3e63dd;color:#fff;border-radius:8px;text-decoration:none;font-weight:600'>"
           f"{escape(button)}</a><br>{escape(join)}</p>" if join else "")
        + f"<table><tr><th align='left'>{escape(with_)}</th><td>{escape(other_party)}</td></tr>"
        + (f"<tr><th align='left'>{escape(topic_)}</th><td>{escape(subject_line)}</td></tr>" if subject_line else "")
        + f"<tr><th align='left'>{escape(when_)}</th><td>{escape(at)}</td></tr>"
        + (f"<tr><th align='left'>{escape(where_)}</th><td><a href='{escape(join, quote=True)}'>"
           f"{escape(join)}</a></td></tr>" if join else "")
        + "".join(f"<tr><th align='left'>{escape(label)}</th><td>{escape(value).replace(chr(10), '<br>')}</td></tr>"
                  for label, value in details)
        + "</table>"
        f"<p><a href='{escape(link, quote=True)}'>{escape(link_label)}</a></p><p>Kite Scheduler</p>"
    )
    subject_text = SUBJECTS[notice["kind"]]
    return MailText(subject=tr(subject_text).format(when=at), text=text, html=html)
