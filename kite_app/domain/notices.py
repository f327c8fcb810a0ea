"""What changed in a meeting, written for one reader in their own time zone.

A notice is plain data: {"kind", "by", "start", "end", "old_start", "old_end", "subject", "agent"}
with ISO 8601 UTC times, so the same notice reads right for the agent in Berlin and the guest in
New York.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kite_app.domain.times import DEFAULT_LOCALE, when

KINDS = ("booked", "confirmed", "changed", "deleted", "reminder", "declined", "calendar_failed", "reassigned",
         "link_ready")


def minutes(start_iso: str, end_iso: str) -> int:
    """The minutes between two ISO 8601 times."""
    return int((datetime.fromisoformat(end_iso) - datetime.fromisoformat(start_iso)).total_seconds() // 60)


def _same(text: str) -> str:
    return text


Translate = Callable[[str], str]  # a text (marked `tr("…")` for extraction) in the reader's language


def _quoted(subject: str, tr: Translate) -> str:
    return f"“{subject}”" if subject else tr("(none)")


def _changes(notice: dict, who: str, now_at: str, zone: str, tr: Translate, locale: str) -> list[str]:
    """One sentence per thing that changed: time or duration, and subject."""
    out = []
    old_start, old_end = notice.get("old_start", notice["start"]), notice.get("old_end", notice["end"])
    if old_start != notice["start"]:
        out.append(tr("Meeting rescheduled by {who}: was {old}, now {new}.").format(
            who=who, old=when(old_start, old_end, zone, locale), new=now_at))
    elif old_end != notice["end"]:
        out.append(tr("Duration changed by {who} from {old} to {new} minutes: now {when}.").format(
            who=who, old=minutes(old_start, old_end), new=minutes(notice["start"], notice["end"]), when=now_at))
    if "old_subject" in notice:
        old, new = _quoted(notice["old_subject"], tr), _quoted(notice.get("subject", ""), tr)
        out.append(tr("Subject changed from {old} to {new}.").format(old=old, new=new) if out else
                   tr("Subject changed from {old} to {new} by {who} for the meeting on {when}.").format(
                       old=old, new=new, who=who, when=now_at))
    return out or [tr("Meeting changed by {who}: {when}.").format(who=who, when=now_at)]


def render(notice: dict, zone: str, tr: Translate = _same, locale: str = DEFAULT_LOCALE, reader: str = "") -> str:
    """The notice's sentence for a reader in `zone`, in their language (`tr`) and its conventions (`locale`);
    `reader` ("guest" or "agent") where the sentence differs for each side."""
    kind, by = notice["kind"], notice.get("by", "guest")
    now_at = when(notice["start"], notice["end"], zone, locale)
    agent = notice.get("agent") or tr("the agent")
    who = {"guest": tr("the guest"), "agent": agent, "system": "Kite"}.get(by, by)
    if kind == "booked":
        waiting = notice.get("hosts") or agent  # "hosts": every host of a team meeting
        text = tr("Meeting booked for {when}. Waiting for {name} to confirm.").format(when=now_at, name=waiting)
        return text + (" " + tr("Join: {link}").format(link=notice["meeting_url"]) if notice.get("meeting_url")
                       else "")
    if kind == "confirmed":
        if notice.get("all_hosts"):  # a collective team meeting
            return tr("Every host confirmed the meeting on {when}.").format(when=now_at)
        text = tr("{name} confirmed the meeting on {when}.").format(name=agent, when=now_at)
        if notice.get("hosts_count"):  # a collective team meeting: how many hosts have said yes so far
            text = text[:-1] + " " + tr("({count} of {total} hosts have confirmed)").format(
                count=notice.get("confirmed_count", ""), total=notice["hosts_count"]) + "."
        elif notice.get("answered"):
            text = text[:-1] + " " + tr("({names} have confirmed)").format(names=notice["answered"]) + "."
        return text
    reason = (" " + tr("Reason: “{reason}”").format(reason=notice["reason"])
              if notice.get("reason") and kind in ("declined", "deleted") else "")
    if kind == "declined":
        return tr("{name} declined the meeting on {when}.").format(name=agent, when=now_at) + reason
    if kind == "deleted":
        return tr("The meeting on {when} was deleted by {who}.").format(when=now_at, who=who) + reason
    if kind == "calendar_failed":  # for the agent only
        return tr("The meeting on {when} could not be added to your calendar {calendar} ({reason}). It stands in "
                  "Kite and the guest has their invitation. In Calendar Settings, choose a calendar you can add "
                  "events to.").format(when=now_at, calendar=notice.get("calendar", ""),
                                       reason=notice.get("reason", ""))
    if kind == "reassigned":  # a round-robin team meeting given to another member
        to = notice.get("to_host") or notice.get("agent", "")
        return tr("The meeting on {when} was reassigned by {who} from {old} to {new}. Waiting for {new} to "
                  "confirm.").format(when=now_at, who=who, old=notice.get("from_host", ""), new=to)
    if kind == "reminder":
        text = tr("Reminder: the meeting starts {when}.").format(when=now_at)
        if waiting := notice.get("unconfirmed"):  # the host(s) who have not said yes yet
            if reader == "agent" and not notice.get("hosts_count"):
                text += " " + tr("You have not confirmed it yet: confirm, change or delete it in Kite.")
            elif notice.get("unconfirmed_count", "1") == "1":
                text += " " + tr("{name} has not confirmed it yet.").format(name=waiting)
            else:
                text += " " + tr("{names} have not confirmed it yet.").format(names=waiting)
        return text
    if kind == "link_ready":
        return tr("The video link for the meeting on {when} is ready: {link}").format(
            when=now_at, link=notice.get("meeting_url", ""))
    if kind == "changed":
        return " ".join(_changes(notice, who, now_at, zone, tr, locale))
    raise ValueError(f"unknown notice kind {kind!r}")
