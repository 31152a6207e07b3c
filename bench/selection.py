"""Site selection (智能选址) at city scale: the set-wise selection against screening every candidate one by one.

Run: ``.venv/bin/python -m bench.selection [--scale 100] [--samples FOLDER] [--district 350213]``. Loads the
scale-N samples (200,000 land-use zones at scale 100) into a bench database once, then, in one run, for one
search (an industrial plant, 1001 工业用地 / C39, project type 02, 2–5 ha, in one district):

- selection: :meth:`projects.selection.Selector.select`: the candidates formed in one SQL statement (compatible
  zones grouped, blocking layers subtracted, sized), ranked by a second statement that overlays every candidate
  with the needs-review and info features, and only the best 10 screened by the engine;
- naive: screening every compatible candidate one by one through the engine (:class:`projects.screening.Screener`):
  first every compatible land-use zone and parcel of the district (what blocks each one is what a screening
  reports), then every candidate of the right size that is left (to rank it by its report). The naive way is
  given the selection's own candidate statement for the grouping, subtraction and sizing between the two, so
  its time is a lower bound of what a naive program would take.

Prints both times (the naive one in its parts), their ratio, and whether the two top 10 are the same candidates
in the same order. The machine's load is printed too: on a shared machine every figure moves with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import shapely
from sqlalchemy import text

from bench.common import bench_database, environment_line, generate_samples
from bench.screening import load_scale
from gis.area import ellipsoidal_area_m2
from gis.db import custom_plans, get_engine, read_only
from projects.screening import ScreeningRequest
from projects.selection import AreaRange, SelectionRequest, Selector, report_counts
from projects.sites import Site

TOP = 10


def screen_all(selector: Selector, request: SelectionRequest, wkbs: list[bytes]) -> list[tuple[int, ...]]:
    """Screen each site (WKB, WGS84) through the engine, one by one; the ranking counts of each report."""
    counts = []
    for wkb in wkbs:
        geometry = shapely.from_wkb(wkb)
        geometry = shapely.MultiPolygon([geometry]) if geometry.geom_type == "Polygon" else geometry
        site = Site(geometry=geometry, source_crs="EPSG:4326", area_m2=ellipsoidal_area_m2(geometry))
        report = selector.screener.screen(ScreeningRequest(site=site, project_type=request.project_type,
                                                           land_use=request.land_use, industry=request.industry))
        counts.append(report_counts(report))
    return counts


def compatible_sources(selector: Selector, request: SelectionRequest) -> list[bytes]:
    """Every land-use zone and parcel of the district planned for a compatible class (WKB). Planned for its
    values, as the selection's statements are: a generic plan scans the hundreds of usable codes one by one
    for every zone of the district's bounding box, which would slow the naive way down by seconds."""
    _, parameters = selector.candidate_statement(request)
    with custom_plans(selector.connection):
        return list(selector.connection.execute(text(
            "WITH district AS (SELECT ST_Union(geom) AS geom FROM layer_features "
            "WHERE version_id = ANY(:district_versions) AND properties ->> 'adcode' = ANY(:districts)) "
            "SELECT ST_AsBinary(f.geom) FROM layer_features f, district WHERE f.version_id = ANY(:versions) "
            "AND f.properties ->> 'landuse_code' = ANY(:usable) AND f.geom && district.geom "
            "AND ST_Intersects(district.geom, ST_PointOnSurface(f.geom)) ORDER BY f.id"),
            {**parameters, "versions": parameters["land_use_versions"] + parameters["parcel_versions"]}).scalars())


def naive_top(selector: Selector, request: SelectionRequest) -> tuple[list[str], dict[str, float], int, int]:
    """The top ids by screening every compatible zone and parcel, then every candidate, through the engine;
    the time of each part (s), and how many sources and candidates were screened."""
    times = {}
    started = time.perf_counter()
    sources = compatible_sources(selector, request)
    screen_all(selector, request, sources)
    times["screening every compatible zone and parcel"] = time.perf_counter() - started
    started = time.perf_counter()
    _, rows = selector.candidate_rows(request)
    times["grouping, subtracting, sizing (the selection's statement)"] = time.perf_counter() - started
    started = time.perf_counter()
    counts = screen_all(selector, request, [row.wkb for row in rows])
    times["screening every candidate of the right size"] = time.perf_counter() - started
    ranked = sorted((*count, row.id) for count, row in zip(counts, rows, strict=True))
    return [entry[-1] for entry in ranked[:TOP]], times, len(sources), len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--samples", type=Path, default=None, help="a generated sample folder (default: generate)")
    parser.add_argument("--district", default="350213", help="GB/T 2260 code of the district searched")
    args = parser.parse_args()
    print(environment_line())
    url = bench_database(f"selection_scale_{args.scale}" if args.samples is None else "selection")
    load_scale(url, args.samples or generate_samples(args.scale))
    engine = get_engine(url)
    request = SelectionRequest(project_type="02", land_use="1001", industry="C39", area=AreaRange.of(2, 5, "ha"),
                               districts=(args.district,), limit=TOP)
    with read_only(engine) as connection:
        zones = connection.execute(text(
            "SELECT count(*) FROM layer_features f JOIN layer_versions v ON v.id = f.version_id "
            "JOIN layers l ON l.id = v.layer_id WHERE l.kind = 'land_use'")).scalar_one()
        print(f"land-use zones: {zones:,}; search: 1001 industrial, C39, type 02, 2–5 ha, district {args.district}")
        selector = Selector(connection)
        selector.select(request)  # warm the caches (rule set, plans) once, for both ways alike
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            result = selector.select(request)
            runs.append(time.perf_counter() - started)
        fast = statistics.median(runs)
        naive, parts, sources, count = naive_top(selector, request)
        slow = sum(parts.values())
    fast_top = [candidate.id for candidate in result.candidates]
    considered = result.considered
    print(f"compatible zones {considered['compatible_zones']:,}, parcels {considered['compatible_parcels']}; "
          f"pieces left {considered['pieces']:,}; candidates of the right size {count:,}")
    print(f"selection (SQL set work, top {TOP} screened): {fast:8.2f} s (median of "
          f"{', '.join(f'{run:.2f}' for run in runs)} s)")
    print(f"naive (every compatible candidate screened one by one through the engine): {slow:8.2f} s")
    for label, seconds in parts.items():
        print(f"    {label:<58} {seconds:8.2f} s")
    print(f"ratio naive / selection: {slow / fast:.1f}x (goal: at least 20x); "
          f"against screening only the candidates of the right size: "
          f"{parts['screening every candidate of the right size'] / fast:.1f}x")
    print(f"top {TOP} the same: {fast_top == naive} ({sources:,} sources screened)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    if fast_top != naive:
        print(f"  selection: {fast_top}\n  naive:     {naive}")


if __name__ == "__main__":
    main()
