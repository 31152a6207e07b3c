"""Vector tile throughput: this platform against tipg (developmentseed), over the same PostGIS table, in one run.

    .venv/bin/python -m bench.tiles                      # the database in use (DATABASE_URL or the local one)
    .venv/bin/python -m bench.tiles --samples DIR        # load generated samples first (any --scale)

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
    deadline = time.monotonic() + 60
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
            sys.exit(f"{name} did not answer within 60 s")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zooms", default="12-16", help="zoom range, e.g. 12-16")
    parser.add_argument("--per-zoom", type=int, default=80, help="distinct tiles per zoom")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20241)
    parser.add_argument("--samples", type=Path, help="load the samples in DIR first (data.samples.generate output)")
    args = parser.parse_args()
    low, high = (int(part) for part in args.zooms.split("-"))

    url = resolve_owner_url()
    os.environ["DATABASE_URL"] = url  # the servers and this process use the same database
    engine = get_engine(url)
    if args.samples:
        from data.samples.load import load_samples

        for line in load_samples(args.samples):
            print(line)
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
