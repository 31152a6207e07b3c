"""Import speed: ``blueprint layers import`` against GDAL's ``ogr2ogr`` on the same 200,000-polygon GeoPackage.

Run: ``.venv/bin/python -m bench.import [--scale 100]``. Both load the same file into fresh databases of the
same local PostGIS, in the same run; ogr2ogr does no validation, the platform validates every feature
(GEOS validity), computes true areas and the ST_Subdivide parts, and analyses the new partition. The goal is at
most 1.5x ogr2ogr; the machine is shared, so both tools run alternately and the best and median runs are compared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import pyogrio

from bench.common import bench_database, environment_line, generate_samples, libpq


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool, alternating")
    args = parser.parse_args()
    if shutil.which("ogr2ogr") is None:
        sys.exit("ogr2ogr is missing: apt-get install gdal-bin")
    samples = generate_samples(args.scale)
    manifest = json.loads((samples / "manifest.json").read_text(encoding="utf-8"))
    entry = next(layer for layer in manifest["layers"] if layer["kind"] == "land_use")
    source = samples / entry["file"]
    count = pyogrio.read_info(source)["features"]
    print(environment_line())
    print(f"file: {source.name}, {count:,} polygons, {source.stat().st_size / 1e6:.1f} MB, CRS {entry['crs']}")

    ours, theirs = [], []
    for _ in range(args.repeat):
        url = bench_database("import_platform", fresh=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli.main", "layers", "import", str(source), "--kind", "land_use",
                        "--name", "bench land use"], check=True, env=_env(url), stdout=subprocess.DEVNULL)
        ours.append(time.perf_counter() - started)

        url = bench_database("import_ogr2ogr", fresh=True)
        started = time.perf_counter()
        subprocess.run(["ogr2ogr", "-f", "PostgreSQL", f"PG:{libpq(url)}", str(source), "-nln", "ogr_land_use",
                        "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST", "-nlt", "PROMOTE_TO_MULTI",
                        "-t_srs", "EPSG:4326", "--config", "PG_USE_COPY", "YES"], check=True)
        theirs.append(time.perf_counter() - started)

    best_ours, best_theirs = min(ours), min(theirs)
    print(f"blueprint layers import  {best_ours:7.2f} s  ({count / best_ours:,.0f} features/s)  runs: "
          + ", ".join(f"{t:.2f}" for t in ours))
    print(f"ogr2ogr                  {best_theirs:7.2f} s  ({count / best_theirs:,.0f} features/s)  runs: "
          + ", ".join(f"{t:.2f}" for t in theirs))
    print(f"ratio platform / ogr2ogr: {best_ours / best_theirs:.2f}x best against best, "
          f"{statistics.median(ours) / statistics.median(theirs):.2f}x median against median "
          "(goal: at most 1.50x, validation on)")


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url}


if __name__ == "__main__":
    main()
