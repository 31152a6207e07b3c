"""OGC API – Features throughput: this platform against tipg (developmentseed) on the same table, in one run.

    .venv/bin/python -m bench.features                   # the database in use (DATABASE_URL or the local one)
    .venv/bin/python -m bench.features --samples DIR     # load generated samples first (any --scale)

Both servers serve the current version of the land-use layer (国土空间规划用地), 1,000 features a page:
the platform at ``/ogc/collections/land_use/items`` (or its layer id, before collections had names), tipg
from views over the same ``layer_features`` rows, one column per property. Three requests:

- plain: ``?limit=1000`` (pages at offset 0 and 1000 in turn);
- filtered: ``?limit=1000&filter=landuse_code='0701'`` (CQL2 text, 城镇住宅用地);
- CGCS2000: ``?limit=1000&crs=http://www.opengis.net/def/crs/EPSG/0/4490``. tipg has no ``crs`` parameter:
  it gets a view whose geometry is transformed to EPSG:4490 row by row, the same work, served as it is.

Each server runs one uvicorn worker and gets the same request list at the same client concurrency; the
PostgreSQL buffers are warm before anything is timed. Prints requests/s, features/s, p50 and p95 latency,
the response size, and the platform/tipg throughput ratio of each request.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass

import httpx
from sqlalchemy import text

import bench.common  # noqa: F401  (runs as the owner: it creates views for tipg)
from bench.common import environment_line
from bench.tiles import _free_port, asyncpg_dsn, land_use_layer, start, warm_database
from gis.db import get_engine, resolve_owner_url

VIEW = "bench_tipg_features"
VIEW_4490 = "bench_tipg_features_4490"
CGCS2000 = "http://www.opengis.net/def/crs/EPSG/0/4490"
FILTER = "landuse_code='0701'"
PAGE = 1000


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    latencies_ms: list[float]
    features: int
    bytes: int
    statuses: dict[int, int]

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]


def prepare_views(engine, version_id: int) -> list[str]:
    """Views tipg serves: the version's rows with each property as a text column (CRS84, and EPSG:4490
    coordinates under the SRID tipg passes through untouched). Returns the property names."""
    with engine.begin() as connection:
        keys = connection.execute(text(
            "SELECT DISTINCT jsonb_object_keys(properties) FROM layer_features WHERE version_id = :v ORDER BY 1"),
            {"v": version_id}).scalars().all()
        columns = ", ".join(f"properties ->> '{key}' AS \"{key}\"" for key in keys if key.isidentifier())
        for view, geometry in ((VIEW, "geom"),
                               (VIEW_4490, "ST_SetSRID(ST_Transform(geom, 4490), 4326)::geometry(MultiPolygon, 4326)")):
            connection.execute(text(f"DROP VIEW IF EXISTS {view}"))
            connection.execute(text(
                f"CREATE VIEW {view} AS SELECT id, {columns}, round(area_m2::numeric, 2) AS area_m2, "
                f"{geometry} AS geom FROM layer_features WHERE version_id = {int(version_id)}"))
    return list(keys)


async def run(urls: list[str], concurrency: int) -> Result:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    features = size = 0
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:

        async def one(url: str) -> None:
            nonlocal features, size
            async with gate:
                started = time.perf_counter()
                response = await client.get(url)
                body = response.content
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                size += len(body)
                if response.status_code == 200:
                    features += len(response.json()["features"])

        started = time.perf_counter()
        await asyncio.gather(*(one(url) for url in urls))
        seconds = time.perf_counter() - started
    return Result(len(urls), seconds, latencies, features, size, statuses)


def platform_collection(base: str, layer_id: int) -> str:
    """The platform's collection id of the land-use layer: its name where collections have names."""
    return "land_use" if httpx.get(f"{base}/ogc/collections/land_use", timeout=10).status_code == 200 else str(layer_id)


