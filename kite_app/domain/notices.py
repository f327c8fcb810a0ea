"""What changed in a meeting, written for one reader in their own time zone.

A notice is plain data: {"kind", "by", "start", "end", "old_start", "old_end", "subject", "agent"}
with ISO 8601 UTC times, so the same notice reads right for the agent in Berlin and the guest in
New York.
"""

from __future__ import annotations

from datetime import datetime

from kite_app.domain.times import when

KINDS = ("booked", "confirmed", "changed", "deleted", "reminder", "declined")


def _minutes(start_iso: str, end_iso: str) -> int:
    return int((datetime.fromisoformat(end_iso) - datetime.fromisoformat(start_iso)).total_seconds() // 60)


def render(notice: dict, zone: str) -> str:
    """The notice's sentence for a reader in `zone`."""
    kind, by = notice["kind"], notice.get("by", "guest")
    now_at = when(notice["start"], notice["end"], zone)
    who = {"guest": "the guest", "agent": notice.get("agent") or "the agent", "system": "Kite"}.get(by, by)
    if kind == "booked":
        return f"Meeting booked for {now_at}. Waiting for {notice.get('agent') or 'the agent'} to confirm."
    if kind == "confirmed":
        return f"{notice.get('agent') or 'The agent'} confirmed the meeting on {now_at}."
    if kind == "declined":
        return f"{notice.get('agent') or 'The agent'} declined the meeting on {now_at}."
    if kind == "deleted":
        return f"The meeting on {now_at} was deleted by {who}."
    if kind == "reminder":
        return f"Reminder: the meeting starts {now_at}."
    if kind == "changed":
        old_at = when(notice["old_start"], notice["old_end"], zone)
        if notice["old_start"] == notice["start"]:
            return (f"Duration changed by {who} from {_minutes(notice['old_start'], notice['old_end'])} to "
                    f"{_minutes(notice['start'], notice['end'])} minutes: now {now_at}.")
        return f"Meeting rescheduled by {who}: was {old_at}, now {now_at}."
    raise ValueError(f"unknown notice kind {kind!r}")
