"""An agent's calendar settings: what they are, how they are written in the form, and what is valid."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from kite_app.domain.availability import WEEKDAYS, TimeRange, format_minutes, parse_time, ranges_error
from kite_app.domain.errors import ValidationError
from kite_app.domain.meeting_links import LinkSource
from kite_app.domain.slots import MAX_DURATION, MAX_WINDOW_DAYS, MIN_DURATION, SlotRules
from kite_app.domain.text import msg

SLOT_INTERVALS = (5, 10, 15, 20, 30, 45, 60, 90, 120)
MAX_BUFFER = 240
MAX_NOTICE = 14 * 24 * 60
MAX_OVERRIDES = 100
MAX_REMINDERS = 5
MAX_REMINDER_MINUTES = 7 * 24 * 60
RANGES_HINT = msg("Use times like 09:00-12:00, separated by commas.")


@dataclass(frozen=True)
class CalendarSettings:
    blocking_calendars: tuple[str, ...]
    destination_calendar: str
    durations: tuple[int, ...] = (30,)
    default_duration: int = 30
    weekly: tuple[tuple[TimeRange, ...], ...] = ((TimeRange(540, 1020),),) * 5 + ((), ())
    overrides: Mapping[date, tuple[TimeRange, ...]] = field(default_factory=dict)
    rules: SlotRules = SlotRules()
    require_guest_login: bool = False
    reminders: tuple[int, ...] = (60,)  # minutes before the meeting
    meeting_link: str = LinkSource.NONE  # where meetings take place (domain/meeting_links.py)

    def to_json(self) -> dict:
        return {
            "blocking_calendars": list(self.blocking_calendars),
            "destination_calendar": self.destination_calendar,
            "durations": list(self.durations),
            "default_duration": self.default_duration,
            "weekly": [[[r.start, r.end] for r in day] for day in self.weekly],
            "overrides": {d.isoformat(): [[r.start, r.end] for r in rs] for d, rs in sorted(self.overrides.items())},
            "rules": {k: getattr(self.rules, k) for k in SlotRules.__dataclass_fields__},
            "require_guest_login": self.require_guest_login,
            "reminders": list(self.reminders),
            "meeting_link": str(self.meeting_link),
        }

    @classmethod
    def from_json(cls, data: Mapping) -> CalendarSettings:
        return cls(
            blocking_calendars=tuple(data["blocking_calendars"]),
            destination_calendar=data["destination_calendar"],
            durations=tuple(data["durations"]),
            default_duration=data["default_duration"],
            weekly=tuple(tuple(TimeRange(a, b) for a, b in day) for day in data["weekly"]),
            overrides={date.fromisoformat(d): tuple(TimeRange(a, b) for a, b in rs)
                       for d, rs in data["overrides"].items()},
            rules=SlotRules(**data["rules"]),
            require_guest_login=bool(data["require_guest_login"]),
            reminders=tuple(data.get("reminders", [60])),
            meeting_link=data.get("meeting_link", LinkSource.NONE),
        )


def format_ranges(ranges: Collection[TimeRange]) -> str:
    return ", ".join(f"{format_minutes(r.start)}-{format_minutes(r.end)}" for r in sorted(ranges))


def parse_ranges(text: str) -> tuple[TimeRange, ...]:
    """"09:00-12:00, 13:00-17:00" -> ranges, sorted. ValueError with a message a person can act on."""
    parts = [p.strip() for p in re.split(r"[,;]", text or "") if p.strip()]
    out = []
    for part in parts:
        pieces = re.split(r"\s*[-–]\s*", part)
        if len(pieces) != 2:
            raise ValueError(msg("“{text}” is not a range. Use times like 09:00-12:00, separated by commas.",
                                 text=part))
        try:
            out.append(TimeRange(parse_time(pieces[0]), parse_time(pieces[1])))
        except ValueError:
            raise ValueError(msg("“{text}” is not a range. Use times like 09:00-12:00, separated by commas.",
                                 text=part)) from None
    return tuple(sorted(out))


@dataclass(frozen=True)
class DayForm:
    """One weekday in the form: worked or not, and its hours as typed ("09:00-12:00, 13:00-17:00")."""

    on: bool = False
    hours: str = ""


@dataclass(frozen=True)
class OverrideForm:
    """One date override as typed: the date (YYYY-MM-DD) and its hours (empty: a day off)."""

    date: str = ""
    hours: str = ""


@dataclass(frozen=True)
class SettingsForm:
    """The "Calendar Settings" form as a person filled it in: flags where they tick, text where they
    type (numbers stay text until `parse_settings` reads them, so that a typo gets its own message)."""

    blocking_calendars: tuple[str, ...] = ()
    destination_calendar: str = ""
    durations: str = "30"  # "15, 30"
    default_duration: str = "30"
    days: tuple[DayForm, ...] = (DayForm(),) * 7  # Monday first
    overrides: tuple[OverrideForm, ...] = ()
    buffer_before: str = "0"
    buffer_after: str = "0"
    min_notice: str = "60"
    slot_interval: str = "15"
    window_days: str = "30"
    require_guest_login: bool = False
    reminders: str = "60"  # minutes before the meeting, "60, 1440"; empty for none
    meeting_link: str = LinkSource.NONE


MINUTES, DAYS = msg("minutes"), msg("days")  # units in messages, said in the reader's language too


def _int_in(form: RulesForm, key: str, low: int, high: int, unit: str, errors: dict[str, str]) -> int:
    raw = str(getattr(form, key)).strip()
    try:
        value = int(raw)
    except ValueError:
        errors[key] = msg("Enter a whole number of {unit}.", unit=unit)
        return low
    if not low <= value <= high:
        errors[key] = msg("Use {low} to {high} {unit}.", low=low, high=high, unit=unit)
    return value


class RulesForm(Protocol):
    """The fields a form shares with the team form: durations and slot rules, as typed."""

    @property
    def durations(self) -> str: ...

    @property
    def default_duration(self) -> str: ...

    @property
    def slot_interval(self) -> str: ...

    @property
    def buffer_before(self) -> str: ...

    @property
    def buffer_after(self) -> str: ...

    @property
    def min_notice(self) -> str: ...

    @property
    def window_days(self) -> str: ...


def parse_durations(form: RulesForm, errors: dict[str, str]) -> tuple[tuple[int, ...], int]:
    """The duration options and the default, or messages in `errors` ("durations", "default_duration")."""
    durations: list[int] = []
    for part in re.split(r"[,;\s]+", form.durations.strip()):
        if not part:
            continue
        try:
            minutes = int(part)
        except ValueError:
            errors["durations"] = msg("“{text}” is not a number of minutes.", text=part)
            break
        if not MIN_DURATION <= minutes <= MAX_DURATION:
            errors["durations"] = msg("Each duration must be between {low} and {high} minutes ({minutes} is not).",
                                     low=MIN_DURATION, high=MAX_DURATION, minutes=minutes)
            break
        durations.append(minutes)
    durations = sorted(set(durations))
    if not durations and "durations" not in errors:
        errors["durations"] = msg("Offer at least one duration.")
    default = _int_in(form, "default_duration", MIN_DURATION, MAX_DURATION, MINUTES, errors)
    if "default_duration" not in errors and "durations" not in errors and default not in durations:
        errors["default_duration"] = msg("The default duration must be one of the duration options.")
    return tuple(durations), default


def parse_rules(form: RulesForm, errors: dict[str, str]) -> SlotRules:
    """Interval, buffers, minimum notice and window, or messages in `errors` keyed by field."""
    rules = SlotRules(
        interval=_int_in(form, "slot_interval", 5, 120, MINUTES, errors),
        buffer_before=_int_in(form, "buffer_before", 0, MAX_BUFFER, MINUTES, errors),
        buffer_after=_int_in(form, "buffer_after", 0, MAX_BUFFER, MINUTES, errors),
        min_notice=_int_in(form, "min_notice", 0, MAX_NOTICE, MINUTES, errors),
        window_days=_int_in(form, "window_days", 1, MAX_WINDOW_DAYS, DAYS, errors),
    )
    if "slot_interval" not in errors and rules.interval not in SLOT_INTERVALS:
        errors["slot_interval"] = msg("Choose a slot interval from the list.")
    if "window_days" in errors and form.window_days.strip().isdigit() and int(form.window_days) > MAX_WINDOW_DAYS:
        errors["window_days"] = msg("Guests can book at most one month ahead ({count} days).", count=MAX_WINDOW_DAYS)
    return rules


def parse_settings(form: SettingsForm, *, calendars: Collection[str],
                   writable: Collection[str] | None = None,
                   link_sources: Collection[str] = (LinkSource.NONE,)) -> CalendarSettings:
    """Read the "Calendar Settings" form. Every invalid field gets its own message (keyed by field:
    "durations", "hours_0".."hours_6", "override_3", ...); all or nothing. `link_sources`: the meeting
    links this agent may choose."""
    errors: dict[str, str] = {}
    if form.meeting_link not in link_sources:
        errors["meeting_link"] = msg("Choose one of the meeting links offered.")

    blocking = tuple(dict.fromkeys(form.blocking_calendars))
    if unknown := [c for c in blocking if c not in calendars]:
        errors["blocking_calendars"] = msg("Unknown calendar {name}.", name=unknown[0])
    destination = form.destination_calendar
    if destination not in calendars:
        errors["destination_calendar"] = msg("Choose the calendar that meetings are added to.")
    elif writable is not None and destination not in writable:
        errors["destination_calendar"] = msg("You can only read this calendar. Choose one you can add events to.")

    durations, default = parse_durations(form, errors)

    weekly: list[tuple[TimeRange, ...]] = []
    for i in range(len(WEEKDAYS)):
        day_form = form.days[i] if i < len(form.days) else DayForm()
        if not day_form.on:
            weekly.append(())
            continue
        try:
            ranges = parse_ranges(day_form.hours)
        except ValueError as exc:
            errors[f"hours_{i}"] = exc.args[0]
            weekly.append(())
            continue
        if not ranges:
            errors[f"hours_{i}"] = msg("Enter this day's hours, or mark it as a day off.")
        elif message := ranges_error(ranges):
            errors[f"hours_{i}"] = message
        weekly.append(ranges)

    overrides: dict[date, tuple[TimeRange, ...]] = {}
    if len(form.overrides) > MAX_OVERRIDES:
        errors["overrides"] = msg("Use at most {count} date overrides.", count=MAX_OVERRIDES)
    for i, row in enumerate(form.overrides[:MAX_OVERRIDES]):
        key = f"override_{i}"
        try:
            day = date.fromisoformat(row.date.strip())
        except ValueError:
            errors[key] = msg("Choose a date.")
            continue
        if day in overrides:
            errors[key] = msg("{date} already has an override.", date=day.isoformat())
            continue
        try:
            ranges = parse_ranges(row.hours)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if message := ranges_error(ranges):
            errors[key] = message
        overrides[day] = ranges

    rules = parse_rules(form, errors)

    reminders: list[int] = []
    for part in re.split(r"[,;\s]+", form.reminders.strip()):
        if not part:
            continue
        if not part.isdigit() or not 5 <= int(part) <= MAX_REMINDER_MINUTES:
            errors["reminders"] = msg("Each reminder is 5 to {count} minutes before the meeting.",
                                      count=MAX_REMINDER_MINUTES)
            break
        reminders.append(int(part))
    if len(set(reminders)) > MAX_REMINDERS:
        errors["reminders"] = msg("Use at most {count} reminders.", count=MAX_REMINDERS)

    if errors:
        raise ValidationError(errors)
    return CalendarSettings(
        blocking_calendars=blocking,
        destination_calendar=destination,
        durations=tuple(durations),
        default_duration=default,
        weekly=tuple(weekly),
        overrides=overrides,
        rules=rules,
        require_guest_login=form.require_guest_login,
        reminders=tuple(sorted(set(reminders), reverse=True)),
        meeting_link=form.meeting_link,
    )


def longest_stretch(settings: CalendarSettings) -> int:
    """The longest meeting the working hours can hold, in minutes: the longest run of working time, ranges that
    touch counted as one (a meeting may run on into adjacent working time, over midnight and from Sunday into
    Monday too), weekly hours and date overrides alike."""
    week = 7 * 1440
    spans = sorted((day * 1440 + r.start, day * 1440 + r.end) for day, ranges in enumerate(settings.weekly)
                   for r in ranges)
    runs: list[list[int]] = []
    for start, end in spans:
        if runs and start <= runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([start, end])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == week:  # Sunday's evening runs on into Monday
        runs[0][0] = runs.pop()[0] - week
    longest = max((e - s for s, e in runs), default=0)
    for ranges in settings.overrides.values():
        run_start, run_end = 0, -1
        for r in sorted(ranges):
            if r.start <= run_end:
                run_end = max(run_end, r.end)
            else:
                run_start, run_end = r.start, r.end
            longest = max(longest, run_end - run_start)
    return longest


def default_settings(calendar: str) -> CalendarSettings:
    """What an agent starts from: weekdays 09:00-17:00, 30-minute meetings, the built-in calendar."""
    return CalendarSettings(blocking_calendars=(calendar,), destination_calendar=calendar)


def to_form(settings: CalendarSettings) -> SettingsForm:
    """The inverse of `parse_settings`, for showing saved settings (a day off keeps 09:00-17:00 ready)."""
    return SettingsForm(
        blocking_calendars=settings.blocking_calendars,
        destination_calendar=settings.destination_calendar,
        durations=", ".join(str(d) for d in settings.durations),
        default_duration=str(settings.default_duration),
        days=tuple(DayForm(on=bool(ranges), hours=format_ranges(ranges) if ranges else "09:00-17:00")
                   for ranges in settings.weekly),
        overrides=tuple(OverrideForm(date=d.isoformat(), hours=format_ranges(rs))
                        for d, rs in sorted(settings.overrides.items())),
        buffer_before=str(settings.rules.buffer_before),
        buffer_after=str(settings.rules.buffer_after),
        min_notice=str(settings.rules.min_notice),
        slot_interval=str(settings.rules.interval),
        window_days=str(settings.rules.window_days),
        require_guest_login=settings.require_guest_login,
        reminders=", ".join(str(m) for m in settings.reminders),
        meeting_link=settings.meeting_link,
    )
