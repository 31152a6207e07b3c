"""Batch work on a real Dask scheduler with two worker processes (``blueprint workers up``): impact analysis
and re-screening give the single process's result, each task names the versions it used, and a worker
killed mid-batch loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from distributed import Client
from sqlalchemy import text
from test_fresh_approval import applicant_account, create, spots  # noqa: F401 (a fixture)
from test_impact import revised  # noqa: F401 (a fixture)

from projects.accounts import account_by_username
from projects.impact import analyse_and_store, compute_impact, impact_of_sites, plan_impact
from projects.rescreening import rescreen_batch, rescreen_task
from projects.workers import LocalWorkers

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def workers(tmp_path_factory) -> Iterator[LocalWorkers]:
    """A scheduler and two worker processes of a data directory of their own, as `blueprint workers up`."""
    local = LocalWorkers(tmp_path_factory.mktemp("dask-data"))
    local.start(2)
    yield local
    local.stop()


@pytest.fixture(scope="module")
def ndrc(engine):
    with engine.connect() as connection:
        return account_by_username(connection, "ndrc")


def _kill_a_busy_worker(address: str, killed: list[int]) -> Callable[[int], None]:
    """A progress callback that, once the first task is back, SIGKILLs a worker process holding a task."""
    def on_progress(_: int) -> None:
        if killed:
            return
        with Client(address, timeout=10) as client:
            busy = [worker for worker, keys in client.processing().items() if keys]
            if not busy:  # nothing in flight now: wait for the next task to come back
                return
            pids = client.run(os.getpid, workers=busy[:1])
        killed.extend(pids.values())
        os.kill(killed[0], signal.SIGKILL)
    return on_progress


def _wait_for_workers(workers: LocalWorkers, count: int) -> None:
    """The nanny starts a killed worker again: later tests get both workers back."""
    deadline = time.monotonic() + 60
    while len(workers.status()["workers"]) < count and time.monotonic() < deadline:
        time.sleep(0.5)


def test_workers_up_runs_a_scheduler_with_its_workers_and_batches_use_it(workers, tmp_path):
    status = workers.status()
    assert status["running"] and status["address"].startswith("tcp://127.0.0.1:")
    assert len(status["workers"]) == 2 and all(worker["pid"] for worker in status["workers"])
    assert workers.start(2) == status["address"], "a second `up` reuses what runs"
    assert LocalWorkers(tmp_path).status() == {"running": False, "address": None, "workers": []}


def test_the_cli_starts_reports_and_stops_the_workers(tmp_path):
    env = {**os.environ, "BLUEPRINT_DATA_DIR": str(tmp_path)}

    def blueprint(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli.main", "workers", *args], env=env, cwd=REPOSITORY,
                              capture_output=True, text=True, timeout=180)

    up = blueprint("up", "--workers", "1")
    assert up.returncode == 0, up.stderr
    address = up.stdout.strip()
    status = blueprint("status")
    assert status.returncode == 0 and f"local Dask scheduler {address}: 1 workers" in status.stdout
    assert blueprint("down").returncode == 0
    stopped = blueprint("status")
    assert stopped.returncode == 1 and "not running" in stopped.stdout
    assert LocalWorkers(tmp_path).address() is None


def test_each_impact_task_names_the_layer_and_rule_versions_it_used(revised, engine):  # noqa: F811
    plan = plan_impact(engine, revised["layer_id"], 2)
    task = impact_of_sites(plan.jobs[:2], engine.url.render_as_string(hide_password=False), plan.pair)
    layer = revised["layer_id"]
    assert [layer, 1] in task["layer_versions"]["before"] and [layer, 2] in task["layer_versions"]["after"]
    assert task["rule_set_version"] == 1 and task["sites"] == 2


def test_impact_on_the_scheduler_equals_one_process_even_when_a_worker_is_killed(revised, engine, workers):  # noqa: F811
    plan = plan_impact(engine, revised["layer_id"], 2)
    plan = replace(plan, jobs=plan.jobs * max(1, 24 // len(plan.jobs)))  # enough tasks to be mid-batch
    alone = compute_impact(engine, plan, in_process=True)
    killed: list[int] = []
    address = workers.address()
    on_dask = compute_impact(engine, plan, scheduler=address, sites_per_task=1,
                             progress=_kill_a_busy_worker(address, killed))
    assert killed, "a worker holding a task was killed mid-batch"
    assert on_dask["tasks"] == len(plan.jobs)
    assert on_dask["changes"] == alone["changes"] and on_dask["summary"] == alone["summary"]
    _wait_for_workers(workers, 2)


@pytest.fixture(scope="module")
def drafts(client, login, engine, spots) -> list[int]:  # noqa: F811
    applicant = applicant_account(client, login, engine, "applicant-batch-rescreen", 70087)
    return [create(client, applicant, next(spots))["id"] for _ in range(8)]


def _rescreens(engine, batch: str) -> dict[int, int]:
    with engine.connect() as connection:
        return dict(connection.execute(text(
            "SELECT proposal_id, count(*) FROM audit_log WHERE action = 'rescreen' AND after->>'batch' = :b "
            "GROUP BY proposal_id"), {"b": batch}).all())


def test_rescreening_on_the_scheduler_screens_each_proposal_once_when_a_worker_is_killed(
        drafts, engine, ndrc, workers):
    alone = rescreen_batch(engine, ndrc, drafts, in_process=True)
    killed: list[int] = []
    address = workers.address()
    on_dask = rescreen_batch(engine, ndrc, drafts, scheduler=address, per_task=1,
                             progress=_kill_a_busy_worker(address, killed))
    assert killed
    assert _rescreens(engine, on_dask["batch"]) == {proposal_id: 1 for proposal_id in drafts}
    same = lambda result: {k: v for k, v in result.items() if k != "screening_id"}  # noqa: E731
    assert [same(r) for r in on_dask["rescreened"]] == [same(r) for r in alone["rescreened"]]
    assert all(result["rule_set_version"] == 1 and result["layer_versions"] for result in on_dask["rescreened"])
    with engine.connect() as connection:
        batch_entry = connection.execute(text(
            "SELECT after FROM audit_log WHERE action = 'batch_rescreen' AND after->>'batch' = :b"),
            {"b": on_dask["batch"]}).scalar_one()
    assert batch_entry["proposals"] == drafts
    _wait_for_workers(workers, 2)


def test_a_retried_rescreening_task_does_not_screen_again_what_it_committed(drafts, engine, ndrc):
    url = engine.url.render_as_string(hide_password=False)
    first = rescreen_task(drafts[:3], url, ndrc, "retried-batch")
    again = rescreen_task(drafts[:4], url, ndrc, "retried-batch")  # as the scheduler runs a lost task again
    assert again[:3] == first
    assert _rescreens(engine, "retried-batch") == {proposal_id: 1 for proposal_id in drafts[:4]}


def test_the_cli_rescreens_what_an_impact_report_names_on_the_scheduler(revised, engine, workers):  # noqa: F811
    impact_id = analyse_and_store(engine, revised["layer_id"], 2, "test", in_process=True)
    done = subprocess.run([sys.executable, "-m", "cli.main", "proposals", "rescreen", "--as", "ndrc", "--impact",
                           str(impact_id), "--scheduler", workers.address(), "--json"],
                          cwd=REPOSITORY, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    ids = revised["ids"]
    assert [result["proposal_id"] for result in answer["rescreened"]] == sorted([ids["A"], ids["B"]])
    assert _rescreens(engine, answer["batch"]) == {ids["A"]: 1, ids["B"]: 1}
    refused = subprocess.run([sys.executable, "-m", "cli.main", "proposals", "rescreen", "--as",
                              "dept-water", "--impact", str(impact_id)], cwd=REPOSITORY, capture_output=True,
                             text=True, timeout=180)
    assert refused.returncode == 2 and "ndrc" in refused.stderr.lower()
