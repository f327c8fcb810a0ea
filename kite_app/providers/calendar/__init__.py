"""Calendar providers, chosen by the prefix of a calendar id ("local:", "google:").

The built-in calendar is always there; others are loaded on demand by a loader that the service
owning their configuration registers (the Google integration registers "google").
"""

from __future__ import annotations

from collections.abc import Callable

from kite_app.providers.calendar.base import CalendarProvider
from kite_app.providers.calendar.local import LocalCalendarProvider

_LOCAL = LocalCalendarProvider()
_loaders: dict[str, Callable[[], CalendarProvider | None]] = {}


def set_loader(prefix: str, loader: Callable[[], CalendarProvider | None]) -> None:
    _loaders[prefix] = loader


def provider_for(calendar_id: str) -> CalendarProvider:
    prefix = calendar_id.partition(":")[0]
    if prefix == "local":
        return _LOCAL
    provider = _loaders[prefix]() if prefix in _loaders else None
    if provider is None:
        raise KeyError(f"no calendar provider for {calendar_id!r}")
    return provider


def all_providers() -> list[CalendarProvider]:
    loaded = [loader() for loader in _loaders.values()]
    return [_LOCAL, *[p for p in loaded if p is not None]]
