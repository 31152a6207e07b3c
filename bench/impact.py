"""What a new layer version changes, in batch: sites per second with one Dask worker and with all cores.

Run: ``.venv/bin/python -m bench.impact [--scale 10] [--proposals 1000]``. In a bench database with the
scale-N samples, ``--proposals`` live proposals on seeded sites (made once, through the platform), and a
bench red line in two versions (the scale-N red line, then the same grown by 30 m), it times, in one run:

- the impact analysis of the second version on one worker process and on one per core (local Dask
  clusters started before the clock; the same tasks, the same result), and on the scheduler of
  ``blueprint workers up`` with one worker per core (started for the run in ``<data dir>/bench/impact``);
  the three take turns for ``--rounds`` rounds and each one's median is compared, since the machine may be
  shared and its load change during the run. On a busy machine with Linux's autogroup scheduling the
  ``workers up`` processes (sessions of their own) get more CPU than the local clusters (this process's
  session): compare the two local clusters with each other;
- for scale, ``bench/screening``'s single-connection batch rate (full screenings, sites per second) on
  the same sites: each site of an impact analysis is screened twice (the old and the new version, that
  layer's rules only).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
from distributed import Client
from sqlalchemy import text

from bench.common import BENCH_DIR, bench_database, environment_line, generate_samples
from bench.screening import bench_batch, district_land, load_scale, random_sites
from gis.db import get_engine
from layers.importer import import_layer
from projects.accounts import Role, account_by_username, create_account
from projects.batch import dask_client
from projects.credit_code import make_credit_code, organization_code_check_character
from projects.impact import compute_impact, plan_impact
from projects.proposals import ProposalInput, create_proposal
from projects.sites import prepare_site
from projects.workers import LocalWorkers

BENCH_APPLICANT = "bench-impact-applicant"
RED_LINE = "bench impact red line"


def ensure_proposals(url: str, sites: list[dict]) -> None:
    """``len(sites)`` live proposals of a bench applicant, made once through the platform."""
    engine = get_engine(url)
    with engine.begin() as connection:
        applicant = account_by_username(connection, BENCH_APPLICANT)
        body = "00070051"
        code = make_credit_code("91350203" + body + organization_code_check_character(body))
        if applicant is None:
            create_account(connection, username=BENCH_APPLICANT, secret="bench-impact-secret", role=Role.APPLICANT,
                           organisation="厦门基准测试有限公司", credit_code=code)
            applicant = account_by_username(connection, BENCH_APPLICANT)
        have = connection.execute(text("SELECT count(*) FROM proposals WHERE owner_id = :o"),
                                  {"o": applicant.id}).scalar_one()
        for number, site in enumerate(sites[have:], start=have):
            create_proposal(connection, applicant, ProposalInput(
                name=f"基准项目 {number}", applicant_organisation="厦门基准测试有限公司", credit_code=code,
                district_code="350203", industry="C39", project_type="02", investment_category="general_social",
                total_investment_wan=Decimal(5000), land_use="1001"), prepare_site(site))


def ensure_red_line_versions(url: str, samples: Path) -> tuple[int, int]:
    """The bench red line's id and the number of its second version (imported once: a GeoPackage written
    again differs byte for byte, so ``skip_if_unchanged`` alone would add two versions a run)."""
    engine = get_engine(url)
    with engine.connect() as connection:
        found = connection.execute(text(
            "SELECT l.id, max(v.version) FROM layers l JOIN layer_versions v ON v.layer_id = l.id "
            "WHERE l.name = :name GROUP BY l.id"), {"name": RED_LINE}).one_or_none()
    if found is not None and found[1] >= 2:
        return found[0], found[1]
    source = next(samples.glob("*ecological_red_line*"))
    grown = gpd.read_file(source).to_crs("EPSG:4548")
    grown["geometry"] = grown.geometry.buffer(30)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "red_line_grown.gpkg"
        grown.to_crs("EPSG:4326").to_file(path)
        first = import_layer(source, "ecological_red_line", name=RED_LINE, engine=engine, skip_if_unchanged=True)
        second = import_layer(path, "ecological_red_line", name=RED_LINE, engine=engine, skip_if_unchanged=True)
    return first.layer_id, second.version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rounds", type=int, default=2, help="timed passes of each set-up, taking turns")
    args = parser.parse_args()
    print(environment_line())
    url = bench_database(f"scale_{args.scale}")
    samples = generate_samples(args.scale)
    load_scale(url, samples)
    sites = random_sites(district_land(url), args.proposals, args.seed)
    print(f"making {args.proposals} live proposals (once)")
    ensure_proposals(url, sites)
    layer_id, version = ensure_red_line_versions(url, samples)
    engine = get_engine(url)
    plan = plan_impact(engine, layer_id, version)
    print(f"impact of {RED_LINE!r} version {version} on {len(plan.jobs)} live proposals and coded projects")

    cores = os.cpu_count() or 1
    scheduler = LocalWorkers(BENCH_DIR / "impact")
    warm = replace(plan, jobs=plan.jobs[:50])
    batch_sites = sites[: min(300, len(sites))]
    batch_rates: list[float] = []
    try:
        with dask_client(workers=1) as one, dask_client(workers=cores) as local, \
                Client(scheduler.start(cores)) as on_scheduler:
            clients = {"local cluster, 1 worker": one, f"local cluster, {cores} workers": local,
                       f"`workers up` scheduler, {cores} workers": on_scheduler}
            for client in clients.values():
                compute_impact(engine, warm, client=client)  # imports and connections in every worker
            # The machine may be shared: the set-ups take turns, round after round, so that a change of load
            # falls on all of them alike; each one's figure is its median.
            seconds: dict[str, list[float]] = {label: [] for label in clients}
            for _ in range(args.rounds):
                for label, client in clients.items():
                    started = time.perf_counter()
                    impact = compute_impact(engine, plan, client=client)
                    seconds[label].append(time.perf_counter() - started)
                    print(f"  {label:<38} {len(plan.jobs) / seconds[label][-1]:8.1f} sites/s, "
                          f"{len(impact['changes'])} changes")
                batch_rates.append(bench_batch(url, batch_sites))
                print(f"  {'single-connection batch screening':<38} {batch_rates[-1]:8.1f} sites/s")
    finally:
        scheduler.stop()
    rates = {label: len(plan.jobs) / statistics.median(times) for label, times in seconds.items()}
    single, local_all, scheduled = rates.values()
    for label, rate in rates.items():
        print(f"{label:<40} median {rate:8.1f} sites/s ({2 * rate:.1f} screenings/s)")
    batch = statistics.median(batch_rates)
    print(f"single-connection batch screening (bench/screening's figure, same data): median {batch:.1f} sites/s")
    print(f"ratio all cores / one worker: {local_all / single:.2f}x local cluster, "
          f"{scheduled / single:.2f}x on the `workers up` scheduler (goal ≥ 1.7x with 2 cores)")
    print(f"per core: {2 * local_all / cores:.1f} screenings/s on the local cluster, "
          f"{2 * scheduled / cores:.1f} on the scheduler, against the batch's {batch:.1f} sites/s "
          "(goal: at least the batch rate)")


if __name__ == "__main__":
    main()
