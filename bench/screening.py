"""Screening speed at city scale: HTTP against the SQL alone, an in-memory geopandas baseline, and batches.

Run: ``.venv/bin/python -m bench.screening [--scale 100] [--sites 300] [--batch 1000]``. Loads the scale-N
samples (≥ 200,000 land-use zones and a red line of > 50,000 vertices at scale 100) into a bench database
once, then, in one run, on the same seeded sites:

- HTTP, SQL alone and geopandas take turns on slices of the sites (``--turns``), so that the machine's load
  weighs on all three alike;
- HTTP: ``POST /api/v1/screenings`` to ``blueprint serve`` on loopback (run as it runs: the same command,
  its access log written), one client, p50 and p95;
- SQL alone: the statements the same screenings run (the overlay with every layer, and the check against
  other projects), timed inside PostgreSQL (EXPLAIN ANALYZE planning + execution time, the figure the goal
  is set against; and execution alone, since the server's sessions keep generic plans and plan nothing);
- the engine in process: what the server does for one screening (site prepared, screened with the layers kept in
  memory, report encoded) without HTTP, to tell the engine's share of the HTTP figure from the server's;
- geopandas/shapely: an STRtree per layer in memory (load time excluded), intersections and pyproj Geod
  areas — what an analyst would write;
- batch: re-screening ``--batch`` sites through the engine on one connection, sites per second (the layers are
  in this process's memory already, read once for the engine in process);
- big sites over HTTP: a 30 km × 60 m highway corridor through the land use and a 99,000-vertex site (the
  limit is 100,000), p50 and p95 against the simple sites';
- beside a big site: the p99 of the simple sites alone and while two clients (processes of their own) screen
  the 99,000-vertex site again and again at the same time, alternating rounds of each so that the machine's
  load hits both alike.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.queues import Queue as QueueType
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import geopandas as gpd
import httpx
import numpy as np
import orjson
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Polygon, box, mapping
from sqlalchemy import text

from bench.common import bench_database, describe, environment_line, generate_samples, percentile
from data.samples.load import DISTRICTS_FILE, DISTRICTS_LAYER, SAMPLES
from gis.db import get_engine, read_only
from layers.importer import import_layer
from projects.screening import Screener, ScreeningRequest, report_for
from projects.sites import prepare_site

GEOD = Geod(ellps="WGS84")


def load_scale(url: str, samples: Path) -> None:
    """Import the districts and the scale-N layers once; later runs reuse them."""
    engine = get_engine(url)
    import_layer(SAMPLES / DISTRICTS_FILE, "district", crs="GCJ02", name=DISTRICTS_LAYER, engine=engine,
                 skip_if_unchanged=True)
    manifest = json.loads((samples / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["layers"]:
        report = import_layer(samples / entry["file"], entry["kind"], crs=entry["crs"], name=entry["name"],
                              engine=engine, skip_if_unchanged=True)
        state = "reused" if report.reused else f"imported in {report.seconds:.1f} s"
        print(f"  {entry['kind']:<28} {report.feature_count:>9,} features, {state}")


def district_land(url: str) -> shapely.Geometry:
    """The union of the districts (WGS84), where every benchmark site lies."""
    with get_engine(url).connect() as connection:
        return shapely.from_wkb(connection.execute(text(
            "SELECT ST_AsBinary(ST_Union(f.geom)) FROM layer_features f JOIN layer_versions v ON v.id = f.version_id "
            "JOIN layers l ON l.id = v.layer_id WHERE l.kind = 'district'")).scalar_one())


def random_sites(land: shapely.Geometry, count: int, seed: int) -> list[dict]:
    """Seeded rectangular sites of 1–30 ha lying on the land of the districts (WGS84 GeoJSON)."""
    rng = np.random.default_rng(seed)
    west, south, east, north = land.bounds
    sites: list[dict] = []
    while len(sites) < count:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        side = np.sqrt(rng.uniform(1e4, 3e5)) / 111_000  # degrees, about 100–550 m
        site = box(lon, lat, lon + side * rng.uniform(0.6, 1.6), lat + side)
        if land.contains(site):
            sites.append(mapping(site))
    return sites


def highway_corridor(land: shapely.Geometry, seed: int, length_m: float = 30_000, width_m: float = 60) -> dict:
    """A seeded straight corridor of ``length_m`` × ``width_m``, at a random bearing, wholly on land (WGS84).

    Laid out in CGCS2000 / Gauss-Krüger 117°E (EPSG:4548, metres), where Xiamen's planners draw.
    """
    to_metres = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
    to_degrees = Transformer.from_crs("EPSG:4548", "EPSG:4326", always_xy=True)
    land_m = shapely.transform(land, lambda xy: np.c_[to_metres.transform(xy[:, 0], xy[:, 1])])
    shapely.prepare(land_m)
    rng = np.random.default_rng(seed)
    west, south, east, north = land_m.bounds
    while True:
        x, y, bearing = rng.uniform(west, east), rng.uniform(south, north), rng.uniform(0, np.pi)
        axis = LineString([(x, y), (x + length_m * np.cos(bearing), y + length_m * np.sin(bearing))])
        corridor = axis.buffer(width_m / 2, cap_style="flat")
        if land_m.contains(corridor):
            return mapping(shapely.transform(corridor, lambda xy: np.c_[to_degrees.transform(xy[:, 0], xy[:, 1])]))


def many_vertex_site(land: shapely.Geometry, seed: int, vertices: int = 99_000) -> dict:
    """A seeded round site of about 3 km² with a wavy outline of ``vertices`` vertices (closing one included)."""
    rng = np.random.default_rng(seed)
    west, south, east, north = land.bounds
    angle = np.linspace(0, 2 * np.pi, vertices - 1, endpoint=False)
    while True:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        radius = (1_000 + 30 * np.sin(angle * 400)) / 111_320  # degrees of latitude
        site = Polygon(np.c_[lon + radius * np.cos(angle) / np.cos(np.radians(lat)), lat + radius * np.sin(angle)])
        if land.contains(site):
            return mapping(site)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


BODY = {"project_type": "02", "land_use": "1001", "industry": "C39"}


@contextmanager
def served(url: str) -> Iterator[httpx.Client]:
    """``blueprint serve`` on a free loopback port, and a client of it."""
    port = free_port()
    server = subprocess.Popen(  # its banner and access log go where a service's output would, not to the figures
        [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for _ in range(600):  # a minute: on a busy machine the app takes long to import
                try:
                    client.get("/api/v1/layer-kinds")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield client
    finally:
        server.terminate()
        server.wait()


def screen_over_http(client: httpx.Client, sites: list[dict], told_to_retry: list[float] | None = None
                     ) -> list[float]:
    """Seconds per ``POST /api/v1/screenings``, one after another.

    With ``told_to_retry``, a 503 (a heavy site told to come back later) is kept there, not among the timings.
    """
    timings = []
    for site in sites:
        started = time.perf_counter()
        response = client.post("/api/v1/screenings", json={**BODY, "site": site})
        if told_to_retry is not None and response.status_code == 503:
            told_to_retry.append(time.perf_counter() - started)
            continue
        timings.append(time.perf_counter() - started)
        response.raise_for_status()
    return timings



def screen_until(base_url: str, body: bytes, stop: EventType, answers: QueueType) -> None:
    """Screen the JSON ``body`` again and again on a client of its own until ``stop`` is set; report the statuses.

    Runs in a process of its own: encoding and sending a 4 MB body in the measuring process would hold its
    GIL while it times the simple screenings, and the figures would measure the bench, not the server.
    """
    statuses = []
    with httpx.Client(base_url=base_url, timeout=120) as client:
        while not stop.is_set():
            statuses.append(client.post("/api/v1/screenings", content=body,
                                        headers={"content-type": "application/json"}).status_code)
    answers.put(statuses)


def bench_beside(client: httpx.Client, sites: list[dict], big: dict, rounds: int
                 ) -> tuple[list[float], list[float], list[int]]:
    """Simple screenings alone, and while two other clients screen ``big`` in a loop; alternating rounds.

    Returns the simple screenings' seconds alone and beside, and the statuses the big screenings got (a
    503 is a big site told to come back later, which the platform may answer when its slots stay taken).
    """
    body = orjson.dumps({**BODY, "site": big})
    spawn = multiprocessing.get_context("spawn")
    alone: list[float] = []
    beside: list[float] = []
    answers: list[int] = []
    for _ in range(rounds):
        alone += screen_over_http(client, sites)
        stop, queue = spawn.Event(), spawn.Queue()
        others = [spawn.Process(target=screen_until, args=(str(client.base_url), body, stop, queue))
                  for _ in range(2)]
        for other in others:
            other.start()
        time.sleep(2)  # the processes have started and their big screenings are under way
        try:
            beside += screen_over_http(client, sites)
        finally:
            stop.set()
            for _ in others:
                answers += queue.get()
            for other in others:
                other.join()
    return alone, beside, answers


def bench_sql(url: str, sites: list[dict]) -> tuple[list[float], list[float]]:
    """In-database seconds of the statements one screening runs: planning + execution, and execution alone."""
    timings, executing = [], []
    with get_engine(url).connect() as connection:
        screener = Screener(connection)
        for site in sites:
            request = ScreeningRequest(site=prepare_site(site), project_type="02", land_use="1001", industry="C39")
            total = execution = 0.0
            for statement, parameters in screener.statements(request):
                plan = connection.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + statement.text),
                                          parameters).scalar_one()
                total += plan[0]["Planning Time"] + plan[0]["Execution Time"]
                execution += plan[0]["Execution Time"]
            timings.append(total / 1000)
            executing.append(execution / 1000)
    return timings, executing


def bench_engine(url: str, sites: list[dict]) -> list[float]:
    """Seconds per screening in this process, with no HTTP, as ``POST /api/v1/screenings`` answers the public: the
    site prepared, screened by a new screener on a read-only connection (layers kept in memory, as the server
    keeps them), the report encoded."""
    timings = []
    with read_only(get_engine(url)) as connection:
        for site in sites:
            started = time.perf_counter()
            request = ScreeningRequest(site=prepare_site(site), **BODY)
            orjson.dumps(report_for(None, Screener(connection).screen(request).to_dict()))
            timings.append(time.perf_counter() - started)
    return timings


Frames = list[tuple[str, np.ndarray, shapely.STRtree]]


def geopandas_frames(url: str) -> Frames:
    """The layers with rules in memory, as an analyst would hold them: geometries and an STRtree per layer."""
    engine = get_engine(url)
    with engine.connect() as connection:
        screener = Screener(connection)
        versions = [v for v in screener.versions if screener.rules.for_kind(v.kind)]
    frames = []
    for version in versions:
        frame = gpd.read_postgis(text("SELECT geom, properties FROM layer_features WHERE version_id = :v"),
                                 engine, params={"v": version.version_id}, geom_col="geom")
        frames.append((version.kind, frame.geometry.values, shapely.STRtree(frame.geometry.values)))
    return frames


def bench_geopandas(frames: Frames, sites: list[dict]) -> list[float]:
    """An analyst's in-memory overlay: STRtree per layer, shapely intersections, Geod areas."""
    timings = []
    for site in sites:
        geometry = shapely.geometry.shape(site)
        started = time.perf_counter()
        for _kind, geometries, tree in frames:
            hits = tree.query(geometry, predicate="intersects")
            for piece in shapely.intersection(geometries[hits], geometry):
                if not piece.is_empty:
                    abs(GEOD.geometry_area_perimeter(piece)[0])
        timings.append(time.perf_counter() - started)
    return timings


