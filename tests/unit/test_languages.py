"""Languages: the catalogs hold exactly the texts the code marks, all translated; the reader's language is
negotiated; dates and times read in each language's conventions."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from kite_app import i18n
from kite_app.domain import times


def test_the_extracted_texts_are_the_template_catalog():
    """`python -m kite_app.i18n` was run after the last change of a marked text."""
    extracted = {m.id for m in i18n.extract() if m.id}
    assert extracted == set(i18n.msgids()), ("run python -m kite_app.i18n", extracted ^ set(i18n.msgids()))


@pytest.mark.parametrize("language", [code for code in i18n.LANGUAGES if code != "en"])
def test_every_catalog_translates_every_text_and_nothing_else(language):
    with (i18n.TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        po = {m.id: m.string for m in read_po(f, locale=language) if m.id}
    assert set(po) == set(i18n.msgids()), set(po) ^ set(i18n.msgids())
    assert not [msgid for msgid, text in po.items() if not text], "untranslated"
    for msgid, text in po.items():  # the same placeholders, so that filling them in never fails
        assert sorted(part.split("}")[0] for part in msgid.split("{")[1:]) == \
            sorted(part.split("}")[0] for part in text.split("{")[1:]), (language, msgid, text)


@pytest.mark.parametrize("preferred, language", [
    (["de-CH", "fr"], "de"), (["pt-BR", "es-MX"], "es"), (["pt-BR"], "en"), ([], "en"), (["fr_FR"], "fr"),
    (["it"], "it"), (["en-GB", "de"], "en"),
])
def test_the_best_language_we_speak(preferred, language):
    assert i18n.best_language(preferred) == language


def test_accept_language_weights():
    assert i18n.from_accept_language("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7") == "fr"
    assert i18n.from_accept_language("pt;q=1, it;q=0.5, de;q=0.9") == "de"
    assert i18n.from_accept_language("") == "en" and i18n.from_accept_language("de;q=0") == "en"


def test_texts_in_a_language_fall_back_to_english():
    assert i18n.gettext("de", "Schedule a meeting") == "Termin vereinbaren"
    assert i18n.gettext("de", "a text nobody marked") == "a text nobody marked"
    assert i18n.texts("fr")["Time zone"] == "Fuseau horaire" and i18n.texts("en")["Time zone"] == "Time zone"


@pytest.mark.parametrize("browser, page, day, clock", [
    ("de-DE", "de", "Dienstag, 1. Dezember 2026", "14:05"),
    ("fr-FR", "fr", "mardi 1 décembre 2026", "14:05"),
    ("it-IT", "it", "martedì 1 dicembre 2026", "14:05"),
    ("es-ES", "es", "martes, 1 de diciembre de 2026", "14:05"),
    ("en-US", "en", "Tuesday, December 1, 2026", "2:05 PM"),
    ("de-DE", "it", "martedì 1 dicembre 2026", "14:05"),
])
def test_dates_and_times_in_each_language(browser, page, day, clock):
    locale = times.display_locale(browser, page)
    assert times.day(date(2026, 12, 1), locale) == day
    moment = datetime(2026, 12, 1, 14, 5, tzinfo=ZoneInfo("Europe/Berlin"))
    assert " ".join(times.clock(moment, locale).split()) == clock
    assert times.month(date(2026, 12, 1), locale).lower().startswith(
        {"de": "dezember", "fr": "décembre", "it": "dicembre", "es": "diciembre", "en": "december"}[page])


def test_a_services_message_is_said_in_each_readers_language_with_its_values():
    from kite_app.domain.calendar_settings import MINUTES
    from kite_app.domain.errors import ValidationError
    from kite_app.domain.text import msg

    text = msg("Use {low} to {high} {unit}.", low=0, high=120, unit=MINUTES)
    assert text == "Use 0 to 120 minutes." and isinstance(text, str)  # English wherever it goes unsaid
    assert i18n.say("de", text) == "Verwenden Sie 0 bis 120 (Minuten)."
    assert i18n.say("it", text) == "Usa da 0 a 120 minuti."  # the unit is said in Italian too
    refused = ValidationError({"name": msg("Enter a name."), "email": msg("Enter an email address.")})
    assert i18n.error_message("es", refused) == "Escribe un nombre.; Escribe una dirección de correo."
    assert i18n.say("fr", "a text nobody marked") == "a text nobody marked"


def test_day_names_come_from_babel_in_each_language():
    assert i18n.weekdays("en")[0] == "Monday" and i18n.weekdays("de")[6] == "Sonntag"
    assert i18n.weekdays("fr")[:2] == ["Lundi", "Mardi"] and i18n.weekdays("es")[2] == "Miércoles"


def test_time_zones_are_found_and_named_in_the_readers_language():
    from kite_app.domain import zones

    now = datetime(2026, 11, 26, 3, 0, tzinfo=ZoneInfo("UTC"))
    vienna = zones.search("wien", now, "de_DE")[0]
    assert (vienna["id"], vienna["city"], vienna["place"]) == ("Europe/Vienna", "Wien", "Österreich")
    assert zones.search("vienna", now, "de_DE")[0]["id"] == "Europe/Vienna"  # the English name still finds it
    assert zones.choice("Europe/Rome", now, "it_IT")["city"] == "Roma"
    assert zones.choice("America/New_York", now, "fr_FR")["place"] == "États-Unis"
    assert zones.choice("America/New_York", now, "")["place"] == "United States"
