"""The public REST API against the running production server: every error, and races for one slot."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.seed import open_agent

SERVER_ENV = {"KITE_BOOKING_RATE_PER_MINUTE": "100000"}
ALL_DAY = "00:00-24:00"


@pytest.fixture(scope="module")
def api(server):
    open_agent("Ann Around", "ann@example.com", hours=ALL_DAY)
    open_agent("Dora Daytime", "dora@example.com", hours="09:00-17:00")
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as client:
        yield client


def guest(**kw):
    body = {"name": "Gus Guest", "email": "gus@example.com", "time_zone": "Asia/Kolkata", "subject": "Hello"}
    body.update(kw)
    return body


def free(api, slug="ann-around", duration=30, days=3):
    start = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    end = (datetime.now(UTC) + timedelta(days=2 + days)).date().isoformat()
    r = api.get(f"/agents/{slug}/slots", params={"start": start, "duration": duration, "tz": "UTC", "end": end})
    assert r.status_code == 200, r.text
    return [s["start"] for s in r.json()["slots"]]


def assert_error(r: httpx.Response, status: int, code: str):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code and body["message"], body
    return body


def test_slots_are_labelled_in_the_guests_zone(api):
    r = api.get("/agents/dora-daytime/slots", params={"tz": "Asia/Kolkata", "duration": 60})
    assert r.status_code == 200
    body = r.json()
    assert body["agent"] == "Dora Daytime" and body["duration"] == 60
    times = {s["time"] for s in body["slots"]}
    expected = {f"{m // 60:02d}:{m % 60:02d}" for m in range(14 * 60 + 30, 21 * 60 + 31, 30)}
    assert times and times <= expected  # starts 09:00-16:00 UTC = 14:30-21:30 IST


@pytest.mark.parametrize(
    "path, params, status, code",
    [
        ("/agents/nobody/slots", {}, 404, "not_found"),
        ("/agents/ann-around/slots", {"tz": "Mars/Base"}, 422, "invalid_input"),
        ("/agents/ann-around/slots", {"duration": 45}, 422, "invalid_input"),
        ("/agents/ann-around/slots", {"start": "2026-12-10", "end": "2026-12-01"}, 422, "invalid_input"),
        ("/agents/ann-around/slots", {"start": "tomorrow"}, 422, "invalid_input"),
        ("/agents/ann-around/slots", {"duration": "abc"}, 422, "invalid_input"),
        ("/bookings/not-a-real-token", {}, 404, "not_found"),
    ],
)
def test_read_errors(api, path, params, status, code):
    assert_error(api.get(path, params=params), status, code)


def as_documented(api, r: httpx.Response) -> dict:
    """The answer's body, checked against the API's own description of a meeting (openapi.json)."""
    schema = api.get("/openapi.json").json()["components"]["schemas"]["MeetingOut"]
    body = r.json()
    assert set(body) == set(schema["properties"]) and set(schema["required"]) <= set(body), body
    kinds = {"string": str, "integer": int, "array": list, "object": dict}
    for name, prop in schema["properties"].items():
        assert isinstance(body[name], kinds[prop["type"]]), (name, body[name])
    assert r.headers["content-type"] == "application/json"
    return body


def test_book_read_move_delete_and_the_slot_comes_back(api):
    slots = free(api)
    r = api.post("/agents/ann-around/bookings", json=guest(start=slots[0], subject="<script>alert(1)</script>"))
    assert r.status_code == 201, r.text
    meeting = as_documented(api, r)
    token = meeting["manage_token"]
    assert meeting["status"] == "pending" and meeting["subject"] == "<script>alert(1)</script>"
    assert meeting["meeting_url"] == ""  # this agent offers no meeting link
    assert meeting["manage_url"].endswith(f"/manage/{token}") and len(token) >= 32
    assert "(Asia/Kolkata)" in meeting["time_label"]
    assert slots[0] not in free(api)
    assert as_documented(api, api.get(f"/bookings/{token}"))["start"] == meeting["start"]

    moved = api.patch(f"/bookings/{token}", json={"start": slots[4], "duration": 60, "subject": "Moved"})
    assert moved.status_code == 200, moved.text
    assert as_documented(api, moved)["duration"] == 60 and moved.json()["subject"] == "Moved"
    assert slots[0] in free(api) and slots[4] not in free(api)

    ics = api.get(f"/bookings/{token}/meeting.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "METHOD:PUBLISH" in ics.text and "SUMMARY:Moved" in ics.text and "STATUS:TENTATIVE" in ics.text
    assert_error(api.get(f"/bookings/{'x' * 40}/meeting.ics"), 404, "not_found")

    assert_error(api.delete(f"/bookings/{token}", params={"reason": "x" * 501}), 422, "invalid_input")
    deleted = api.delete(f"/bookings/{token}", params={"reason": "Plans changed."})
    assert deleted.status_code == 200 and as_documented(api, deleted)["status"] == "cancelled"
    assert slots[4] in free(api)
    assert "STATUS:CANCELLED" in api.get(f"/bookings/{token}/meeting.ics").text
    assert_error(api.get("/agents/ann-around/photo"), 404, "not_found")  # initials, no photo
    assert_error(api.patch(f"/bookings/{token}", json={"subject": "again"}), 422, "invalid_input")


def test_one_limit_and_one_message_for_each_text_field_whatever_its_length(api):
    slot = free(api)[5]
    for length in (201, 500, 5000, 100_000):
        body = assert_error(api.post("/agents/ann-around/bookings", json=guest(start=slot, subject="x" * length)),
                            422, "invalid_input")
        assert body["fields"] == {"subject": "Use at most 200 characters for the subject."}
        body = assert_error(api.post("/agents/ann-around/bookings", json=guest(start=slot, name="n" * length)),
                            422, "invalid_input")
        assert body["fields"] == {"guest_name": "Use at most 100 characters for the name."}
    r = api.post("/agents/ann-around/bookings", json=guest(start=slot, subject="x" * 200))
    assert r.status_code == 201, r.text
    body = assert_error(api.patch(f"/bookings/{r.json()['manage_token']}", json={"subject": "y" * 5000}),
                        422, "invalid_input")
    assert body["fields"] == {"subject": "Use at most 200 characters for the subject."}


def test_booking_errors(api):
    slots = free(api)
    taken = api.post("/agents/ann-around/bookings", json=guest(start=slots[1]))
    assert taken.status_code == 201
    assert_error(api.post("/agents/ann-around/bookings", json=guest(start=slots[1], email="x@example.com")),
                 409, "slot_taken")
    start = datetime.fromisoformat(slots[1])
    cases = [
        (guest(start=slots[2], duration=45), "duration_not_offered"),
        (guest(start=(start + timedelta(minutes=10)).isoformat()), "slot_off_grid"),
        (guest(start=(datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0).isoformat()),
         "slot_in_past"),
        (guest(start=(start + timedelta(days=20)).isoformat()), "beyond_window"),
    ]
    for body, code in cases:
        assert_error(api.post("/agents/ann-around/bookings", json=body), 422, code)
    dora_night = (datetime.now(UTC) + timedelta(days=2)).replace(hour=2, minute=0, second=0, microsecond=0)
    assert_error(api.post("/agents/dora-daytime/bookings", json=guest(start=dora_night.isoformat())), 422,
                 "outside_hours")
    for body, field in [(guest(start=slots[3], time_zone="Nowhere/City"), "time_zone"),
                        (guest(start=slots[3], email="not-an-email"), "guest_email"),
                        (guest(start=slots[3], name=""), "guest_name"),
                        (guest(start=slots[3], subject="x" * 201), "subject")]:
        assert field in assert_error(api.post("/agents/ann-around/bookings", json=body), 422, "invalid_input")["fields"]
    assert_error(api.post("/agents/ann-around/bookings", json={**guest(start=slots[3]), "admin": True}), 422,
                 "invalid_input")
    assert_error(api.post("/agents/ann-around/bookings", json=guest(start=slots[3].replace("+00:00", ""))), 422,
                 "invalid_input")
    assert_error(api.post("/agents/ann-around/bookings", content=b'{"name": "\xff\xfe"}',
                          headers={"content-type": "application/json"}), 422, "invalid_json")
    assert_error(api.post("/agents/nobody/bookings", json=guest(start=slots[3])), 404, "not_found")
    assert slots[3] in free(api)  # none of the bad requests booked anything


def test_idempotency_key_returns_the_first_result(api):
    slot = free(api)[6]
    headers = {"Idempotency-Key": "retry-7f3a"}
    first = api.post("/agents/ann-around/bookings", json=guest(start=slot), headers=headers)
    again = api.post("/agents/ann-around/bookings", json=guest(start=slot), headers=headers)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["start"] == first.json()["start"]  # one meeting; each answer carries a link to it
    for answer in (first, again):
        assert api.get(f"/bookings/{answer.json()['manage_token']}").json()["start"] == first.json()["start"]
    assert free(api).count(slot) == 0


def race(api, starts: list[str], duration: int) -> list[int]:
    def attempt(i):
        with httpx.Client(base_url=str(api.base_url), timeout=60) as client:
            return client.post("/agents/ann-around/bookings",
                               json=guest(start=starts[i], duration=duration, email=f"racer{i}@example.com"))

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(attempt, range(len(starts))))
    for r in responses:
        assert r.status_code in (201, 409), r.text
        if r.status_code == 409:
            assert r.json()["code"] == "slot_taken"
    return [r.status_code for r in responses]


def test_fifty_concurrent_bookings_for_one_slot_and_for_overlapping_slots(api):
    slots = free(api, duration=60, days=1)
    same = race(api, [slots[10]] * 50, 60)
    assert same.count(201) == 1 and same.count(409) == 49
    a = datetime.fromisoformat(slots[14])
    overlapping = [(a + timedelta(minutes=30 * (i % 2))).isoformat() for i in range(50)]  # 60-min meetings, 30 apart
    result = race(api, overlapping, 60)
    assert result.count(201) == 1 and result.count(409) == 49


def test_the_guests_language_comes_from_the_body_or_accept_language(api):
    from sqlmodel import select

    from kite_app.persistence.db import transaction
    from kite_app.persistence.models import Meeting

    slots = free(api, days=4)
    by_header = api.post("/agents/ann-around/bookings", json=guest(start=slots[-1], email="it@example.com"),
                         headers={"Accept-Language": "pt-BR, it;q=0.8, de;q=0.5"})
    by_body = api.post("/agents/ann-around/bookings", json=guest(start=slots[-3], email="fr@example.com",
                                                                 language="fr"), headers={"Accept-Language": "de"})
    assert by_header.status_code == by_body.status_code == 201, (by_header.text, by_body.text)
    assert_error(api.post("/agents/ann-around/bookings", json=guest(start=slots[-5], language="pt")), 422,
                 "invalid_input")
    with transaction() as s:
        found = {m.guest_email: m.guest_language for m in s.exec(select(Meeting)).all()}
    assert found["it@example.com"] == "it" and found["fr@example.com"] == "fr"


def test_error_messages_follow_accept_language_and_codes_never_change(api):
    slots = free(api, days=4)
    bad = guest(start=slots[-1], email="not an email", name="")
    answers = {lang: assert_error(api.post("/agents/ann-around/bookings", json=bad,
                                           headers={"Accept-Language": lang}), 422, "invalid_input")
               for lang in ("en", "de-CH,de;q=0.9", "fr", "it", "es")}
    assert answers["en"]["fields"]["guest_email"] == "Enter a valid email address, like name@example.com."
    assert answers["de-CH,de;q=0.9"]["fields"]["guest_email"] == \
        "Geben Sie eine gültige E-Mail-Adresse ein, z. B. name@example.com."
    assert answers["fr"]["fields"]["guest_name"] == "Saisissez un nom."
    assert answers["it"]["message"].startswith("Inserisci un nome.")
    assert {a["code"] for a in answers.values()} == {"invalid_input"}
    assert {tuple(sorted(a["fields"])) for a in answers.values()} == {("guest_email", "guest_name")}
    # a message with a value in it, and one from another layer (the slot rules)
    r = api.get("/agents/ann-around/slots", params={"tz": "Nowhere/City"}, headers={"Accept-Language": "es"})
    assert assert_error(r, 422, "invalid_input")["fields"]["tz"] == \
        "Elige una zona horaria de la lista, p. ej. Europe/Berlin."
    far = api.get("/agents/ann-around/slots", params={"start": "2026-12-01", "end": "2027-03-01"},
                  headers={"Accept-Language": "it"})
    assert assert_error(far, 422, "invalid_input")["fields"]["end"].startswith("Chiedi al massimo ")
    missing = api.get("/agents/nobody-here/slots", headers={"Accept-Language": "fr"})
    assert assert_error(missing, 404, "not_found")["message"].startswith("Il n'y a pas de page de réservation")


def test_request_shape_errors_are_strict_and_said_in_the_callers_language(api):
    slots = free(api, days=4)
    german = {"Accept-Language": "de"}
    # each field's message in the caller's language, not pydantic's English
    body = assert_error(api.post("/agents/ann-around/bookings", json={"time_zone": "UTC"}, headers=german), 422,
                        "invalid_input")
    assert body["fields"] == {"start": "Dieses Feld ist erforderlich.", "name": "Dieses Feld ist erforderlich.",
                              "email": "Dieses Feld ist erforderlich."}, body
    assert body["message"] == "Einige Werte fehlen oder sind ungültig."
    # a body that is not JSON is said of the body, not of a field "0"
    for raw in (b"not json", b'{"start": '):
        body = assert_error(api.post("/agents/ann-around/bookings", content=raw, headers={
            "content-type": "application/json", "Accept-Language": "fr"}), 422, "invalid_json")
        assert body["fields"] == {} and body["message"] == "Le corps de la requête n'est pas du JSON valide."
    assert assert_error(api.post("/agents/ann-around/bookings", json=[1, 2]), 422, "invalid_input")["fields"] == {}
    # strict types: a time is an ISO 8601 string (12345 is no Unix time), minutes are an integer
    body = assert_error(api.post("/agents/ann-around/bookings", json=guest(start=12345)), 422, "invalid_input")
    assert body["fields"] == {"start": "Give the time as an ISO 8601 string with its UTC offset, like "
                                       "2026-12-01T09:00:00+01:00."}
    for duration in ("30", 30.5, True):
        body = assert_error(api.post("/agents/ann-around/bookings", json=guest(start=slots[0], duration=duration)),
                            422, "invalid_input")
        assert body["fields"] == {"duration": "Give a whole number, like 30."}, (duration, body)
    body = assert_error(api.post("/agents/ann-around/bookings", json={**guest(start=slots[0]), "language": "pt"},
                                 headers={"Accept-Language": "es"}), 422, "invalid_input")
    assert body["fields"] == {"language": "Elige uno de: en, de, fr, it, es."}, body
    assert slots[0] in free(api, days=4)  # none of them booked anything
    # PATCH with nothing to change is refused, and changes nothing
    booked = api.post("/agents/ann-around/bookings", json=guest(start=slots[0], duration=30))
    assert booked.status_code == 201, booked.text
    token = booked.json()["manage_token"]
    for nothing in ({}, {"subject": None}):
        body = assert_error(api.patch(f"/bookings/{token}", json=nothing, headers=german), 422, "nothing_to_change")
        assert body["message"] == "Geben Sie einen neuen Beginn, eine neue Dauer oder einen neuen Betreff an."
    assert assert_error(api.patch(f"/bookings/{token}", json={"duration": "60"}), 422,
                        "invalid_input")["fields"] == {"duration": "Give a whole number, like 30."}
    assert api.get(f"/bookings/{token}").json()["duration"] == 30
    assert api.patch(f"/bookings/{token}", json={"subject": "New"}).json()["subject"] == "New"
