"""One request at a time against the production server on loopback (one worker): a month of an agent's
slots and a booking, each as a multiple of the bare round trip (`GET /ping`) measured in the same run.

The agent is open every day 09:00-17:00 with a 30-minute grid and a 31-day window: a month is about 500
slots. Targets (p50): a month of slots within 4x /ping, a booking within 6x /ping.

Run: .venv/bin/python bench/api_latency.py [--db sqlite|postgresql] [--runs 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.booking_load import percentile  # noqa: E402
from kite_app.persistence import db  # noqa: E402
from tests.conftest import ROOT, Server  # noqa: E402
from tests.seed import double_bookings, open_agent  # noqa: E402

TARGETS = {"month of slots": 4.0, "booking": 6.0}


def timed(samples: list[float], call) -> httpx.Response:
    t0 = time.perf_counter()
    response = call()
    samples.append(time.perf_counter() - t0)
    return response


def run(url: str, slug: str, runs: int) -> dict[str, list[float]]:
    today = datetime.now(UTC).date()
    month = {"start": today.isoformat(), "end": (today + timedelta(days=31)).isoformat(), "tz": "America/New_York",
             "duration": 30}
    times: dict[str, list[float]] = {"ping": [], "month of slots": [], "booking": []}
    counts: list[int] = []
    with httpx.Client(base_url=url, timeout=30) as http:
        for _ in range(20):  # warm the worker: imports, connections, caches
            http.get("/ping")
            http.get(f"/api/v1/agents/{slug}/slots", params=month)
        for i in range(runs):
            # interleaved, so that a busy moment of the machine hits every kind alike
            for _ in range(5):
                timed(times["ping"], lambda: http.get("/ping"))
            r = timed(times["month of slots"], lambda: http.get(f"/api/v1/agents/{slug}/slots", params=month))
            r.raise_for_status()
            slots = r.json()["slots"]
            counts.append(len(slots))
            guest = {"start": slots[(i * 7) % len(slots)]["start"], "duration": 30, "name": "Bench Guest",
                     "email": f"guest{i}@example.com", "time_zone": "America/New_York"}
            b = timed(times["booking"], lambda: http.post(f"/api/v1/agents/{slug}/bookings", json=guest))  # noqa: B023
            if b.status_code != 201:
                raise SystemExit(f"booking failed: {b.status_code} {b.text}")
    print(f"  slots in a month: {statistics.median(counts):.0f}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        postgres = None
        env = {"KITE_BOOKING_RATE_PER_MINUTE": "1000000", "KITE_WORKERS": "1"}
        if args.db == "postgresql":
            from tests.servers.postgres import PostgresServer

            postgres = PostgresServer()
            postgres.start()
            db_url = postgres.new_database()
        else:
            db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        server = Server(Path(tmp), env, db_url=db_url, web_dir=ROOT / ".web-bench")
        try:
            server.migrate()
            server.start()
            db.use_database(server.db_url)
            slug = open_agent("Bench Agent", "bench@example.com", hours="09:00-17:00", time_zone="Europe/Berlin",
                              window_days="31", min_notice="0")["slug"]
            print(f"one worker, {args.db}, loopback, one request at a time, {args.runs} runs")
            times = run(server.url, slug, args.runs)
            doubles = double_bookings()
        finally:
            server.stop()
            db.use_database(None)
            db.dispose(server.db_url)
            if postgres:
                postgres.stop()
    ping = statistics.median(times["ping"])
    print(f"  {'GET /ping':16s} p50 {ping * 1e3:6.2f} ms   p95 {percentile(times['ping'], 95) * 1e3:6.2f} ms")
    failed = False
    for kind, target in TARGETS.items():
        p50 = statistics.median(times[kind])
        ratio = p50 / ping
        failed |= ratio > target
        print(f"  {kind:16s} p50 {p50 * 1e3:6.2f} ms   p95 {percentile(times[kind], 95) * 1e3:6.2f} ms   "
              f"{ratio:5.1f}x ping (target {target:.0f}x: {'met' if ratio <= target else 'NOT met'})")
    print(f"  double bookings: {doubles}")
    if doubles:
        raise SystemExit("double bookings found")


if __name__ == "__main__":
    main()
