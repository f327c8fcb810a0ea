"""Slot queries and bookings from 50 concurrent clients against the production server on loopback.

Prints requests/s, p50/p95 latency per kind of request, the bare round trip (`/ping`) measured in the
same run as the baseline, and the number of double bookings (must be 0).
Run: .venv/bin/python bench/booking_load.py [--seconds 30] [--clients 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kite_app.persistence import db  # noqa: E402
from tests.conftest import Server  # noqa: E402
from tests.seed import open_agent  # noqa: E402

def seed(n_agents: int = 3) -> list[str]:
    return [open_agent(f"Agent {i}", f"agent{i}@example.com", hours="08:00-18:00", time_zone="Europe/Berlin")["slug"]
            for i in range(n_agents)]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(url: str, slugs: list[str], seconds: float, clients: int) -> tuple[dict, dict]:
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(seed_: int) -> None:
        rng = random.Random(seed_)
        with httpx.Client(base_url=url, timeout=30) as http:
            while time.monotonic() < stop_at:
                slug = rng.choice(slugs)
                day = (datetime.now(UTC) + timedelta(days=rng.randint(1, 12))).date()
                t0 = time.perf_counter()
                r = http.get(f"/api/v1/agents/{slug}/slots",
                             params={"start": day.isoformat(), "end": (day + timedelta(days=1)).isoformat(),
                                     "tz": "America/New_York", "duration": 30})
                dt = time.perf_counter() - t0
                with lock:
                    latencies["slots"].append(dt)
                    statuses["slots"][r.status_code] += 1
                slots = r.json().get("slots", []) if r.status_code == 200 else []
                if slots and rng.random() < 0.3:
                    t0 = time.perf_counter()
                    b = http.post(f"/api/v1/agents/{slug}/bookings",
                                  json={"start": rng.choice(slots)["start"], "duration": rng.choice((30, 60)),
                                        "name": "Load Guest", "email": f"g{seed_}@example.com"})
                    dt = time.perf_counter() - t0
                    with lock:
                        latencies["bookings"].append(dt)
                        statuses["bookings"][b.status_code] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    elapsed = time.monotonic() - started
    return {k: (len(v) / elapsed, percentile(v, 50), percentile(v, 95)) for k, v in latencies.items()}, statuses


def ping_baseline(url: str, n: int = 300) -> float:
    with httpx.Client(base_url=url, timeout=10) as http:
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            http.get("/ping")
            samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp), {"KITE_BOOKING_RATE_PER_MINUTE": "1000000"})
        server.migrate()
        server.start()
        try:
            db.use_database(server.db_url)
            slugs = seed()
            ping = ping_baseline(server.url)
            results, statuses = run(server.url, slugs, args.seconds, args.clients)
            with db.engine().connect() as conn:
                doubles = conn.execute(OVERLAPS).scalar_one()
                booked = conn.execute(text("SELECT COUNT(*) FROM meetings WHERE status != 'cancelled'")).scalar_one()
            if any(code >= 500 for kind in statuses.values() for code in kind):
                log = server.log_path.read_text(errors="replace")
                print("server errors; the server's last traceback:\n" + log[log.rfind("Traceback"):][-1500:])
        finally:
            server.stop()
    print(f"{args.clients} clients for {args.seconds:.0f} s against the production server (SQLite, one worker)")
    print(f"  baseline: bare round trip GET /ping p50 {ping * 1e3:.2f} ms (one client, before the load)")
    for kind, (rps, p50, p95) in results.items():
        codes = ", ".join(f"{code}: {count}" for code, count in sorted(statuses[kind].items()))
        print(f"  {kind:9s} {rps:8.1f} req/s   p50 {p50 * 1e3:7.1f} ms ({p50 / ping:6.1f}x ping)   "
              f"p95 {p95 * 1e3:7.1f} ms   [{codes}]")
    print(f"  meetings booked: {booked}   double bookings: {doubles}")
    if doubles:
        raise SystemExit("double bookings found")


if __name__ == "__main__":
    main()
