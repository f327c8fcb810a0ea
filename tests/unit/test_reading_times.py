"""Times in the reader's convention, the month calendar, time zone search and "Add to calendar" links."""

from datetime import UTC, date, datetime
from functools import partial
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from kite_app import i18n
from kite_app.domain import calendar_links, times, zones
from kite_app.domain.accounts import initials, photo_type
from kite_app.ui.components.slot_picker import month_grid

NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize("language, locale, twelve", [
    ("en-US", "en_US", True), ("en-GB", "en_GB", False), ("de-DE", "en_DE", False), ("en-IN", "en_IN", True),
    ("ko-KR", "en_US", True), ("fr", "en_GB", False), ("", "en_GB", False), ("not a language!", "en_GB", False),
])
def test_the_browser_language_picks_the_clock(language, locale, twelve):
    assert times.display_locale(language) == locale
    assert times.uses_12_hours(locale) is twelve


def test_12_and_24_hour_clocks_and_the_repeated_hour_still_names_its_offset():
    afternoon = datetime(2026, 12, 1, 14, 5, tzinfo=NY)
    assert " ".join(times.clock(afternoon, "en_US").split()) == "2:05 PM"
    assert times.clock(afternoon, "en_GB") == times.clock(afternoon) == "14:05"
    first = datetime(2026, 11, 1, 1, 30, tzinfo=NY)  # 01:30 happens twice that night
    second = first.replace(fold=1)
    assert " ".join(times.clock(first, "en_US").split()) == "1:30 AM (UTC-4)"
    assert " ".join(times.clock(second, "en_US").split()) == "1:30 AM (UTC-5)"
    span = times.span(first.astimezone(UTC), second.astimezone(UTC), NY, "en_US")
    assert " ".join(span.split()) == "1:30 AM (UTC-4)–1:30 AM (UTC-5)"


def test_days_and_weeks_follow_the_locale():
    d = date(2026, 12, 1)
    assert times.day(d) == "Tuesday 1 December 2026"  # pages without a locale, and every mail
    assert times.day(d, "en_US") == "Tuesday, December 1, 2026"
    assert times.day(d, "en_GB") == "Tuesday, 1 December 2026"
    assert times.weekday_names("en_US")[0] == ("Sun", "Sunday")
    assert times.weekday_names("en_GB")[0] == ("Mon", "Monday")
    assert times.month(d, "en_US") == "December 2026"


def test_the_month_grid_starts_on_the_locales_first_day_and_marks_free_days():
    dec = date(2026, 12, 1)  # a Tuesday
    us, gb = month_grid(dec, {"2026-12-03"}, date(2026, 11, 25), "en_US"), month_grid(dec, set(), dec, "en_GB")
    assert [c["number"] for c in us[0][:3]] == ["", "", "1"]  # Sun, Mon blank; Tuesday the 1st
    assert [c["number"] for c in gb[0][:2]] == ["", "1"]
    assert all(len(week) == 7 for week in us) and sum(c["date"] != "" for w in us for c in w) == 31
    third = next(c for w in us for c in w if c["date"] == "2026-12-03")
    assert third["free"] and third["label"] == "Thursday, December 3, 2026, free times"
    assert next(c for w in gb for c in w if c["date"] == "2026-12-01")["today"]


def test_time_zones_are_found_by_city_country_or_offset_with_the_local_time():
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    ny = zones.search("new york", now, "en_US")[0]
    assert ny["id"] == "America/New_York" and ny["place"] == "United States" and ny["offset"] == "UTC-5"
    assert " ".join(ny["time"].split()) == "7:00 AM"
    assert "Europe/Berlin" in [z["id"] for z in zones.search("germany", now)]
    assert {z["id"] for z in zones.search("utc+5:30", now)} >= {"Asia/Kolkata", "Asia/Colombo"}
    assert zones.search("tok", now)[0]["id"] == "Asia/Tokyo"  # a city that starts with the words first
    assert zones.search("no such place", now) == []
    assert zones.search("buenos aires", now)[0]["city"] == "Buenos Aires"


