"""Vector tiles: what a map view costs, one composite tile per view tile against one tile per layer (``--views``);
and tile throughput against tipg (developmentseed) over the same PostGIS table. Each in one run.

    .venv/bin/python -m bench.tiles --views              # requests, bytes and time to a complete view, z12–z16
    .venv/bin/python -m bench.tiles                      # against tipg: the database in use (DATABASE_URL or local)
    .venv/bin/python -m bench.tiles --samples DIR        # load generated samples first (any --scale)

Views (``--views``): the tiles covering a 1440×900 px map over Xiamen island at each zoom, fetched as a browser
does (six connections to the server, gzip): the one-blueprint map as it was, one tile per shown layer per view
tile (``/tiles/{layer}/{z}/{x}/{y}.pbf?v=``), against the map now, one composite tile of every layer per view tile
(``/tiles/composite/{z}/{x}/{y}.pbf?layers=…``). "Rendered": a server whose tile cache is off, PostgreSQL's
buffers warm (every tile made by PostGIS, as on a view nobody asked before); "cached": the same tiles from the
server's tile cache (a view asked before). The median of a few rounds; prints requests, KiB on the wire and
milliseconds to a complete view per zoom, and the composite/per-layer ratios.

Against tipg:

Both servers serve the current version of the land-use layer (国土空间规划用地) at zooms 12–16: the platform
at ``/tiles/{layer}/{z}/{x}/{y}.pbf?v={version}`` as its pages request it, tipg from a view over the same
``layer_features`` rows. Each gets the same tile list (tiles under randomly chosen zones, seeded), the same
client concurrency and one uvicorn worker. PostgreSQL's buffers are warmed for both before anything is
timed, so "cold" means the first request of each tile at the server (the platform's tile cache empty),
"warm" the same list once more. A third server is the platform with its pixel filter off, every attribute
at every zoom and tipg's feature limit, so the SQL of both does the same work. Both compress responses
(gzip, cramjam). Prints tiles/s, p50 and p95 latency, the tile size (decoded, and on the wire) and the
platform/tipg throughput ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import make_url, text

import bench.common  # noqa: F401  (runs as the owner: it creates a view for tipg)
from gis.db import get_engine, resolve_owner_url
from layers.store import list_layers
from layers.symbols import SHOWN_BY_DEFAULT

VIEW = "bench_tipg_land_use"
TIPG_MAX_FEATURES = 10_000  # tipg's default TIPG_MAX_FEATURES_PER_TILE
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Server:
    name: str
    url_template: str  # with {z}, {x}, {y}
    process: subprocess.Popen
    base: str


@dataclass(frozen=True)
class Result:
    tiles: int
    seconds: float
    latencies_ms: list[float]
    bytes: int
    wire_bytes: int
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.tiles / self.seconds

    def percentile(self, p: float) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[round(p) - 1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def asyncpg_dsn(url: str) -> str:
    """tipg (asyncpg, pydantic's PostgresDsn) wants postgresql://; a Unix socket goes %-encoded in the host."""
    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host or ""
    port = parsed.query.get("port") or parsed.port or 5432
    credentials = quote(parsed.username or "", safe="") + (f":{quote(parsed.password, safe='')}"
                                                          if parsed.password else "")
    return f"postgresql://{credentials}@{quote(str(host), safe='')}:{port}/{parsed.database}"


def land_use_layer(engine) -> tuple[int, int, int, int]:
    """(layer id, version, version id, feature count) of the newest land-use layer."""
    with engine.connect() as connection:
        row = connection.execute(text(
            "SELECT l.id, v.version, v.id, v.feature_count FROM layers l JOIN layer_versions v ON v.layer_id = l.id "
            "WHERE l.kind = 'land_use' ORDER BY v.id DESC LIMIT 1")).one_or_none()
    if row is None:
        sys.exit("no land-use layer: load samples first (blueprint samples load, or --samples DIR)")
    return tuple(row)


def prepare_view(engine, version_id: int) -> None:
    """The land-use rows of one version as a view tipg can see; the GiST index of the table serves it."""
    with engine.begin() as connection:
        connection.execute(text(f"DROP VIEW IF EXISTS {VIEW}"))
        connection.execute(text(
            f"CREATE VIEW {VIEW} AS SELECT id, properties, area_m2, geom FROM layer_features "
            f"WHERE version_id = {int(version_id)}"))


def warm_database(engine, version_id: int) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT sum(ST_NPoints(geom)), sum(length(properties::text)) FROM layer_features "
                                "WHERE version_id = :v"), {"v": version_id})


