"""How long ``blueprint samples load`` takes with its year of history, against the same load without it, in
one run.

    .venv/bin/python -m bench.samples

Each load runs in a process of its own into a fresh ``blueprint_bench_*`` database: first the committed
samples without the history (their first 41 proposals, none coded: the samples as they were before the
history), then the committed samples as ``samples load`` loads them (53 proposals, 16 coded over the past
year with their items, reports, warnings, draw and interests), then that second load again (nothing to do).
Prints the time of each step of each load (the load's own progress lines), the totals and their ratio.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import bench_database, environment_line
from data.samples.load import SAMPLES

BASELINE_PROPOSALS = 41
"""The proposals the samples had before the history was added (the later ones are placed after them)."""

_LOAD = """
import sys, time
from pathlib import Path
from data.samples.load import load_samples
start = time.perf_counter()
for line in load_samples(Path(sys.argv[1]), Path(sys.argv[2])):
    print(f"{time.perf_counter() - start:8.2f} {line}", flush=True)
"""


def baseline_samples(folder: Path) -> Path:
    """The committed samples with the proposals cut to the first 41, none of them to be coded."""
    shutil.copytree(SAMPLES, folder, dirs_exist_ok=True)
    path = folder / "proposals.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    collection["features"] = collection["features"][:BASELINE_PROPOSALS]
    for feature in collection["features"]:
        feature["properties"]["sample_state"] = "in_review"
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return folder


def timed_load(url: str, samples: Path, secrets: Path) -> float:
    """Run one load in its own process against ``url``; print its steps; return its wall time (s)."""
    environment = {**os.environ, "DATABASE_URL": url, "BLUEPRINT_MIGRATION_URL": url}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", _LOAD, str(samples), str(secrets)], env=environment, check=True)
    return time.perf_counter() - start


def main() -> None:
    print(environment_line())
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        print("without the history (41 proposals, none coded):")
        plain = timed_load(bench_database("samples_plain", fresh=True), baseline_samples(folder / "plain"),
                           folder / "plain-secrets.json")
        url = bench_database("samples_history", fresh=True)
        print("with the history (53 proposals, 16 coded over the past year):")
        full = timed_load(url, SAMPLES, folder / "secrets.json")
        print("the same load again:")
        again = timed_load(url, SAMPLES, folder / "secrets.json")
    print(f"total: without the history {plain:.1f} s, with it {full:.1f} s ({full / plain:.2f}x, "
          f"+{full - plain:.1f} s); a second load {again:.1f} s")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