def test_time_zones_are_found_by_the_names_people_use():
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)

    def first(query: str, locale: str = "en_US") -> str:
        return zones.search(query, now, locale)[0]["id"]

    # "GMT+1" is what a person means (UTC+1), not POSIX's Etc/GMT+1, which is UTC-1
    assert first("GMT+1") in ("Europe/Berlin", "Europe/Paris") and first("gmt -5") == "America/New_York"
    assert all(z["offset"] == "UTC+1" for z in zones.search("GMT+1", now)[:10])
    assert not any(z["id"].startswith("Etc/") for z in zones.search("gmt", now, limit=500))
    # CLDR's metazone names and abbreviations, in English and in the reader's language
    assert first("EST") == first("Eastern Time") == "America/New_York"
    assert first("PST") == first("pacific time") == "America/Los_Angeles"
    assert first("CET") == "Europe/Berlin" and first("MEZ", "de_DE") == "Europe/Berlin"
    assert first("São Paulo") == first("Sao Paulo") == "America/Sao_Paulo"
    # each zone once: UTC once, legacy names lead to today's zone
    assert [z["id"] for z in zones.search("UTC", now, limit=500)].count("UTC") == 1
    assert first("utc") == "UTC" and "Etc/UTC" not in zones.pickable()
    assert [z["id"] for z in zones.search("Calcutta", now)] == ["Asia/Kolkata"]
    assert [z["id"] for z in zones.search("kolkata", now)] == ["Asia/Kolkata"]
    found = [z["id"] for z in zones.search("", now, limit=1000)]
    assert len(found) == len(set(found)) == len(zones.pickable())
    assert zones.canonical("Asia/Calcutta") == "Asia/Kolkata" and zones.canonical("Etc/UTC") == "UTC"
    assert zones.canonical("US/Eastern") == "America/New_York" and zones.canonical("Europe/Kiev") == "Europe/Kyiv"
    assert zones.choice("Asia/Calcutta", now)["id"] == "Asia/Kolkata"


def test_add_to_calendar_links_carry_the_meeting_in_utc():
    start = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    end = datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    event = calendar_links.GuestEvent(title="Demo & more", description="Link: x", location="")
    google = parse_qs(urlsplit(calendar_links.google_url(event, start, end)).query)
    assert google == {"action": ["TEMPLATE"], "text": ["Demo & more"], "dates": ["20261201T080000Z/20261201T083000Z"],
                      "details": ["Link: x"]}
    outlook = parse_qs(urlsplit(calendar_links.outlook_url(event, start, end)).query)
    assert outlook["startdt"] == ["2026-12-01T08:00:00Z"] and outlook["enddt"] == ["2026-12-01T08:30:00Z"]
    assert outlook["subject"] == ["Demo & more"] and outlook["rru"] == ["addevent"]


def test_the_guests_calendar_event_names_the_agent_and_the_link_in_the_guests_language():
    german = partial(i18n.say, "de")
    event = calendar_links.guest_event(subject="", agent_name="Lena Last", meeting_url="https://meet.example.com/r",
                                       manage_url="https://kite.example.com/manage/t", tr=german)
    assert event.title == "Termin mit Lena Last" and event.location == "https://meet.example.com/r"
    assert event.description.splitlines() == [
        "Mit Lena Last", "Am Meeting teilnehmen: https://meet.example.com/r", "",
        "Termin ändern oder löschen, oder Lena Last schreiben: https://kite.example.com/manage/t"]
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    for url, where in ((calendar_links.google_url(event, start, start), "location"),
                       (calendar_links.outlook_url(event, start, start), "location")):
        assert parse_qs(urlsplit(url).query)[where] == ["https://meet.example.com/r"]
    plain = calendar_links.guest_event(subject="Demo", agent_name="Lena Last", meeting_url="", manage_url="m",
                                       tr=partial(i18n.say, "en"))
    assert plain.title == "Demo" and "Join" not in plain.description
    assert "location" not in parse_qs(urlsplit(calendar_links.google_url(plain, start, start)).query)


def test_photos_are_known_by_their_bytes_and_names_give_initials():
    assert photo_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert photo_type(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    assert photo_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert photo_type(b"<svg onload=alert(1)>") is None and photo_type(b"GIF89a") is None
    assert (initials("Ann Able"), initials("Grace Brewster Hopper"), initials("support"), initials("")) == (
        "AA", "GH", "S", "?")


def test_the_longest_meeting_working_hours_can_hold():
    from dataclasses import replace

    from kite_app.domain.calendar_settings import default_settings, longest_stretch, parse_ranges

    week = default_settings("cal")  # weekdays 09:00-17:00
    assert longest_stretch(week) == 480
    lunch = replace(week, weekly=(parse_ranges("08:00-12:00, 13:00-17:00"),) * 5 + ((), ()))
    assert longest_stretch(lunch) == 240
    touching = replace(lunch, weekly=(parse_ranges("09:00-12:00, 12:00-18:00"),) + lunch.weekly[1:])
    assert longest_stretch(touching) == 540  # a meeting may run on into adjacent working time
    overnight = replace(week, weekly=(parse_ranges("00:00-02:00"),) + ((),) * 5 + (parse_ranges("20:00-24:00"),))
    assert longest_stretch(overnight) == 360  # Sunday evening runs on into Monday
    assert longest_stretch(replace(week, weekly=(parse_ranges("00:00-24:00"),) * 7)) == 7 * 1440
    long_day = replace(lunch, overrides={date(2026, 12, 24): parse_ranges("07:00-13:00, 13:00-19:00")})
    assert longest_stretch(long_day) == 720  # a date override counts too
