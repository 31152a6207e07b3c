"""Site selection (智能选址) at city scale: the set-wise selection against screening every candidate one by one.

Run: ``.venv/bin/python -m bench.selection [--scale 100] [--samples FOLDER] [--district 350213]``. Loads the
scale-N samples (200,000 land-use zones at scale 100) into a bench database once, then, in one run, for one
search (an industrial plant, 1001 工业用地 / C39, project type 02, 2–5 ha, in one district):

- selection: :meth:`projects.selection.Selector.select`: the candidates formed in one SQL statement (compatible
  zones grouped, blocking layers subtracted, sized), ranked by a second statement that overlays every candidate
  with the needs-review and info features, and only the best 10 screened by the engine;
- naive: the same candidates, each screened one by one through the engine (:class:`projects.screening.Screener`)
  and ranked by its report.

Prints both times, their ratio, and whether the two top 10 are the same candidates in the same order.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import shapely
from sqlalchemy import text

from bench.common import bench_database, environment_line, generate_samples
from bench.screening import load_scale
from gis.db import get_engine, read_only
from projects.screening import ScreeningRequest
from projects.selection import AreaRange, SelectionRequest, Selector, report_counts
from projects.sites import Site

TOP = 10


def naive_top(selector: Selector, request: SelectionRequest) -> tuple[list[str], int]:
    """The candidates' ids ranked by screening every one of them through the engine, and how many there were."""
    _, rows = selector.candidate_rows(request)
    ranked = []
    for row in rows:
        geometry = shapely.from_wkb(row.wkb)
        site = Site(geometry=shapely.MultiPolygon([geometry]) if geometry.geom_type == "Polygon" else geometry,
                    source_crs="EPSG:4326", area_m2=row.area_m2)
        report = selector.screener.screen(ScreeningRequest(site=site, project_type=request.project_type,
                                                           land_use=request.land_use, industry=request.industry))
        ranked.append((*report_counts(report), row.id))
    ranked.sort()
    return [entry[-1] for entry in ranked[:TOP]], len(rows)


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
        started = time.perf_counter()
        result = selector.select(request)
        fast = time.perf_counter() - started
        started = time.perf_counter()
        naive, count = naive_top(selector, request)
        slow = time.perf_counter() - started
    fast_top = [candidate.id for candidate in result.candidates]
    print(f"candidates in range: {count:,} (compatible zones {result.considered['compatible_zones']:,}, "
          f"parcels {result.considered['compatible_parcels']}, pieces {result.considered['pieces']:,})")
    print(f"selection (SQL set work, top {TOP} screened): {fast:8.2f} s")
    print(f"naive (every candidate screened one by one):  {slow:8.2f} s")
    print(f"ratio naive / selection: {slow / fast:.1f}x (goal: at least 20x)")
    print(f"top {TOP} the same: {fast_top == naive}")
    if fast_top != naive:
        print(f"  selection: {fast_top}\n  naive:     {naive}")


if __name__ == "__main__":
    main()
