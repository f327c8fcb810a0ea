import re
from datetime import timedelta

import pytest
from sqlmodel import select

from kite_app.domain.errors import KiteError, TooManyAttempts, ValidationError
from kite_app.persistence.db import transaction
from kite_app.persistence.models import OutboxMail
from kite_app.services import guest_auth


def mailed_code(email):
    with transaction() as s:
        mail = s.exec(select(OutboxMail).where(OutboxMail.to_email == email).order_by(OutboxMail.id.desc())).first()
    return re.search(r"\b(\d{6})\b", mail.body_text)[1]


def test_code_by_mail_logs_the_guest_in(database, now):
    guest_auth.request_code(" Gus@Example.com ", now=now)
    code = mailed_code("gus@example.com")
    with pytest.raises(ValidationError):
        guest_auth.verify_code("gus@example.com", "000000" if code != "000000" else "111111", now=now)
    token = guest_auth.verify_code("gus@example.com", code, now=now)
    assert guest_auth.guest_email(token, now=now) == "gus@example.com"
    assert guest_auth.guest_email(token, now=now + timedelta(days=31)) is None
    with pytest.raises(KiteError):  # a used code does not work twice
        guest_auth.verify_code("gus@example.com", code, now=now)


def test_codes_expire_and_wrong_guesses_are_limited(database, now):
    guest_auth.request_code("gus@example.com", now=now)
    code = mailed_code("gus@example.com")
    with pytest.raises(KiteError, match="expired"):
        guest_auth.verify_code("gus@example.com", code, now=now + timedelta(minutes=11))
    guest_auth.request_code("gus@example.com", now=now)
    code = mailed_code("gus@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(ValidationError):
            guest_auth.verify_code("gus@example.com", wrong, now=now)
    with pytest.raises(KiteError, match="Too many wrong codes"):
        guest_auth.verify_code("gus@example.com", code, now=now)


def test_code_requests_are_throttled_and_checked(database, now):
    for _ in range(5):
        guest_auth.request_code("gus@example.com", now=now)
    with pytest.raises(TooManyAttempts):
        guest_auth.request_code("gus@example.com", now=now)
    with pytest.raises(ValidationError):
        guest_auth.request_code("not an email", now=now)
