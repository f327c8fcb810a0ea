"""Languages: which one a reader gets, and the texts in it.

Texts are marked in the code with `t("…")` (page texts, kite_app/ui/i18n.py), `_("…")` (texts a state
writes) or `msg("…", **values)` (texts a service or the domain writes before it knows its reader);
`python -m kite_app.i18n` extracts them (Babel) into `translations/messages.pot` and brings every language's
`translations/<lang>/LC_MESSAGES/messages.po` in line (new texts empty, unused ones dropped). The catalogs are
read with Babel at start-up; an untranslated text reads in English. README "Languages" says how to add a language.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from pathlib import Path

from babel.core import negotiate_locale
from babel.dates import get_day_names
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from kite_app.domain.errors import KiteError, ValidationError
from kite_app.domain.text import Text
from kite_app.domain.times import display_locale

LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "it": "Italiano", "es": "Español"}
DEFAULT = "en"
TRANSLATIONS = Path(__file__).parent / "translations"
KEYWORDS = {"t": None, "_": None, "tr": None, "msg": None, "N_": None, "gettext": (2,)}


def best_language(preferred: Iterable[str]) -> str:
    """The first of the reader's languages ("de-CH", "fr", …, best first) that Kite speaks, else English."""
    tags = [p.strip().replace("_", "-") for p in preferred if p and p.strip()]
    found = negotiate_locale(tags, list(LANGUAGES), sep="-")
    if found is None:  # "de-CH" matches "de"; Babel also wants the bare language tried
        found = negotiate_locale([tag.split("-")[0] for tag in tags], list(LANGUAGES), sep="-")
    return found or DEFAULT


def first_tag(header: str) -> str:
    """The browser's own language tag: the first of an Accept-Language header ("en-US,en;q=0.9" → "en-US"), ""
    when it names none that looks like one. Its region gives a reader's date and time conventions."""
    tag = (header or "").split(",")[0].split(";")[0].strip()
    return tag if 0 < len(tag) <= 35 and all(c.isascii() and (c.isalnum() or c in "-_") for c in tag) else ""


def from_accept_language(header: str) -> str:
    """The best language of an Accept-Language header ("de-CH,de;q=0.9,en;q=0.8")."""
    weighted = []
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            weighted.append((-q, i, tag))
    return best_language(tag for _q, _i, tag in sorted(weighted))


@lru_cache(maxsize=None)
def catalog(language: str) -> dict[str, str]:
    """The language's translations (msgid → text); empty for English and for texts not translated."""
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT or not path.exists():
        return {}
    with path.open("rb") as f:
        po = read_po(f, locale=language)
    return {m.id: str(m.string) for m in po if m.id and isinstance(m.id, str) and m.string}


def gettext(language: str, text: str) -> str:
    return catalog(language).get(text, text)


def say(language: str, text: str) -> str:
    """`text` in `language`: a marked text looked up, a `msg(...)` (kite_app/domain/text.py) said from its
    template with its values filled in (those that are texts themselves said too)."""
    if isinstance(text, Text):
        values = {k: say(language, v) if isinstance(v, Text) else v for k, v in text.values.items()}
        return gettext(language, text.template).format(**values) if values else gettext(language, text.template)
    return gettext(language, text)


def error_message(language: str, exc: KiteError) -> str:
    """What a refusal says in `language` (a ValidationError: each field's message)."""
    if isinstance(exc, ValidationError):
        return "; ".join(say(language, m) for m in exc.errors.values())
    return say(language, exc.message)


def reader(language: str, tag: str = "") -> tuple[Callable[[str], str], str]:
    """What a reader of `language` needs in a mail or a notice: the texts in it, and its date and time
    conventions: those of their browser's language tag (`tag`, "en-US": "Wednesday, December 9, 2026, 1:00 AM"),
    as their pages show them; without one, their language's own (English keeps those mails have always used:
    "Wednesday 9 December 2026, 01:00")."""
    language = language or DEFAULT
    if tag:
        return partial(say, language), display_locale(tag, language)
    return partial(say, language), "" if language == DEFAULT else display_locale("", language)


def locale_of(language: str, tag: str = "") -> str:
    """The date and time conventions of a reader of `language` whose browser says `tag` (see `reader`)."""
    return reader(language, tag)[1]


def weekdays(language: str) -> list[str]:
    """The names of the days, Monday first, as labels in `language` (Babel's names, capitalised)."""
    names = get_day_names("wide", locale=language)
    return [names[i][:1].upper() + names[i][1:] for i in range(7)]


def texts(language: str) -> dict[str, str]:
    """Every marked text in `language` (English where not translated): what a page looks its texts up in."""
    table = catalog(language)
    return {msgid: table.get(msgid, msgid) for msgid in msgids()}


@lru_cache(maxsize=1)
def msgids() -> tuple[str, ...]:
    """The marked texts, as extracted into translations/messages.pot."""
    path = TRANSLATIONS / "messages.pot"
    if not path.exists():
        return ()
    with path.open("rb") as f:
        return tuple(m.id for m in read_po(f) if m.id and isinstance(m.id, str))


def extract() -> Catalog:
    """The marked texts of the code as they are now (Babel's extractor over kite_app/)."""
    pot = Catalog(project="Kite Scheduler", fuzzy=False)
    root = Path(__file__).parent
    for filename, lineno, message, comments, _context in extract_from_dir(
            str(root), method_map=[("**.py", "python")], keywords=KEYWORDS,
            directory_filter=lambda d: "translations" not in d and "__pycache__" not in d):
        pot.add(message, locations=[(f"kite_app/{filename}", lineno)], auto_comments=comments)
    return pot


def update() -> None:
    """Write messages.pot and bring each language's catalog in line with it."""
    pot = extract()
    with (TRANSLATIONS / "messages.pot").open("wb") as f:
        write_po(f, pot, width=120, omit_header=True, sort_output=True)
    for language in LANGUAGES:
        if language == DEFAULT:
            continue
        path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        old: dict[str, str] = {}
        if path.exists():
            with path.open("rb") as f:
                old = {str(m.id): str(m.string) for m in read_po(f, locale=language) if m.id}
        po = Catalog(locale=language, project="Kite Scheduler", fuzzy=False)
        for message in pot:
            if message.id:
                po.add(message.id, string=old.get(str(message.id), ""), locations=message.locations)
        with path.open("wb") as f:
            write_po(f, po, width=120, omit_header=True, sort_output=True, no_location=True)


if __name__ == "__main__":
    update()
    print(f"{len(msgids.__wrapped__())} texts; catalogs in {TRANSLATIONS}", file=sys.stderr)