def tile_list(engine, version_id: int, zooms: range, per_zoom: int, seed: int) -> list[tuple[int, int, int]]:
    """``per_zoom`` distinct tiles per zoom under randomly chosen zones (seeded): tiles with content."""
    with engine.connect() as connection:
        points = connection.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM layer_features "
            "WHERE version_id = :v ORDER BY md5(id::text || :seed) LIMIT :n) s"),
            {"v": version_id, "seed": str(seed), "n": per_zoom * 20}).all()
    tiles = []
    for z in zooms:
        seen: dict[tuple[int, int, int], None] = {}
        for lon, lat in points:
            n = 2**z
            tile = (z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))
            seen.setdefault(tile)
            if len(seen) == per_zoom:
                break
        tiles += list(seen)
    random.Random(seed).shuffle(tiles)
    return tiles


def start(name: str, command: list[str], env: dict[str, str], url_template: str, port: int, ready: str) -> Server:
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a loaded machine imports the app slowly
    while True:
        if process.poll() is not None:
            sys.exit(f"{name} did not start:\n{process.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(base + ready, timeout=2).status_code == 200:
                return Server(name, base + url_template, process, base)
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.terminate()
            sys.exit(f"{name} did not answer within 180 s")
        time.sleep(0.2)


async def fetch_all(server: Server, tiles: list[tuple[int, int, int]], concurrency: int) -> Result:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    size = wire = 0
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def one(z: int, x: int, y: int) -> None:
            nonlocal size, wire
            async with gate:
                started = time.perf_counter()
                response = await client.get(server.url_template.format(z=z, x=x, y=y))
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                size += len(response.content)
                wire += response.num_bytes_downloaded

        started = time.perf_counter()
        await asyncio.gather(*(one(*tile) for tile in tiles))
        seconds = time.perf_counter() - started
    return Result(len(tiles), seconds, latencies, size, wire, statuses)


def report(label: str, results: dict[str, Result]) -> None:
    print(f"\n{label}")
    print(f"  {'server':<30}{'tiles/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'KiB/tile':>10}{'on wire':>9}  statuses")
    for name, result in results.items():
        print(f"  {name:<30}{result.per_second:>9.1f}{result.percentile(50):>9.1f}{result.percentile(95):>9.1f}"
              f"{result.bytes / result.tiles / 1024:>10.1f}{result.wire_bytes / result.tiles / 1024:>9.1f}"
              f"  {dict(sorted(result.statuses.items()))}")
    tipg = results["tipg"].per_second
    for name, result in results.items():
        if name != "tipg":
            print(f"  {name} / tipg throughput: {result.per_second / tipg:.2f}×")


VIEW_PIXELS = (1440, 900)
XIAMEN_ISLAND = (118.125, 24.485)
"""Centre of the views (WGS84 lon, lat): Xiamen island, Siming and Huli."""
BROWSER_CONNECTIONS = 6
"""Connections a browser opens to one HTTP/1.1 server at once."""


def view_tiles(z: int, lon: float, lat: float, width: int, height: int) -> list[tuple[int, int, int]]:
    """The XYZ tiles (256 px) a ``width``×``height`` px map centred on lon/lat shows at zoom ``z``."""
    n = 2**z
    cx = (lon + 180) / 360 * n * 256
    cy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n * 256
    xs = range(int((cx - width / 2) // 256), int((cx + width / 2 - 1) // 256) + 1)
    ys = range(int((cy - height / 2) // 256), int((cy + height / 2 - 1) // 256) + 1)
    return [(z, x, y) for y in ys for x in xs]


@dataclass(frozen=True)
class ViewCost:
    requests: int
    wire_bytes: int
    milliseconds: float


async def fetch_view(base: str, urls: list[str]) -> ViewCost:
    """Every URL of a view over :data:`BROWSER_CONNECTIONS` connections; the time until the last answer."""
    gate = asyncio.Semaphore(BROWSER_CONNECTIONS)
    limits = httpx.Limits(max_connections=BROWSER_CONNECTIONS, max_keepalive_connections=BROWSER_CONNECTIONS)
    wire = 0
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60,
                                 headers={"Accept-Encoding": "gzip"}) as client:

        async def one(url: str) -> None:
            nonlocal wire
            async with gate:
                response = await client.get(url)
                if response.status_code not in (200, 204):
                    sys.exit(f"{url}: HTTP {response.status_code} {response.text[:200]}")
                wire += response.num_bytes_downloaded

        started = time.perf_counter()
        await asyncio.gather(*(one(url) for url in urls))
        return ViewCost(len(urls), wire, (time.perf_counter() - started) * 1000)


def view_urls(layers: list[dict], tiles: list[tuple[int, int, int]]) -> dict[str, list[str]]:
    """The requests of one view: the map as it was (a tile per shown layer) and now (a composite per tile)."""
    shown = [layer for layer in layers if layer["kind"] in SHOWN_BY_DEFAULT]
    pinned = ",".join(f"{layer['id']}:{layer['current_version']}" for layer in layers)
    return {
        "one per layer": [f"/tiles/{layer['id']}/{z}/{x}/{y}.pbf?v={layer['current_version']}"
                          for z, x, y in tiles for layer in shown],
        "composite": [f"/tiles/composite/{z}/{x}/{y}.pbf?layers={pinned}" for z, x, y in tiles],
    }


def measure_views(server: Server, layers: list[dict], zooms: range, rounds: int) -> dict[int, dict[str, ViewCost]]:
    """Per zoom and way, the median cost of a view over ``rounds`` rounds (the two ways alternate), after one
    untimed round that warms PostgreSQL's buffers (and fills the server's tile cache, when it has one)."""
    costs: dict[int, dict[str, ViewCost]] = {}
    for z in zooms:
        urls = view_urls(layers, view_tiles(z, *XIAMEN_ISLAND, *VIEW_PIXELS))
        for way in urls.values():
            asyncio.run(fetch_view(server.base, way))
        samples: dict[str, list[ViewCost]] = {way: [] for way in urls}
        for round_number in range(rounds):
            for way in (list(urls) if round_number % 2 == 0 else list(urls)[::-1]):
                samples[way].append(asyncio.run(fetch_view(server.base, urls[way])))
        costs[z] = {way: sorted(runs, key=lambda cost: cost.milliseconds)[len(runs) // 2]
                    for way, runs in samples.items()}
    return costs


def report_views(label: str, costs: dict[int, dict[str, ViewCost]]) -> None:
    print(f"\n{label}")
    print(f"  {'zoom':<6}{'way':<16}{'requests':>9}{'KiB':>9}{'ms':>9}   composite / one per layer")
    totals: dict[str, list[float]] = {}
    for z, ways in costs.items():
        for way, cost in ways.items():
            total = totals.setdefault(way, [0, 0, 0])
            total[0] += cost.requests
            total[1] += cost.wire_bytes
            total[2] += cost.milliseconds
            ratio = ""
            if way == "composite":
                old = ways["one per layer"]
                ratio = (f"   requests {cost.requests / old.requests:.2f}×, "
                         f"bytes {cost.wire_bytes / old.wire_bytes:.2f}×, "
                         f"time {cost.milliseconds / old.milliseconds:.2f}×")
            print(f"  z{z:<5}{way:<16}{cost.requests:>9}{cost.wire_bytes / 1024:>9.1f}{cost.milliseconds:>9.0f}{ratio}")
    old, new = totals["one per layer"], totals["composite"]
    print(f"  z{min(costs)}–{max(costs)} all: requests {new[0]:.0f} vs {old[0]:.0f} ({new[0] / old[0]:.2f}×), "
          f"KiB {new[1] / 1024:.0f} vs {old[1] / 1024:.0f} ({new[1] / old[1]:.2f}×), "
          f"time to complete views {new[2]:.0f} vs {old[2]:.0f} ms ({new[2] / old[2]:.2f}×)")


def views_main(args: argparse.Namespace, zooms: range) -> None:
    engine = get_engine(os.environ["DATABASE_URL"])
    layers = list_layers(engine)
    if not layers:
        sys.exit("no layer: load samples first (blueprint samples load, or --samples DIR)")
    shown = sum(layer["kind"] in SHOWN_BY_DEFAULT for layer in layers)
    print(f"{len(layers)} layers ({shown} shown when the map opens); views of {VIEW_PIXELS[0]}×{VIEW_PIXELS[1]} px "
          f"at {XIAMEN_ISLAND}, {BROWSER_CONNECTIONS} connections, gzip, median of {args.rounds} rounds; "
          f"one uvicorn worker; {bench.common.environment_line()}")
    uvicorn = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--workers", "1", "--log-level", "warning",
               "--factory", "api.app:create_app"]
    for label, env in (("rendered: every tile made by PostGIS (tile cache off, PostgreSQL's buffers warm)",
                        {"BLUEPRINT_TILE_CACHE_MB": "0"}),
                       ("cached: every tile from the server's tile cache", {})):
        port = _free_port()
        server = start("platform", [*uvicorn, "--port", str(port)], env, "", port, "/ogc")
        try:
            report_views(label, measure_views(server, layers, zooms, args.rounds))
        finally:
            server.process.terminate()
            server.process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zooms", default="12-16", help="zoom range, e.g. 12-16")
    parser.add_argument("--per-zoom", type=int, default=80, help="distinct tiles per zoom")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20241)
    parser.add_argument("--samples", type=Path, help="load the samples in DIR first (data.samples.generate output)")
    parser.add_argument("--views", action="store_true", help="a map view: composite tiles against one per layer")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per view (--views); the median is shown")
    args = parser.parse_args()
    low, high = (int(part) for part in args.zooms.split("-"))

    url = resolve_owner_url()
    os.environ["DATABASE_URL"] = url  # the servers and this process use the same database
    engine = get_engine(url)
    if args.samples:
        from data.samples.load import load_samples

        for line in load_samples(args.samples):
            print(line)
    if args.views:
        views_main(args, range(low, high + 1))
        return
    layer_id, version, version_id, count = land_use_layer(engine)
    prepare_view(engine, version_id)
    tiles = tile_list(engine, version_id, range(low, high + 1), args.per_zoom, args.seed)
    warm_database(engine, version_id)
    print(f"land-use layer {layer_id} v{version}: {count:,} zones; {len(tiles)} tiles at z{low}–{high}, "
          f"concurrency {args.concurrency}, one uvicorn worker per server")

    uvicorn = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--workers", "1", "--log-level", "warning"]
    servers = []
    try:
        port = _free_port()
        servers.append(start("platform", [*uvicorn, "--port", str(port), "--factory", "api.app:create_app"], {},
                             f"/tiles/{layer_id}/{{z}}/{{x}}/{{y}}.pbf?v={version}", port, "/ogc"))
        port = _free_port()
        servers.append(start("platform, same work as tipg", [*uvicorn, "--port", str(port), "--factory",
                                                               "api.app:create_app"],
                             {"BLUEPRINT_TILE_MIN_FEATURE_PIXELS": "0", "BLUEPRINT_TILE_DETAIL_ZOOM": "0",
                              "BLUEPRINT_TILE_MAX_FEATURES": str(TIPG_MAX_FEATURES)},
                             f"/tiles/{layer_id}/{{z}}/{{x}}/{{y}}.pbf?v={version}", port, "/ogc"))
        port = _free_port()
        servers.append(start("tipg", [*uvicorn, "--port", str(port), "tipg.main:app"],
                             {"DATABASE_URL": asyncpg_dsn(url), "TIPG_DB_SCHEMAS": '["public"]',
                              "TIPG_DB_TABLES": f'["public.{VIEW}"]',
                              "TIPG_MAX_FEATURES_PER_TILE": str(TIPG_MAX_FEATURES)},
                             f"/collections/public.{VIEW}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}", port, "/healthz"))
        for label in ("cold: first request of each tile (PostgreSQL buffers warm for all)",
                      "warm: the same tiles again"):
            results = {server.name: asyncio.run(fetch_all(server, tiles, args.concurrency)) for server in servers}
            report(label, results)
    finally:
        for server in servers:
            server.process.terminate()
            server.process.wait(10)
        with engine.begin() as connection:
            connection.execute(text(f"DROP VIEW IF EXISTS {VIEW}"))


if __name__ == "__main__":
    main()
