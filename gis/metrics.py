"""The platform's Prometheus metrics (``/metrics``): requests by route, screening and tile timings, the pool.

One registry per server process; several instances behind a load balancer are scraped one by one, as
Prometheus expects. Metric names follow its conventions: ``blueprint_`` prefix, seconds, ``_total`` counters.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

REGISTRY = CollectorRegistry()

# Buckets from a cached tile (under a millisecond) to a heavy site near its statement timeout.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "blueprint_http_requests", "HTTP requests answered, by route template, method and status code.",
    ("route", "method", "status"), registry=REGISTRY)
HTTP_LATENCY = Histogram(
    "blueprint_http_request_duration_seconds", "Time from request to the last byte of the answer, by route.",
    ("route", "method"), buckets=LATENCY_BUCKETS, registry=REGISTRY)
SCREENING_LATENCY = Histogram(
    "blueprint_screening_duration_seconds",
    "Time of one site's screening in the engine (筛查), waiting for a heavy slot included, by site size "
    "(heavy: more vertices than the heavy-site threshold).",
    ("site",), buckets=LATENCY_BUCKETS, registry=REGISTRY)
TILE_LATENCY = Histogram(
    "blueprint_tile_duration_seconds", "Time to answer one vector tile, by where it came from.",
    ("source",), buckets=LATENCY_BUCKETS, registry=REGISTRY)


@contextmanager
def timed(histogram: Histogram, **labels: str) -> Iterator[dict[str, str]]:
    """Observe the block's wall time in ``histogram``, in seconds, exceptions included; the block may change
    the yielded labels (e.g. where a tile came from) before it ends."""
    chosen = dict(labels)
    started = perf_counter()
    try:
        yield chosen
    finally:
        histogram.labels(**chosen).observe(perf_counter() - started)


class PoolCollector(Collector):
    """The database pool's state at scrape time: connections in use, idle, and the pool's size."""

    def __init__(self) -> None:
        self.engines: list[Engine] = []

    def watch(self, engine: Engine) -> None:
        if engine not in self.engines:
            self.engines.append(engine)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        in_use = GaugeMetricFamily("blueprint_db_pool_connections_in_use",
                                   "Pooled database connections checked out now.", labels=("database",))
        idle = GaugeMetricFamily("blueprint_db_pool_connections_idle",
                                 "Pooled database connections open and waiting.", labels=("database",))
        size = GaugeMetricFamily("blueprint_db_pool_size", "Connections the pool keeps (overflow excluded).",
                                 labels=("database",))
        for engine in self.engines:
            pool = engine.pool
            if not isinstance(pool, QueuePool):
                continue
            name = engine.url.database or ""
            in_use.add_metric((name,), pool.checkedout())
            idle.add_metric((name,), pool.checkedin())
            size.add_metric((name,), pool.size())
        yield from (in_use, idle, size)


POOLS = PoolCollector()
REGISTRY.register(POOLS)

