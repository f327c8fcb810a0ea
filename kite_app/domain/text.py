"""Words for a person that the code writes before it knows who reads them: `msg("Use at most {count}
characters.", count=500)` is the English text (a str, so it reads as before wherever it goes) that also keeps
its template and values, so that a page, a mail or the API can say it in its reader's language
(kite_app/i18n.py `say`). `msg` marks the template for extraction."""

from __future__ import annotations

from typing import Any


class Text(str):
    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, values: dict[str, Any]) -> Text:
        self = super().__new__(cls, template.format(**values) if values else template)
        self.template, self.values = template, values
        return self

    def __reduce__(self):  # pickles (a page state kept between events) with its template and values
        return (Text, (self.template, self.values))


def msg(template: str, **values: Any) -> Text:
    """A text for a person: `template` with `{name}` placeholders filled from `values` (a value that is itself
    a Text is said in the reader's language too)."""
    return Text(template, values)
