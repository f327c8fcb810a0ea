"""Booking requests are rate-limited per client address."""

import httpx

from tests.api.test_api import ALL_DAY, guest
from tests.seed import open_agent

SERVER_ENV = {"KITE_BOOKING_RATE_PER_MINUTE": "3"}


def test_the_fourth_booking_in_a_minute_gets_429(server):
    open_agent("Ann Around", "ann@example.com", hours=ALL_DAY)
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as api:
        slots = [s["start"] for s in api.get("/agents/ann-around/slots", params={"tz": "UTC"}).json()["slots"]]
        codes = [api.post("/agents/ann-around/bookings", json=guest(start=slots[i * 4])).status_code for i in range(4)]
        assert codes == [201, 201, 201, 429]
        limited = api.post("/agents/ann-around/bookings", json=guest(start=slots[20]))
        assert limited.json()["code"] == "rate_limited" and int(limited.headers["Retry-After"]) > 0
        assert slots[20] in [s["start"] for s in api.get("/agents/ann-around/slots",
                                                         params={"tz": "UTC"}).json()["slots"]]
