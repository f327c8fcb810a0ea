"""Slot queries and bookings from many concurrent clients against the production server on loopback,
with 1 and with 2 backend workers.

For each worker count: requests/s, p50/p95 latency per kind of request, the bare round trip (`/ping`)
measured in the same run as the baseline, double bookings (must be 0) and the backend's memory (peak
proportional set size of gunicorn's master and workers). Then the 2-worker/1-worker throughput ratio.
PostgreSQL (with Redis for Reflex's state) by default; `--db sqlite` for the embedded setup. The clients
run in processes of their own; on a small machine they share its cores with the server, which caps the
ratio (the machine's core count is printed).

Run: .venv/bin/python bench/booking_load.py [--seconds 20] [--clients 48] [--workers 1 2] [--db postgresql]
     [--profile]   (samples the backend workers with py-spy during the load and prints where their time goes)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kite_app.persistence import db  # noqa: E402
from tests.conftest import ROOT, Server  # noqa: E402
from tests.seed import double_bookings, open_agent  # noqa: E402

CLIENT_PROCESSES = 4
# One worker's throughput on this 2-core machine before the request path was reworked (PostgreSQL, 48
# clients): the figure the one-worker target (3x) is measured against.
BEFORE_RPS = 41.0
P95_TARGET = 0.300  # seconds, slot queries and bookings, with two workers


def seed(n_agents: int = 3) -> list[str]:
    return [open_agent(f"Agent {i}", f"agent{i}@example.com", hours="08:00-18:00", time_zone="Europe/Berlin")["slug"]
            for i in range(n_agents)]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def client_process(job: tuple[str, list[str], float, int, int]) -> tuple[dict, dict, float, float]:
    """One process of `threads` clients for `seconds` from when it is ready (spawning a process can take
    seconds on a loaded machine): each asks for a day's slots and books one of them three times in ten.
    Returns the latencies, the statuses and the wall-clock times the load ran between."""
    url, slugs, seconds, threads, first_seed = job
    began = time.time()
    stop_at = began + seconds
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()

    def client(seed_: int) -> None:
        rng = random.Random(seed_)
        with httpx.Client(base_url=url, timeout=60) as http:
            while time.time() < stop_at:
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

    pool = [threading.Thread(target=client, args=(first_seed + i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return dict(latencies), {k: dict(v) for k, v in statuses.items()}, began, time.time()


def load(url: str, slugs: list[str], seconds: float, clients: int) -> tuple[dict, dict, float]:
    per_process = max(1, clients // CLIENT_PROCESSES)
    jobs = [(url, slugs, seconds, per_process, n * per_process) for n in range(CLIENT_PROCESSES)]
    with multiprocessing.get_context("spawn").Pool(CLIENT_PROCESSES) as pool:
        parts = pool.map(client_process, jobs)
    elapsed = max(p[3] for p in parts) - min(p[2] for p in parts)  # from the first client's start to the last's end
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for lat, st, _began, _ended in parts:
        for kind, values in lat.items():
            latencies[kind] += values
        for kind, codes in st.items():
            for code, n in codes.items():
                statuses[kind][code] += n
    return latencies, statuses, elapsed


def ping_baseline(url: str, n: int = 300) -> float:
    with httpx.Client(base_url=url, timeout=10) as http:
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            http.get("/ping")
            samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def measure(workdir: Path, db_url: str, env: dict[str, str], args) -> dict:
    server = Server(workdir, {"KITE_BOOKING_RATE_PER_MINUTE": "1000000", **env}, db_url=db_url,
                    web_dir=ROOT / ".web-bench")  # a running ./run.sh keeps its own build in .web
    server.migrate()
    server.start()
    peak = [0.0]
    done = threading.Event()

    def sample_memory() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], server.memory_mib())

    try:
        db.use_database(server.db_url)
        slugs = seed()
        ping = ping_baseline(server.url)
        idle = server.memory_mib()
        sampler = threading.Thread(target=sample_memory)
        sampler.start()
        spies = start_profiles(server, workdir, args.seconds) if args.profile else []
        latencies, statuses, elapsed = load(server.url, slugs, args.seconds, args.clients)
        done.set()
        sampler.join()
        if spies:
            print_profile(spies)
        doubles = double_bookings()
        if any(code >= 500 for kind in statuses.values() for code in kind):
            log = server.log_path.read_text(errors="replace")
            print("server errors; the server's last traceback:\n" + log[log.rfind("Traceback"):][-1500:])
    finally:
        done.set()
        server.stop()
        db.use_database(None)
        db.dispose(server.db_url)
    return {"ping": ping, "latencies": latencies, "statuses": statuses, "elapsed": elapsed, "doubles": doubles,
            "idle_mib": idle, "peak_mib": peak[0]}


def start_profiles(server: Server, workdir: Path, seconds: float) -> list[tuple[subprocess.Popen, Path]]:
    """py-spy samples each backend worker (all its threads, idle ones left out) for the load's duration."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = []
    for pid in server.worker_pids():
        path = workdir / f"profile-{pid}.txt"
        proc = subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
                                 "--format", "raw", "--output", str(path), "--nonblocking"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append((proc, path))
    return out


