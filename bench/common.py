"""Shared helpers of the benchmarks: a database of their own on the local cluster, and figure printing.

Benchmarks never use the demo database: each works in ``blueprint_bench_*`` databases of the local cluster
(or of ``DATABASE_URL``'s server), which they reuse across runs so that big sample sets are built once.
They create those databases (and views), so they connect as the owner, which the platform's engine refuses
unless ``BLUEPRINT_ALLOW_PRIVILEGED_ROLE`` is set: importing this module sets it for the run and the servers
it starts. The statements measured are the same whichever role runs them.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from gis.db import normalise_url, resolve_owner_url
from gis.migrate import upgrade_database
from gis.settings import database_settings

os.environ.setdefault("BLUEPRINT_ALLOW_PRIVILEGED_ROLE", "1")
database_settings.cache_clear()
BENCH_DIR = database_settings().data_dir / "bench"


def libpq(url: str) -> str:
    """A SQLAlchemy URL as a libpq connection string (for psycopg and ogr2ogr)."""
    parsed = make_url(url)
    parts = {"dbname": parsed.database, "user": parsed.username, "password": parsed.password,
             "host": parsed.host or parsed.query.get("host"), "port": parsed.port or parsed.query.get("port")}
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def bench_database(name: str, *, fresh: bool = False) -> str:
    """The URL of database ``blueprint_bench_<name>`` on the platform's server, migrated."""
    server = normalise_url(resolve_owner_url())
    database = f"blueprint_bench_{name}"
    with psycopg.connect(libpq(server), autocommit=True) as connection:
        if fresh:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database}"')
    url = make_url(server).set(database=database).render_as_string(hide_password=False)
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    upgrade_database(url)
    return url


def generate_samples(scale: int) -> Path:
    """The scale-N sample layers as GeoPackages, generated once into the data directory."""
    out = database_settings().data_dir / f"samples-scale-{scale}"
    if not (out / "manifest.json").exists():
        subprocess.run([sys.executable, "-m", "data.samples.generate", "--scale", str(scale), "--out", str(out),
                        "--format", "gpkg"], check=True)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def describe(label: str, seconds: list[float]) -> str:
    """``label: p50 … ms, p95 … ms (n=…)``"""
    p50, p95 = 1000 * statistics.median(seconds), 1000 * percentile(seconds, 95)
    return f"{label:<44} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   (n={len(seconds)})"


def environment_line() -> str:
    return f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at start"
