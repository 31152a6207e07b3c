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
- the same work on one connection, in this process, site after site (the way ``bench/screening`` measures
  its batch rate: one connection, no task engine): the rate a core reaches without Dask. Each worker's rate
  (all cores' rate / cores) is compared with it; below it, the task engine costs more than it brings.
  On a shared machine wall time measures the share of the cores a set-up got, so each set-up's CPU time a
  site (its processes' and their database sessions', from ``/proc``) is printed too: a core not shared
  with others does 1000 / (CPU ms a site) sites a second, and the CPU ratio compares what the work costs;
- for scale, ``bench/screening``'s single-connection batch rate of full screenings on the same sites: an
  impact analysis of the red line screens each site once, against both of its versions with that layer's
  rules only (a layer with an outside rule takes two screenings a site).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from contextlib import suppress
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import geopandas as gpd
from distributed import Client
from sqlalchemy import Engine, text

from bench.common import BENCH_DIR, bench_database, environment_line, generate_samples
from bench.screening import bench_batch, district_land, load_scale, random_sites
from gis.db import get_engine
from layers.importer import import_layer
from projects.accounts import Role, account_by_username, create_account
from projects.batch import dask_client
from projects.credit_code import make_credit_code, organization_code_check_character
from projects.impact import ImpactPlan, compute_impact, plan_impact
from projects.proposals import ProposalInput, create_proposal
from projects.sites import prepare_site
from projects.workers import LocalWorkers

BENCH_APPLICANT = "bench-impact-applicant"
SAME_WORK = "same work, one connection, no Dask"
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
    batch_cpu: list[float] = []
    runs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    try:
        with dask_client(workers=1) as one, dask_client(workers=cores) as local, \
                Client(scheduler.start(cores)) as on_scheduler:
            clients = {"local cluster, 1 worker": one, f"local cluster, {cores} workers": local,
                       f"`workers up` scheduler, {cores} workers": on_scheduler}
            for client in clients.values():
                compute_impact(engine, warm, client=client)  # imports and connections in every worker
            # The machine may be shared: the set-ups take turns, round after round, so that a change of load
            # falls on all of them alike; each one's figure is its median.
            setups: dict[str, dict[str, Any]] = {label: {"client": client} for label, client in clients.items()}
            setups[SAME_WORK] = {"in_process": True, "sites_per_task": len(plan.jobs)}
            for _ in range(args.rounds):
                for label, options in setups.items():
                    seconds, cpu, changes = timed_impact(engine, plan, options)
                    runs[label].append((seconds, cpu))
                    print(f"  {label:<38} {len(plan.jobs) / seconds:8.1f} sites/s, "
                          f"{1000 * cpu / len(plan.jobs):6.1f} CPU ms a site, {changes} changes")
                cpu_before = time.thread_time() + backend_cpu_s(engine)
                batch_rates.append(bench_batch(url, batch_sites))
                batch_cpu.append((time.thread_time() + backend_cpu_s(engine) - cpu_before) / len(batch_sites))
                print(f"  {'full screenings, one connection':<38} {batch_rates[-1]:8.1f} sites/s, "
                      f"{1000 * batch_cpu[-1]:6.1f} CPU ms a site")
                print(f"  load average {os.getloadavg()[0]:.2f}")
    finally:
        scheduler.stop()
    count = len(plan.jobs)
    rates = {label: count / statistics.median(seconds for seconds, _ in timings) for label, timings in runs.items()}
    cpu_ms = {label: 1000 * statistics.median(cpu for _, cpu in timings) / count for label, timings in runs.items()}
    for label, rate in rates.items():
        print(f"{label:<40} median {rate:8.1f} sites/s, {cpu_ms[label]:6.1f} CPU ms a site")
    single, local_all, scheduled, alone = rates.values()
    batch, batch_ms = statistics.median(batch_rates), 1000 * statistics.median(batch_cpu)
    print(f"{'full screenings, one connection':<40} median {batch:8.1f} sites/s, {batch_ms:6.1f} CPU ms a site "
          "(bench/screening's batch: a full screening of every layer, where an impact site is one of two versions of "
          "one layer)")
    print(f"ratio all cores / one worker: {local_all / single:.2f}x local cluster, "
          f"{scheduled / single:.2f}x on the `workers up` scheduler (goal ≥ 1.7x with 2 cores)")
    print(f"per core: {local_all / cores:.1f} sites/s on the local cluster, {scheduled / cores:.1f} on the "
          f"scheduler, against {alone:.1f} sites/s on one connection: {local_all / cores / alone:.2f}x and "
          f"{scheduled / cores / alone:.2f}x (goal: at least 1x); one worker alone {single / alone:.2f}x")
    labels = list(cpu_ms)
    print("per core by CPU time (what a core does when it is not shared): one connection "
          f"{cpu_ms[SAME_WORK]:.1f} CPU ms a site, so " + ", ".join(
              f"{label} {cpu_ms[SAME_WORK] / cpu_ms[label]:.2f}x" for label in labels[:3]))
    print(f"against bench/screening's full screenings: per core {local_all / cores / batch:.2f}x by wall time, "
          f"{batch_ms / cpu_ms[labels[1]]:.2f}x by CPU time ({labels[1]})")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def backend_cpu_s(engine: Engine) -> float:
    """CPU seconds used so far by the sessions of the bench database on this machine's server (each
    backend's /proc entry); 0 for a server elsewhere, whose work this cannot see."""
    with engine.connect() as connection:
        pids = connection.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars().all()
    total = 0.0
    for pid in pids:
        with suppress(OSError):  # not on this machine, or ended since
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def timed_impact(engine: Engine, plan: ImpactPlan, options: dict[str, Any]) -> tuple[float, float, int]:
    """Wall seconds and CPU seconds (the processes doing the work and their database sessions) of one
    impact analysis, and its number of changes. Under load wall time measures the share of the machine a
    set-up got; CPU time what the work costs, which is what a core not shared with others can do."""
    client = options.get("client")

    def python_cpu_s() -> float:  # in this process the work runs in this thread, beside the clusters' own
        return sum(client.run(time.process_time).values()) if client is not None else time.thread_time()

    cpu_before, started = python_cpu_s() + backend_cpu_s(engine), time.perf_counter()
    impact = compute_impact(engine, plan, **options)
    seconds = time.perf_counter() - started
    return seconds, python_cpu_s() + backend_cpu_s(engine) - cpu_before, len(impact["changes"])

if __name__ == "__main__":
    main()
