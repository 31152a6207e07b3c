"""Beyond one instance: a mixed load against one server, then two behind nginx with a read replica.

Run: ``.venv/bin/python -m bench.scale [--clients 8] [--seconds 30]``. Sets up, once, a cluster of its own
in ``<data dir>/bench/scale`` with the Xiamen samples (``blueprint samples load``) and a streaming replica
(``blueprint db replica up``). Then, in one run, the same seeded mix at a fixed concurrency against

1. one ``blueprint serve`` on the primary alone;
2. two ``blueprint serve`` instances behind the nginx configuration of ``blueprint deploy nginx``, public
   reads sent to the replica (``BLUEPRINT_READ_URL``).

The mix: 50% vector tiles (pinned ``?v=`` URLs, as the pages ask for them), 20% parcel pages and parcels
GeoJSON, 25% anonymous screenings, 5% writes (registrations of interest in a parcel). Printed for each:
throughput, p50 and p99, errors (5xx and failed connections), and for the second the share of the routed
public reads the primary served. On 2 cores the goal is no loss rather than more throughput: zero errors,
p99 at most 1.5x the single instance's, the primary serving at most 20% of reads.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from shapely.geometry import box, mapping

from api.load_balancer import standalone_nginx_conf
from bench.common import BENCH_DIR, environment_line, percentile
from bench.screening import district_land
from gis.server import LocalPostgis

ISLAND = (118.06, 24.42, 118.20, 24.56)
"""Xiamen island and Gulangyu (WGS84 west, south, east, north): where the tiles are asked for."""
REPOSITORY = Path(__file__).resolve().parent.parent


def tiles_over(bounds: tuple[float, float, float, float], zoom: int) -> Iterator[tuple[int, int, int]]:
    """Web Mercator tiles (z, x, y) covering WGS84 ``bounds`` at ``zoom``."""
    def tile(lon: float, lat: float) -> tuple[int, int]:
        n = 2 ** zoom
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        return int((lon + 180) / 360 * n), int(y)

    (x0, y0), (x1, y1) = tile(bounds[0], bounds[3]), tile(bounds[2], bounds[1])
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            yield zoom, x, y


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def blueprint(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=env, cwd=REPOSITORY, check=True,
                          capture_output=True, text=True).stdout.strip()


@contextmanager
def running(command: list[str], env: dict[str, str], ready_url: str) -> Iterator[None]:
    process = subprocess.Popen(command, env=env, cwd=REPOSITORY, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(command)} did not come up")
            time.sleep(0.3)
        yield
    finally:
        process.terminate()
        process.wait(30)


def serve(env: dict[str, str], port: int) -> list[str]:
    return [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]


class Mix:
    """The seeded requests of the load: tiles, parcels, screenings and writes."""

    def __init__(self, base_url: str, sites: list[dict]) -> None:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            layers = client.get("/api/v1/layers").json()
            self.parcels = [parcel["parcel_code"] for parcel in
                            client.get("/api/v1/parcels", params={"page_size": 200}).json()["parcels"]]
        self.tile_urls = [f"/tiles/{layer['id']}/{z}/{x}/{y}.pbf?v={layer['current_version']}"
                          for layer in layers if layer["kind"] != "investment_parcel"
                          for zoom in (14, 15) for z, x, y in tiles_over(ISLAND, zoom)]
        self.sites = sites

    def request(self, rng: random.Random) -> tuple[str, str, dict | None]:
        """(kind, path, JSON body or None for a GET)."""
        pick = rng.random()
        if pick < 0.50:
            return "tile", rng.choice(self.tile_urls), None
        if pick < 0.70:
            if rng.random() < 0.5:
                return "parcels", f"/api/v1/parcels/{rng.choice(self.parcels)}", None
            return "parcels", "/api/v1/parcels.geojson", None
        if pick < 0.95:
            return "screening", "/api/v1/screenings", {"site": rng.choice(self.sites), "crs": "EPSG:4326",
                                                       "project_type": "02", "land_use": "1001", "industry": "C39"}
        return "write", f"/api/v1/parcels/{rng.choice(self.parcels)}/interest", {
            "organisation": "厦门基准测试有限公司", "contact_name": "测试", "phone": "0592-1234567",
            "intended_use": "基准测试的意向登记"}


def load(base_url: str, mix: Mix, clients: int, seconds: float, seed: int) -> list[tuple[str, float, int]]:
    """(kind, seconds, status; 0 for a failed connection) of every request of ``clients`` threads."""
    results: list[tuple[str, float, int]] = []
    stop = time.monotonic() + seconds

    def client_loop(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        mine = []
        with httpx.Client(base_url=base_url, timeout=60) as client:
            while time.monotonic() < stop:
                kind, path, body = mix.request(rng)
                started = time.perf_counter()
                try:
                    status = (client.post(path, json=body) if body is not None else client.get(path)).status_code
                except httpx.TransportError:
                    status = 0
                mine.append((kind, time.perf_counter() - started, status))
        results.extend(mine)

    threads = [threading.Thread(target=client_loop, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def routed_reads(instance_urls: list[str]) -> dict[str, float]:
    totals = {"primary": 0.0, "replica": 0.0}
    for url in instance_urls:
        for family in text_string_to_metric_families(httpx.get(f"{url}/metrics").text):
            for sample in family.samples:
                if sample.name == "blueprint_routed_reads_total":
                    totals[sample.labels["target"]] += sample.value
    return totals


def report(label: str, results: list[tuple[str, float, int]], seconds: float) -> float:
    timings = [elapsed for _, elapsed, _ in results]
    errors = sum(1 for _, _, status in results if status == 0 or status >= 500)
    p50, p99 = 1000 * percentile(timings, 50), 1000 * percentile(timings, 99)
    print(f"{label:<44} {len(results) / seconds:8.1f} req/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   "
          f"errors {errors}   (n={len(results)})")
    for kind in ("tile", "parcels", "screening", "write"):
        own = [elapsed for k, elapsed, _ in results if k == kind]
        if own:
            print(f"    {kind:<10} p50 {1000 * percentile(own, 50):7.1f} ms   p99 {1000 * percentile(own, 99):7.1f} ms "
                  f"(n={len(own)})")
    return p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    print(environment_line())
    data_dir = BENCH_DIR / "scale"
    # The servers run as the platform runs: as the server's role, which bench.common's privileged default
    # (and an empty value, which is no boolean) must not reach.
    env = {key: value for key, value in os.environ.items() if key not in (
        "DATABASE_URL", "BLUEPRINT_MIGRATION_URL", "BLUEPRINT_READ_URL", "BLUEPRINT_ALLOW_PRIVILEGED_ROLE")}
    env |= {"BLUEPRINT_DATA_DIR": str(data_dir)}
    print(f"setting up {data_dir} (once): samples and a streaming replica")
    blueprint(env, "samples", "load")
    replica_url = blueprint(env, "db", "replica", "up").splitlines()[0]
    cluster = LocalPostgis(data_dir)
    land = district_land(cluster.url())
    rng = random.Random(args.seed)
    sites = []
    west, south, east, north = land.bounds
    while len(sites) < 200:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        site = box(lon, lat, lon + 0.002, lat + 0.0015)
        if land.contains(site):
            sites.append(mapping(site))

    single_port = free_port()
    with running(serve(env, single_port), env, f"http://127.0.0.1:{single_port}/ready"):
        base = f"http://127.0.0.1:{single_port}"
        mix = Mix(base, sites)
        load(base, mix, args.clients, 3, args.seed + 1)  # warm: connections, caches
        single = load(base, mix, args.clients, args.seconds, args.seed)

    ports, listen = [free_port(), free_port()], free_port()
    replicated = env | {"BLUEPRINT_READ_URL": replica_url}
    work = data_dir / "nginx"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    conf = standalone_nginx_conf(work, [f"127.0.0.1:{port}" for port in ports], f"127.0.0.1:{listen}")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    instance_urls = [f"http://127.0.0.1:{port}" for port in ports]
    with running(serve(replicated, ports[0]), replicated, f"{instance_urls[0]}/ready"), \
            running(serve(replicated, ports[1]), replicated, f"{instance_urls[1]}/ready"), \
            running([nginx, "-p", str(work), "-c", str(conf)], env, f"http://127.0.0.1:{listen}/health"):
        base = f"http://127.0.0.1:{listen}"
        load(base, mix, args.clients, 3, args.seed + 1)
        before = routed_reads(instance_urls)
        balanced = load(base, mix, args.clients, args.seconds, args.seed)
        after = routed_reads(instance_urls)

    print(f"mixed load, {args.clients} clients, {args.seconds:g} s each:")
    p99_single = report("one instance, primary only", single, args.seconds)
    p99_balanced = report("two instances behind nginx, with a replica", balanced, args.seconds)
    primary, replica = (after[target] - before[target] for target in ("primary", "replica"))
    share = 100 * primary / (primary + replica) if primary + replica else float("nan")
    print(f"p99 two instances / one: {p99_balanced / p99_single:.2f}x (goal ≤ 1.5x); routed public reads served "
          f"by the primary: {share:.1f}% of {primary + replica:.0f} (goal ≤ 20%); tiles answered from nginx's "
          "cache never reach a database")


if __name__ == "__main__":
    main()
