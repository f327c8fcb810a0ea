"""Domain exceptions carry messages a person can act on."""

from __future__ import annotations

from kite_app.domain.text import msg


class KiteError(Exception):
    """Base class of every error the UI or API shows to a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(KiteError):
    """One or more fields are invalid. `errors` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


class PermissionDenied(KiteError):
    """The person asking may not do this."""

    def __init__(self, message: str = msg("You are not allowed to do this.")):
        super().__init__(message)


class NotFound(KiteError):
    """The thing asked for does not exist (or is not visible to the person asking)."""


class TooManyAttempts(KiteError):
    """A throttle refused the request; `retry_after` is in seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class CalendarUnavailable(KiteError):
    """An agent's calendar cannot be read now, so free time cannot be told safely (no guessing)."""

    code = "calendar_unavailable"

    def __init__(self, message: str = msg("The agent's calendar cannot be read right now, so no times can be offered "
                                       "safely. Please try again in a few minutes.")):
        super().__init__(message)


class Unauthenticated(KiteError):
    """No credential, or one that is unknown, revoked or no longer valid (HTTP 401)."""


class LinkUsed(KiteError):
    """A one-time link that was used (or revoked, or never existed): HTTP 410 `link_used`."""

    code = "link_used"

    def __init__(self, message: str = msg("This one-time link has been used already. Each one books one meeting.")):
        super().__init__(message)


class LinkExpired(KiteError):
    """A one-time link past its expiry: HTTP 410 `link_expired`."""

    code = "link_expired"

    def __init__(self, message: str = msg("This one-time link has expired. Ask for a new one.")):
        super().__init__(message)
