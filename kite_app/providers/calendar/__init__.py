"""Calendar providers, chosen by the prefix of a calendar id ("local:", later "google:")."""

from __future__ import annotations

from kite_app.providers.calendar.base import CalendarProvider
from kite_app.providers.calendar.local import LocalCalendarProvider

_PROVIDERS: dict[str, CalendarProvider] = {"local": LocalCalendarProvider()}


def provider_for(calendar_id: str) -> CalendarProvider:
    prefix = calendar_id.partition(":")[0]
    if prefix not in _PROVIDERS:
        raise KeyError(f"no calendar provider for {calendar_id!r}")
    return _PROVIDERS[prefix]


def all_providers() -> list[CalendarProvider]:
    return list(_PROVIDERS.values())
