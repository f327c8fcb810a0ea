import pytest
from hypothesis import given
from hypothesis import strategies as st

from kite_app.domain.accounts import (
    MAX_SLUG_LENGTH,
    email_error,
    normalize_email,
    password_error,
    slugify,
    time_zone_error,
    unique_slug,
    validate_person,
)
from kite_app.domain.errors import ValidationError


@pytest.mark.parametrize(
    "name, slug",
    [("Ada Lovelace", "ada-lovelace"), ("Zoë O'Brien", "zoe-obrien"), ("  Jean-Luc   Picard ", "jean-luc-picard"),
     ("李小龍", "agent"), ("Agent 007", "agent-007")],
)
def test_slug_is_derived_from_the_name(name, slug):
    assert slugify(name) == slug


def test_unique_slug_appends_the_first_free_number():
    assert unique_slug("Ada Lovelace", set()) == "ada-lovelace"
    assert unique_slug("Ada Lovelace", {"ada-lovelace"}) == "ada-lovelace-2"
    assert unique_slug("Ada Lovelace", {"ada-lovelace", "ada-lovelace-2"}) == "ada-lovelace-3"


@given(st.text(max_size=300), st.sets(st.text(alphabet="abc-", max_size=5), max_size=20))
def test_slugs_are_url_safe_short_and_free(name, taken):
    slug = unique_slug(name, taken)
    assert slug not in taken
    assert len(slug) <= MAX_SLUG_LENGTH
    assert slug and all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    assert not slug.startswith("-") and not slug.endswith("-")


@pytest.mark.parametrize("email", ["", "plain", "a@b", "a b@example.com", "a@@example.com", "a@-x.com",
                                   "x" * 250 + "@e.com"])
def test_invalid_emails_are_refused(email):
    assert email_error(normalize_email(email))


@pytest.mark.parametrize("email", ["ada@example.com", "  Ada.Lovelace+kite@Example.CO.UK "])
def test_valid_emails_pass(email):
    assert email_error(normalize_email(email)) is None


def test_short_password_is_refused_with_the_minimum_named():
    assert "at least 10 characters" in password_error("short")
    assert password_error("long enough pass") is None


def test_time_zone_must_be_a_known_iana_name():
    assert time_zone_error("Europe/Berlin") is None
    assert time_zone_error("Mars/Olympus") == "Choose a time zone from the list."


def test_validate_person_reports_every_bad_field_at_once():
    with pytest.raises(ValidationError) as info:
        validate_person(name="", email="nope", time_zone="Nowhere", password="123")
    assert set(info.value.errors) == {"name", "email", "time_zone", "password"}
