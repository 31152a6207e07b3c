"""Read replicas (只读副本): streaming standbys of the local cluster, and where each read is sent.

``blueprint db replica up`` makes a hot standby of the local cluster with ``pg_basebackup`` in
``<data_dir>/replicas/<name>`` (its own data directory, socket and port) and starts it; PostgreSQL's streaming
replication keeps it current. Any replica, local or not, is given to the server as ``BLUEPRINT_READ_URL``
(one or more URLs, comma-separated).

:class:`ReadRouter` decides per read: a replica that answers, lags at most ``BLUEPRINT_READ_MAX_LAG_S``
behind the primary, and has replayed the caller's last write (a WAL position, see
:func:`primary_wal_position`), else the primary. A standby refuses every write by itself, so a write sent
there by mistake would fail loudly rather than fork the data.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import count
from pathlib import Path

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from gis.db import configure_sessions, normalise_url, primary_engine
from gis.metrics import REGISTRY
from gis.server import SUPERUSER, LocalPostgis, ServiceUser, private_dir

DEFAULT_REPLICA = "replica-1"
ROUTED_READS = Counter("blueprint_routed_reads", "Public reads given a database, by which: replica or primary.",
                       ("target",), registry=REGISTRY)


class ReadSettings(BaseSettings):
    """Environment variables ``BLUEPRINT_READ_*``."""

    model_config = SettingsConfigDict(env_prefix="BLUEPRINT_READ_", extra="ignore")

    url: str = ""
    """Replicas to read from, comma-separated SQLAlchemy or libpq URLs (as the server's role); none: all
    reads go to the primary."""
    max_lag_s: float = 5.0
    """A replica further behind the primary than this (seconds) gets no reads until it catches up."""
    check_interval_s: float = 1.0
    """How often a replica's health and position are looked up again (at most; on demand)."""
    connect_timeout_s: int = 2

    @property
    def urls(self) -> list[str]:
        return [normalise_url(part.strip()) for part in self.url.split(",") if part.strip()]


@lru_cache
def read_settings() -> ReadSettings:
    return ReadSettings()


class LocalReplica(LocalPostgis):
    """A hot standby of ``primary``, made with ``pg_basebackup -R``, in ``<primary data_dir>/replicas/<name>``.

    ``start()`` copies the primary the first time (it must be running), then starts the standby."""

    def __init__(self, primary: LocalPostgis, name: str = DEFAULT_REPLICA, port: int | None = None) -> None:
        super().__init__(primary.data_dir / "replicas" / name, port=port)
        self.primary = primary

    def _create_cluster(self, bindir: Path, user: ServiceUser | None) -> None:
        self._base_backup(bindir, user)

    def _prepare_databases(self) -> None:
        """Nothing: a standby is read-only, and it has every database, extension and role of the primary."""

    def remove(self) -> None:
        """Stop the standby and delete its copy of the data."""
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def _base_backup(self, bindir: Path, user: ServiceUser | None) -> None:
        """The primary's data, streamed with its WAL, and ``standby.signal`` with the primary's address."""
        staging = self.home / "pgdata.basebackup"
        if staging.exists():
            shutil.rmtree(staging)
        private_dir(staging, user)
        self._run(user, [
            str(bindir / "pg_basebackup"), "-D", str(staging), "-h", str(self.primary.socket_dir),
            "-p", str(self.primary.port), "-U", SUPERUSER, "--wal-method=stream", "--write-recovery-conf",
            "--checkpoint=fast", "--no-password",
        ])
        staging.rename(self.pgdata)


@dataclass(frozen=True)
class ReplicaState:
    """What the last look at one replica found."""

    url: str
    up: bool
    replayed: int | None = None
    """WAL position replayed, in bytes from the start of WAL."""
    lag_s: float | None = None
    """How far behind the primary: 0 when it has replayed all the primary has written, else the age of the
    last transaction it replayed."""
    checked_at: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {"up": self.up, "lag_s": None if self.lag_s is None else round(self.lag_s, 3),
                "replayed_lsn": self.replayed}


_PRIMARY_POSITION = text("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
_REPLICA_POSITION = text(
    "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn AS replayed, "
    "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) AS since_last_replay")


def primary_wal_position(engine: Engine | None = None) -> int:
    """The primary's current WAL position in bytes: a read that must see every write committed so far waits
    for a replica that has replayed this far."""
    with (engine or primary_engine()).connect() as connection:
        return int(connection.execute(_PRIMARY_POSITION).scalar_one())


class ReadRouter:
    """Sends each read to a healthy, current replica in turn, or to the primary."""

    def __init__(self, primary: Engine, replica_urls: list[str], settings: ReadSettings) -> None:
        self.primary = primary
        self.settings = settings
        # Configured as the primary's sessions are: without it a replica planned every screening afresh
        # and JIT-compiled it (~1 s each; bench/scale's screenings were 8x slower there than on the primary).
        self.replicas = [configure_sessions(create_engine(url, pool_size=4,
                                                          connect_args={"connect_timeout": settings.connect_timeout_s}))
                         for url in replica_urls]
        self.states = [ReplicaState(url, up=False) for url in replica_urls]
        self._lock = threading.Lock()
        self._turn = count()

    def engine_for(self, after_position: int | None = None) -> Engine:
        """A replica that is up, within the lag bound and has replayed ``after_position`` (the caller's last
        write), else the primary."""
        if not self.replicas:
            return self.primary
        self._refresh(force=False)
        eligible = [index for index, state in enumerate(self.states) if self._usable(state, after_position)]
        if not eligible and after_position is not None:
            self._refresh(force=True)  # the write may have been replayed since the last look
            eligible = [index for index, state in enumerate(self.states) if self._usable(state, after_position)]
        if not eligible:
            ROUTED_READS.labels("primary").inc()
            return self.primary
        ROUTED_READS.labels("replica").inc()
        return self.replicas[eligible[next(self._turn) % len(eligible)]]

    def _usable(self, state: ReplicaState, after_position: int | None) -> bool:
        return (state.up and state.lag_s is not None and state.lag_s <= self.settings.max_lag_s
                and (after_position is None or (state.replayed or 0) >= after_position))

    def _refresh(self, force: bool) -> None:
        now = time.monotonic()
        if not force and all(now - state.checked_at < self.settings.check_interval_s for state in self.states):
            return
        with self._lock:
            try:
                primary_at = primary_wal_position(self.primary)
            except SQLAlchemyError:
                primary_at = None
            self.states = [self._look(url, engine, primary_at) for url, engine in
                           zip((state.url for state in self.states), self.replicas, strict=True)]

    def _look(self, url: str, engine: Engine, primary_at: int | None) -> ReplicaState:
        checked_at = time.monotonic()
        try:
            with engine.connect() as connection:
                row = connection.execute(_REPLICA_POSITION).one()
        except SQLAlchemyError:
            engine.dispose()  # a restarted replica gets fresh connections
            return ReplicaState(url, up=False, checked_at=checked_at)
        if row.replayed is None:  # not a standby: never read from a second primary as if it were one
            return ReplicaState(url, up=False, checked_at=checked_at)
        replayed = int(row.replayed)
        caught_up = primary_at is not None and replayed >= primary_at
        lag = 0.0 if caught_up else (float(row.since_last_replay) if row.since_last_replay is not None else None)
        return ReplicaState(url, up=True, replayed=replayed, lag_s=lag, checked_at=checked_at)

    def status(self) -> list[dict[str, object]]:
        """Each replica's state as last seen (looked at again if due)."""
        self._refresh(force=False)
        return [state.to_dict() for state in self.states]


@lru_cache
def read_router() -> ReadRouter:
    """The server's router over ``BLUEPRINT_READ_URL`` and the primary."""
    settings = read_settings()
    return ReadRouter(primary_engine(), settings.urls, settings)


class ReplicaCollector(Collector):
    """Each read replica's lag behind the primary (seconds; absent while it is down) and whether it is up."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("blueprint_replica_up", "1 when the read replica answers as a standby.",
                               labels=("replica",))
        lag = GaugeMetricFamily("blueprint_replica_lag_seconds", "How far the read replica is behind the primary.",
                                labels=("replica",))
        if read_settings().urls:
            for index, state in enumerate(read_router().status()):
                up.add_metric((str(index),), 1.0 if state["up"] else 0.0)
                if state["lag_s"] is not None:
                    lag.add_metric((str(index),), float(state["lag_s"]))
        yield from (up, lag)


REGISTRY.register(ReplicaCollector())