def report(label: str, results: dict[str, Result]) -> None:
    print(f"\n{label}")
    print(f"  {'server':<12}{'req/s':>8}{'features/s':>12}{'p50 ms':>9}{'p95 ms':>9}{'KiB/resp':>10}  statuses")
    for name, result in results.items():
        print(f"  {name:<12}{result.requests / result.seconds:>8.1f}{result.features / result.seconds:>12.0f}"
              f"{result.percentile(50):>9.1f}{result.percentile(95):>9.1f}"
              f"{result.bytes / result.requests / 1024:>10.1f}  {dict(sorted(result.statuses.items()))}")
    platform, tipg = results["platform"], results["tipg"]
    if set(platform.statuses) == {200} and set(tipg.statuses) == {200}:
        ratio = (platform.requests / platform.seconds) / (tipg.requests / tipg.seconds)
        print(f"  platform / tipg throughput: {ratio:.2f}×  (features per response: "
              f"{platform.features / platform.requests:.0f} vs {tipg.features / tipg.requests:.0f})")
    else:
        print("  no ratio: not every response was a 200")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=40, help="requests per server and case")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--samples", help="load the samples in DIR first (data.samples.generate output)")
    args = parser.parse_args()

    url = resolve_owner_url()
    os.environ["DATABASE_URL"] = url  # the servers and this process use the same database
    engine = get_engine(url)
    if args.samples:
        from pathlib import Path

        from data.samples.load import load_samples

        for line in load_samples(Path(args.samples)):
            print(line)
    layer_id, version, version_id, count = land_use_layer(engine)
    prepare_views(engine, version_id)
    warm_database(engine, version_id)
    print(environment_line())
    print(f"land-use layer {layer_id} v{version}: {count:,} zones; {args.requests} requests per case and server, "
          f"{PAGE} features a page, concurrency {args.concurrency}, one uvicorn worker per server")

    uvicorn = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--workers", "1", "--log-level", "warning"]
    servers = []
    try:
        port = _free_port()
        servers.append(start("platform", [*uvicorn, "--port", str(port), "--factory", "api.app:create_app"], {},
                             "", port, "/ogc"))
        port = _free_port()
        servers.append(start("tipg", [*uvicorn, "--port", str(port), "tipg.main:app"],
                             {"DATABASE_URL": asyncpg_dsn(url), "TIPG_DB_SCHEMAS": '["public"]',
                              "TIPG_DB_TABLES": f'["public.{VIEW}", "public.{VIEW_4490}"]'},
                             "", port, "/healthz"))
        platform, tipg = servers
        items = f"{platform.base}/ogc/collections/{platform_collection(platform.base, layer_id)}/items?limit={PAGE}"
        tipg_items = f"{tipg.base}/collections/public.{VIEW}/items?limit={PAGE}"
        offsets = [(k % 2) * PAGE if count > PAGE else 0 for k in range(args.requests)]
        cases = {
            "plain: ?limit=1000": (
                [f"{items}&offset={o}" for o in offsets], [f"{tipg_items}&offset={o}" for o in offsets]),
            f"filtered: ?limit=1000&filter={FILTER}": (
                [f"{items}&filter={FILTER}"] * args.requests,
                [f"{tipg_items}&filter={FILTER}&filter-lang=cql2-text"] * args.requests),
            "CGCS2000: ?limit=1000&crs=EPSG:4490 (tipg: a view transformed to EPSG:4490)": (
                [f"{items}&offset={o}&crs={CGCS2000}" for o in offsets],
                [f"{tipg.base}/collections/public.{VIEW_4490}/items?limit={PAGE}&offset={o}" for o in offsets]),
        }
        for label, (platform_urls, tipg_urls) in cases.items():
            for warm in (platform_urls[:2], tipg_urls[:2]):  # first requests pay for imports and plans
                asyncio.run(run(warm, 1))
            report(label, {"platform": asyncio.run(run(platform_urls, args.concurrency)),
                           "tipg": asyncio.run(run(tipg_urls, args.concurrency))})
    finally:
        for server in servers:
            server.process.terminate()
            server.process.wait(10)
        with engine.begin() as connection:
            for view in (VIEW, VIEW_4490):
                connection.execute(text(f"DROP VIEW IF EXISTS {view}"))


if __name__ == "__main__":
    main()