def bench_batch(url: str, sites: list[dict]) -> float:
    prepared = [prepare_site(site) for site in sites]
    started = time.perf_counter()
    with get_engine(url).connect() as connection:
        screener = Screener(connection)
        for site in prepared:
            screener.screen(ScreeningRequest(site=site, project_type="02", land_use="1001", industry="C39"))
    return len(prepared) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--big-runs", type=int, default=20, help="screenings of the corridor and of the big site")
    parser.add_argument("--beside-sites", type=int, default=150, help="simple sites per round alone and beside")
    parser.add_argument("--beside-rounds", type=int, default=2)
    parser.add_argument("--turns", type=int, default=6, help="alternating rounds of HTTP, SQL and geopandas")
    args = parser.parse_args()
    print(environment_line())
    url = bench_database(f"scale_{args.scale}")
    print(f"loading scale-{args.scale} samples into the bench database (once)")
    load_scale(url, generate_samples(args.scale))
    with get_engine(url).connect() as connection:
        zones, max_vertices = connection.execute(text(
            "SELECT count(*) FILTER (WHERE l.kind = 'land_use'), "
            "max(ST_NPoints(f.geom)) FILTER (WHERE l.kind = 'ecological_red_line') FROM layer_features f "
            "JOIN layer_versions v ON v.id = f.version_id JOIN layers l ON l.id = v.layer_id")).one()
    print(f"land-use zones: {zones:,}; largest red-line polygon: {max_vertices:,} vertices")
    land = district_land(url)
    sites = random_sites(land, max(args.sites, args.batch), args.seed)
    measured = sites[: args.sites]
    corridor, big = highway_corridor(land, args.seed), many_vertex_site(land, args.seed)

    frames = geopandas_frames(url)
    http: list[float] = []
    sql: list[float] = []
    sql_executing: list[float] = []
    memory: list[float] = []
    engine: list[float] = []
    bench_engine(url, measured[:10])  # the layers read into this process once, as the server reads them
    with served(url) as client:
        screen_over_http(client, measured[:10])  # warm the pool and the caches
        # HTTP, SQL and geopandas take turns on slices of the sites, so that a shared machine's load, which
        # changes by the minute, weighs on the three alike and their ratios hold
        for turn in range(args.turns):
            part = measured[turn:: args.turns]
            http += screen_over_http(client, part)
            total, executing = bench_sql(url, part)
            sql += total
            sql_executing += executing
            memory += bench_geopandas(frames, part)
            engine += bench_engine(url, part)
        corridor_http = screen_over_http(client, [corridor] * args.big_runs)
        big_retried: list[float] = []
        big_http = screen_over_http(client, [big] * args.big_runs, big_retried)
        alone, beside, answers = bench_beside(client, measured[: args.beside_sites], big, args.beside_rounds)
    throughput = bench_batch(url, sites[: args.batch])

    print(describe("HTTP POST /api/v1/screenings", http))
    print(describe("SQL alone (in PostgreSQL)", sql))
    print(describe("  of which execution (no planning)", sql_executing))
    print(describe("geopandas/shapely STRtree (in memory)", memory))
    print(describe("engine in process (no HTTP)", engine))
    print(f"batch re-screening: {throughput:,.1f} sites/s over {args.batch} sites (goal ≥ 50)")
    http50, sql50, mem50 = (statistics.median(values) for values in (http, sql, memory))
    print(f"ratios of p50: HTTP/SQL {http50 / sql50:.2f}x (goal ≤ 2x); HTTP/geopandas {http50 / mem50:.2f}x "
          f"(goal ≤ 3x); SQL/geopandas {sql50 / mem50:.2f}x; HTTP/SQL execution "
          f"{http50 / statistics.median(sql_executing):.2f}x")
    engine50 = statistics.median(engine)
    print(f"  of HTTP's p50: the engine in process {1000 * engine50:.2f} ms ({engine50 / mem50:.2f}x geopandas), "
          f"the server and client around it {1000 * (http50 - engine50):.2f} ms")
    http95 = percentile(http, 95)
    print(f"HTTP p95 {1000 * http95:.1f} ms (goal < 100 ms)")
    for label, timings, goal in (("30 km × 60 m highway corridor", corridor_http, 10),
                                 ("99,000-vertex site", big_http, 150)):
        if timings is big_http and big_retried:
            print(f"HTTP {label}: told to retry (503) {len(big_retried)} of {args.big_runs} times, after "
                  f"{statistics.median(big_retried):.1f} s (p50)")
        if not timings:
            continue
        print(describe(f"HTTP {label}", timings))
        print(f"  ratio to a simple site: p50 {statistics.median(timings) / http50:.1f}x, "
              f"p95 {percentile(timings, 95) / http95:.1f}x (goal p95 ≤ {goal}x)")
    print(describe("HTTP simple sites alone", alone) + f"   p99 {1000 * percentile(alone, 99):8.2f} ms")
    print(describe("HTTP simple sites beside the big one", beside) + f"   p99 {1000 * percentile(beside, 99):8.2f} ms")
    print(f"  p99 beside / p99 alone {percentile(beside, 99) / percentile(alone, 99):.2f}x (goal ≤ 2x); "
          f"meanwhile the big site was screened {answers.count(200)} times, told to retry {answers.count(503)} times"
          + (f", other answers {sorted(set(answers) - {200, 503})}" if set(answers) - {200, 503} else ""))

if __name__ == "__main__":
    main()