def print_profile(spies: list[tuple[subprocess.Popen, Path]], top: int = 25) -> None:
    """Where the workers' busy samples were: the share of samples each function was on the stack
    (inclusive), for our code and the libraries around it."""
    inclusive: dict[str, int] = defaultdict(int)
    total = 0
    for proc, path in spies:
        proc.wait(timeout=120)
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            total += n
            for frame in dict.fromkeys(f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1]
                                       for f in stack.split(";")[1:]):
                inclusive[frame] += n
    if not total:
        print("  (no profile: py-spy could not attach)")
        return
    print(f"  profile: {total} busy samples of the workers; share of samples each function was on the stack:")
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {100 * n / total:5.1f}%  {frame}")


def report(workers: int, r: dict) -> float:
    total = sum(len(v) for v in r["latencies"].values()) / r["elapsed"]
    print(f"{workers} worker(s): {total:.1f} req/s in all; backend memory {r['idle_mib']:.0f} MiB idle, "
          f"{r['peak_mib']:.0f} MiB peak; bare round trip GET /ping p50 {r['ping'] * 1e3:.2f} ms")
    for kind, values in r["latencies"].items():
        p50, p95 = percentile(values, 50), percentile(values, 95)
        codes = ", ".join(f"{code}: {count}" for code, count in sorted(r["statuses"][kind].items()))
        verdict = "met" if p95 < P95_TARGET else "NOT met"
        target = f" (target {P95_TARGET * 1e3:.0f} ms: {verdict})" if workers == 2 else ""
        print(f"  {kind:9s} {len(values) / r['elapsed']:8.1f} req/s   p50 {p50 * 1e3:7.1f} ms "
              f"({p50 / r['ping']:5.1f}x ping)   p95 {p95 * 1e3:7.1f} ms{target}   [{codes}]")
    booked = r["statuses"].get("bookings", {}).get(201, 0)
    print(f"  meetings booked: {booked}   double bookings: {r['doubles']}")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=48)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--profile", action="store_true", help="sample the workers with py-spy (pip install py-spy)")
    args = parser.parse_args()
    print(f"{args.clients} clients in {CLIENT_PROCESSES} processes for {args.seconds:.0f} s per run, "
          f"{args.db}, on a machine with {os.cpu_count()} CPU cores")
    throughput: dict[int, float] = {}
    doubles = 0
    with tempfile.TemporaryDirectory() as tmp:
        postgres = redis_server = None
        if args.db == "postgresql":
            from tests.servers.postgres import PostgresServer
            from tests.servers.redis import RedisServer

            postgres, redis_server = PostgresServer(), RedisServer()
            postgres.start()
            redis_server.start()
        try:
            for n in args.workers:
                workdir = Path(tmp) / f"w{n}"
                workdir.mkdir()
                env = {"KITE_WORKERS": str(n)}
                if postgres:
                    db_url = postgres.new_database()
                    env["REFLEX_REDIS_URL"] = redis_server.url
                else:
                    db_url = f"sqlite:///{workdir / 'bench.db'}"
                    if n > 1:
                        raise SystemExit("several workers need PostgreSQL and Redis: use --db postgresql")
                result = measure(workdir, db_url, env, args)
                throughput[n] = report(n, result)
                doubles += result["doubles"]
        finally:
            if postgres:
                postgres.stop()
                redis_server.stop()
    if 1 in throughput:
        ratio = throughput[1] / BEFORE_RPS
        print(f"1 worker: {throughput[1]:.0f} req/s, {ratio:.1f}x the {BEFORE_RPS:.0f} req/s before the rework "
              f"(target 3x: {'met' if ratio >= 3 else 'NOT met'})")
        for n, rps in throughput.items():
            if n != 1:
                ratio = rps / throughput[1]
                print(f"throughput ratio {n} workers / 1 worker: {ratio:.2f} "
                      f"(target 1.6 for 2: {'met' if ratio >= 1.6 else 'NOT met'})")
    if doubles:
        raise SystemExit("double bookings found")


if __name__ == "__main__":
    main()
