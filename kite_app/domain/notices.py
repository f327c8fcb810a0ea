"""What changed in a meeting, written for one reader in their own time zone.

A notice is plain data: {"kind", "by", "start", "end", "old_start", "old_end", "subject", "agent"}
with ISO 8601 UTC times, so the same notice reads right for the agent in Berlin and the guest in
New York.
"""

from __future__ import annotations

from datetime import datetime

from kite_app.domain.times import when

KINDS = ("booked", "confirmed", "changed", "deleted", "reminder", "declined", "calendar_failed", "reassigned",
         "link_ready")


def _minutes(start_iso: str, end_iso: str) -> int:
    return int((datetime.fromisoformat(end_iso) - datetime.fromisoformat(start_iso)).total_seconds() // 60)


def _quoted(subject: str) -> str:
    return f"“{subject}”" if subject else "(none)"


def _changes(notice: dict, who: str, now_at: str, zone: str) -> list[str]:
    """One sentence per thing that changed: time or duration, and subject."""
    out = []
    old_start, old_end = notice.get("old_start", notice["start"]), notice.get("old_end", notice["end"])
    if old_start != notice["start"]:
        out.append(f"Meeting rescheduled by {who}: was {when(old_start, old_end, zone)}, now {now_at}.")
    elif old_end != notice["end"]:
        out.append(f"Duration changed by {who} from {_minutes(old_start, old_end)} to "
                   f"{_minutes(notice['start'], notice['end'])} minutes: now {now_at}.")
    if "old_subject" in notice:
        subject = f"Subject changed from {_quoted(notice['old_subject'])} to {_quoted(notice.get('subject', ''))}"
        out.append(f"{subject}." if out else f"{subject} by {who} for the meeting on {now_at}.")
    return out or [f"Meeting changed by {who}: {now_at}."]


def render(notice: dict, zone: str) -> str:
    """The notice's sentence for a reader in `zone`."""
    kind, by = notice["kind"], notice.get("by", "guest")
    now_at = when(notice["start"], notice["end"], zone)
    who = {"guest": "the guest", "agent": notice.get("agent") or "the agent", "system": "Kite"}.get(by, by)
    if kind == "booked":
        waiting = notice.get("hosts") or notice.get("agent") or "the agent"  # "hosts": every host of a team meeting
        join = f" Join: {notice['meeting_url']}" if notice.get("meeting_url") else ""
        return f"Meeting booked for {now_at}. Waiting for {waiting} to confirm.{join}"
    if kind == "confirmed":
        if notice.get("all_hosts"):  # a collective team meeting
            return f"Every host confirmed the meeting on {now_at}."
        answered = f" ({notice['answered']} have confirmed)" if notice.get("answered") else ""
        return f"{notice.get('agent') or 'The agent'} confirmed the meeting on {now_at}{answered}."
    reason = f" Reason: “{notice['reason']}”" if notice.get("reason") and kind in ("declined", "deleted") else ""
    if kind == "declined":
        return f"{notice.get('agent') or 'The agent'} declined the meeting on {now_at}.{reason}"
    if kind == "deleted":
        return f"The meeting on {now_at} was deleted by {who}.{reason}"
    if kind == "calendar_failed":  # for the agent only
        return (f"The meeting on {now_at} could not be added to your calendar {notice.get('calendar', '')} "
                f"({notice.get('reason', '')}). It stands in Kite and the guest has their invitation. In Calendar "
                "Settings, choose a calendar you can add events to.")
    if kind == "reassigned":  # a round-robin team meeting given to another member
        to = notice.get("to_host") or notice.get("agent", "")
        return (f"The meeting on {now_at} was reassigned by {who} from {notice.get('from_host', '')} to {to}. "
                f"Waiting for {to} to confirm.")
    if kind == "reminder":
        return f"Reminder: the meeting starts {now_at}."
    if kind == "link_ready":
        return f"The video link for the meeting on {now_at} is ready: {notice.get('meeting_url', '')}"
    if kind == "changed":
        return " ".join(_changes(notice, who, now_at, zone))
    raise ValueError(f"unknown notice kind {kind!r}")
