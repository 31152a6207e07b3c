"""Batch work on a Dask cluster (批量计算): impact analysis and re-screening, over every core or machine.

Where the tasks run, first found: ``scheduler=``; ``BLUEPRINT_DASK_SCHEDULER``, e.g. ``tcp://10.0.0.5:8786``
from ``dask scheduler`` (its workers need this package installed); the scheduler of ``blueprint workers up``
in this data directory while it runs (:mod:`projects.workers`); else a local Dask cluster started for the
batch, of worker processes with one thread each (the work is GEOS and PostgreSQL, not Python, but each
worker holds its own database connection). The tasks get the database URL as an argument.

Tasks are functions of their inputs (chunks of work plus the layer and rule set versions they read), so a
task whose worker dies is run again elsewhere by the scheduler and the batch's result equals a single
process's. Each task's result names the versions it used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, TypeVar

from pydantic_settings import BaseSettings, SettingsConfigDict

Item = TypeVar("Item")
Result = TypeVar("Result")


class BatchSettings(BaseSettings):
    """Environment variables ``BLUEPRINT_DASK_*``."""

    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_DASK_", extra="ignore")

    scheduler: str | None = None
    """Address of a running Dask scheduler; unset: a local cluster per batch."""
    workers: int | None = None
    """Worker processes of a local cluster (default: one per core)."""
    retries: int = 3
    """Times a task that failed (e.g. its database connection was cut) is run again. A task whose worker
    died is run again elsewhere regardless, up to Dask's ``distributed.scheduler.allowed-failures``."""


@lru_cache
def batch_settings() -> BatchSettings:
    return BatchSettings()


def chunks(items: Sequence[Item], size: int) -> list[list[Item]]:
    """``items`` in runs of ``size``: one task each, so a task's overhead is shared by several sites."""
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client of the scheduler given, configured or started by ``blueprint workers up``, else of a
    local cluster of ``workers`` processes (default ``BLUEPRINT_DASK_WORKERS``, else one per core)."""
    from distributed import Client, LocalCluster  # a second of imports, paid only by batch work

    from projects.workers import local_workers

    settings = batch_settings()
    address = scheduler or settings.scheduler or (local_workers().address() if workers is None else None)
    if address:
        with Client(address) as client:
            yield client
        return
    count = workers or settings.workers or os.cpu_count() or 1
    # Loopback only, its HTTP endpoint too (None would still take port 8787, on every interface).
    with LocalCluster(n_workers=count, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", silence_logs=40) as cluster, Client(cluster) as client:
        yield client


def run_tasks(task: Callable[..., Result], work: Sequence[Any], *args: Any, client: Any | None = None,
              workers: int | None = None, scheduler: str | None = None, in_process: bool = False,
              progress: Callable[[int], None] | None = None) -> list[Result]:
    """``task(chunk, *args)`` for every chunk of ``work`` on Dask: each task's result, in ``work``'s order.
    ``progress`` is told the size of each chunk as it finishes.

    ``in_process`` runs the chunks one after the other here instead, unless a scheduler is given or
    configured: for work started by a web request, which should not start a cluster of its own."""
    if not work:
        return []
    if in_process and not (scheduler or batch_settings().scheduler) and client is None:
        results = []
        for chunk in work:
            results.append(task(chunk, *args))
            if progress:
                progress(len(chunk))
        return results

    def collect(dask: Any) -> list[Result]:
        from distributed import as_completed

        futures = dask.map(task, work, *[[arg] * len(work) for arg in args], pure=False,
                           retries=batch_settings().retries)
        order = {future.key: index for index, future in enumerate(futures)}
        results: list[Result | None] = [None] * len(futures)
        for future in as_completed(futures):
            index = order[future.key]
            results[index] = future.result()
            if progress:
                progress(len(work[index]))
        return results  # type: ignore[return-value] (every one has come back)

    if client is not None:
        return collect(client)
    with dask_client(workers, scheduler) as own:
        return collect(own)


def run_batch(task: Callable[..., list[Result]], work: Sequence[Any], *args: Any, **where: Any) -> list[Result]:
    """:func:`run_tasks` for tasks that give a list each: the lists concatenated in ``work``'s order."""
    return [result for chunk in run_tasks(task, work, *args, **where) for result in chunk]
