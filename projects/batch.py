"""Batch work on a Dask cluster (批量计算): impact analysis and re-screening, over every core or machine.

Without a scheduler address the batch starts a local Dask cluster of worker processes (one thread each:
the work is GEOS and PostgreSQL, not Python, but each worker holds its own database connection). With
``BLUEPRINT_DASK_SCHEDULER`` (or ``scheduler=``), e.g. ``tcp://10.0.0.5:8786`` from ``dask scheduler``, the
same tasks run on that cluster's workers, which need this package installed and ``DATABASE_URL`` set.

Tasks are pure functions of their inputs (chunks of work plus the layer versions they read), so a task whose
worker dies is run again elsewhere (``retries``) and the batch's result equals a single process's.
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
    """Times a task is run again after its worker died."""


@lru_cache
def batch_settings() -> BatchSettings:
    return BatchSettings()


def chunks(items: Sequence[Item], size: int) -> list[list[Item]]:
    """``items`` in runs of ``size``: one task each, so a task's overhead is shared by several sites."""
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client of the configured scheduler, or of a local cluster of ``workers`` processes."""
    from distributed import Client, LocalCluster  # a second of imports, paid only by batch work

    settings = batch_settings()
    address = scheduler or settings.scheduler
    if address:
        with Client(address) as client:
            yield client
        return
    count = workers or settings.workers or os.cpu_count() or 1
    with LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster) as client:
        yield client


def run_batch(task: Callable[..., list[Result]], work: Sequence[Any], *args: Any, client: Any | None = None,
              workers: int | None = None, scheduler: str | None = None, in_process: bool = False,
              progress: Callable[[int], None] | None = None) -> list[Result]:
    """``task(chunk, *args)`` for every chunk of ``work`` on Dask, the results concatenated in ``work``'s
    order. ``progress`` is told the size of each chunk as it finishes.

    ``in_process`` runs the chunks one after the other here instead, unless a scheduler is configured: for
    work started by a web request, which should not start a cluster of its own."""
    if not work:
        return []
    if in_process and not (scheduler or batch_settings().scheduler) and client is None:
        results = []
        for chunk in work:
            results.extend(task(chunk, *args))
            if progress:
                progress(len(chunk))
        return results

    def collect(dask: Any) -> list[Result]:
        from distributed import as_completed

        futures = dask.map(task, work, *[[arg] * len(work) for arg in args], pure=False,
                           retries=batch_settings().retries)
        order = {future.key: index for index, future in enumerate(futures)}
        results: list[list[Result] | None] = [None] * len(futures)
        for future in as_completed(futures):
            index = order[future.key]
            results[index] = future.result()
            if progress:
                progress(len(work[index]))
        return [result for chunk in results for result in chunk or []]

    if client is not None:
        return collect(client)
    with dask_client(workers, scheduler) as own:
        return collect(own)
