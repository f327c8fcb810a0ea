"""What the app plugs together when it starts: calendar providers beyond the built-in calendar, and what an
event deleted in an agent's calendar means for its meeting.

Called once by the app (kite_app.kite_app) and by the tests; nothing registers itself on import.
"""

from __future__ import annotations

from kite_app.providers.calendar import set_loader
from kite_app.services import caldav_accounts, calendar_writes, install, meeting_changes, microsoft_install


def connect_providers() -> None:
    """Google Workspace calendars, through the Google integration's stored key (loaded on demand), agents' CalDAV
    accounts, and Microsoft 365 through its app registration."""
    set_loader("google", install.google_provider)
    set_loader("caldav", caldav_accounts.provider)
    set_loader("microsoft", microsoft_install.provider)
    calendar_writes.when_deleted_in_calendar(meeting_changes.deleted_in_calendar)
