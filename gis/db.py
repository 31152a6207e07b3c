"""The PostGIS engine (SQLAlchemy 2 + GeoAlchemy2 + psycopg 3): ``DATABASE_URL``, or the local cluster.

The engine is the server's: it connects as the role that owns nothing (:mod:`gis.roles`) and refuses a
superuser or the schema's owner unless ``BLUEPRINT_ALLOW_PRIVILEGED_ROLE`` is set. Migrations connect as
the owner (:func:`resolve_owner_url`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

import orjson
import psycopg
from psycopg.errors import QueryCanceled
from psycopg.pq import TransactionStatus
from psycopg.types.json import set_json_loads
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError, OperationalError

from gis.errors import PicklableError
from gis.messages import Message, Text, phrases
from gis.metrics import POOLS
from gis.roles import refuse_privileged
from gis.settings import database_settings


def resolve_database_url() -> str:
    """The server's URL: ``DATABASE_URL`` when set, else the local cluster's (started on demand) as the
    role that owns nothing."""
    settings = database_settings()
    if settings.database_url:
        return normalise_url(settings.database_url)
    from gis.server import LocalPostgis

    cluster = LocalPostgis(settings.data_dir)
    cluster.start()
    return cluster.server_url()


def resolve_owner_url() -> str:
    """The owner's URL, for migrations: ``BLUEPRINT_MIGRATION_URL``, else ``DATABASE_URL`` (one URL for
    both), else the local cluster's owner."""
    settings = database_settings()
    if settings.migration_url or settings.database_url:
        return normalise_url(settings.migration_url or settings.database_url or "")
    from gis.server import LocalPostgis

    return LocalPostgis(settings.data_dir).start()


def normalise_url(url: str) -> str:
    """Make a libpq-style ``postgresql://`` URL use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def lower_backend_priority(dbapi_connection: psycopg.Connection, nice: int) -> bool:
    """Give the session's PostgreSQL backend the CPU priority ``nice`` (above 0: lower), if it is ours to set.

    Only for a server on this machine reached through its Unix socket, whose backend process is visible
    here as a ``postgres:`` process (the embedded cluster; or a local one run by this OS user or, when this
    process is root, by anyone). The backend is its own session (PostgreSQL calls ``setsid``), so where the
    kernel groups tasks by session (autogroup) only its group's nice value counts: both are set. A server
    elsewhere (a ``DATABASE_URL`` over TCP) is left alone; the work it does then competes at equal priority.
    Returns whether the priority was lowered. Lowering is for good: an unprivileged process cannot raise it
    again, so such a session never goes back to a pool of ordinary ones.
    """
    if dbapi_connection.info.host is None or not dbapi_connection.info.host.startswith("/"):
        return False
    pid = dbapi_connection.info.backend_pid
    try:
        if not Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"postgres:"):
            return False
        os.setpriority(os.PRIO_PROCESS, pid, nice)
    except OSError:  # not ours (another user, another PID namespace), or gone
        return False
    with suppress(OSError):  # no autogroups in this kernel, or one changed less than 0.1 s ago (EAGAIN)
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))
    return True


BACKGROUND_APPLICATION = "one-blueprint background"
"""The ``application_name`` of a background engine's sessions, as ``pg_stat_activity`` shows them."""


_READS_FROM: ContextVar[Engine | None] = ContextVar("reads_from", default=None)


@contextmanager
def reads_from(engine: Engine) -> Iterator[None]:
    """Within the block (and the threads it hands work to), :func:`get_engine` without a URL is ``engine``:
    a read replica for a public read (see :mod:`gis.replica`), chosen once where the request comes in."""
    token = _READS_FROM.set(engine)
    try:
        yield
    finally:
        _READS_FROM.reset(token)


def get_engine(url: str | None = None, *, background: bool = False) -> Engine:
    """The engine of ``url``, else the one :func:`reads_from` chose for this request, else the platform's.

    A ``background`` engine's sessions run at the CPU priority ``BLUEPRINT_BACKGROUND_NICE`` where that can
    be set (:func:`lower_backend_priority`), for work that must not slow down what runs beside it.
    """
    if url is None and not background and (chosen := _READS_FROM.get()) is not None:
        return chosen
    return _pooled_engine(url, background)


def primary_engine() -> Engine:
    """The platform's own engine (the primary), whatever :func:`reads_from` chose."""
    return _pooled_engine(None, False)


@lru_cache
def _pooled_engine(url: str | None, background: bool, /) -> Engine:
    """One pooled engine per URL (and priority); every connection gets the configured statement timeout and
    generic plans. Positional only: ``lru_cache`` keys ``f(None)`` and ``f(None, background=False)`` apart,
    which gave the primary two engines, two pools and two copies of the layers kept in memory."""
    settings = database_settings()
    return configure_sessions(create_engine(
        url or resolve_database_url(), pool_size=settings.pool_size,
        connect_args={"application_name": BACKGROUND_APPLICATION} if background else {},
    ), background=background)


IDLE_PING_S = 1.0
"""A pooled session idle for longer than this (s) is pinged before it is handed out: the server may have
restarted or dropped it meanwhile. One that came back from work a moment ago is not: pinging every
checkout (SQLAlchemy's ``pool_pre_ping``) was a round trip on every request."""


def configure_sessions(engine: Engine, *, background: bool = False) -> Engine:
    """``engine``, each of whose new sessions gets the platform's settings (statement timeout, generic plans,
    no JIT, orjson, the privileged-role check, the background priority and sort memory), whose idle sessions are pinged
    before use (:data:`IDLE_PING_S`) and whose pool is in the metrics. Every engine the server reads or
    writes through is made so: a read replica's too. Make it without ``pool_pre_ping``."""
    settings = database_settings()

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record) -> None:  # noqa: ANN001
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        idle_since = record.info.get("idle_since")  # none yet: connected just now
        if idle_since is None or time.monotonic() - idle_since <= IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except psycopg.Error as error:
            raise DisconnectionError(f"a pooled session was gone: {error}") from error  # the pool connects anew

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # noqa: ANN001
        # json and jsonb results (overlap geometries, attributes) are parsed by orjson, several times faster.
        set_json_loads(orjson.loads, dbapi_connection)
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(settings.statement_timeout_ms)}")
            # Statements run often (psycopg prepares them) filter the partitioned layer_features by version.
            # PostgreSQL re-plans them on every call because it does not cost run-time partition pruning,
            # and planning was a third of a screening's overlay; a generic plan prunes at execution.
            cursor.execute("SET plan_cache_mode = force_generic_plan")
            # The overlay's cost is GEOS, which JIT cannot speed up; but a set-returning function (the sparse site's
            # ST_SquareGrid, estimated at 1,000 rows) lifts its estimate over jit_above_cost, and compiling
            # then took ~0.9 s of a 10 ms screening.
            cursor.execute("SET jit = off")
            if background:
                cursor.execute(f"SET work_mem = '{int(settings.background_work_mem_mb)}MB'")
        dbapi_connection.commit()
        # Every new session is checked, so no code path of the server can run with the owner's powers.
        refuse_privileged(dbapi_connection, allowed=settings.allow_privileged_role)
        if background and settings.background_nice:
            lower_backend_priority(dbapi_connection, settings.background_nice)

    POOLS.watch(engine)
    return engine


get_engine.cache_clear = _pooled_engine.cache_clear  # type: ignore[attr-defined]  # settings changed: new engines


def kept_properties_sql(row: str, keys: tuple[str, ...]) -> str:
    """SQL of the jsonb ``properties`` of ``row`` holding only ``keys`` (absent ones left out): a whitelist."""
    for key in keys:
        if not key.replace("_", "").isalnum():
            raise ValueError(f"attribute name {key!r} is not a plain identifier")
    return "jsonb_strip_nulls(jsonb_build_object({}))".format(
        ", ".join(f"'{key}', {row}.properties -> '{key}'" for key in keys)
    )


def read_only(engine: Engine) -> Connection:
    """A connection for reads only: each statement commits on its own, so no BEGIN/COMMIT round trips.

    For work that is consistent statement by statement, like a screening (layer versions never change once
    imported). Use ``engine.begin()`` for anything that writes.
    """
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


phrases("db", took_too_long=Text("{what}超过{ms:,}毫秒，已停止", "{what} took longer than {ms:,} ms and was stopped"))


class StatementTimeoutError(PicklableError, RuntimeError):
    """PostgreSQL cancelled a statement that ran past its statement timeout (``statement_timeout``)."""

    def __init__(self, what: Text, timeout_ms: int) -> None:
        super().__init__(Message("db.took_too_long", what=what, ms=timeout_ms))
        self.what, self.timeout_ms = what, timeout_ms


def is_statement_timeout(error: BaseException) -> bool:
    """Whether ``error`` is PostgreSQL cancelling a statement (statement timeout, SQLSTATE 57014)."""
    return isinstance(error, OperationalError) and isinstance(error.orig, QueryCanceled)


_SET_PLAN_MODE = text("SELECT set_config('plan_cache_mode', :mode, false)")


@contextmanager
def custom_plans(connection: Connection) -> Iterator[None]:
    """Plan the block's statements for their parameters' values (``plan_cache_mode = force_custom_plan``).

    Sessions force generic plans (:func:`configure_sessions`), right for the short statements run again and
    again. A big set statement run once per request is planned once either way, and a generic plan has no
    values to work with: it scans an ``= ANY(:codes)`` array of hundreds of land-use codes element by element
    for every row (a custom plan hashes it) and prunes partitions only at execution. Works on autocommit
    connections and inside transactions, and restores the session's mode as :func:`statement_timeout` does.
    """
    was = connection.execute(text("SHOW plan_cache_mode")).scalar_one()
    connection.execute(_SET_PLAN_MODE, {"mode": "force_custom_plan"})
    try:
        yield
    finally:
        if connection.connection.driver_connection.info.transaction_status is not TransactionStatus.INERROR:
            connection.execute(_SET_PLAN_MODE, {"mode": was})


_SET_TIMEOUT = text("SELECT set_config('statement_timeout', :milliseconds, false)")


@contextmanager
def cancelled_as_timeout(what: Text, milliseconds: int | None = None) -> Iterator[None]:
    """A statement of the block cancelled by its statement timeout raises :class:`StatementTimeoutError`, for
    ``what`` and a timeout of ``milliseconds`` (default: the platform's, which every session starts with)."""
    try:
        yield
    except OperationalError as error:
        if is_statement_timeout(error):
            timeout_ms = database_settings().statement_timeout_ms if milliseconds is None else milliseconds
            raise StatementTimeoutError(what, timeout_ms) from None
        raise


@contextmanager
def statement_timeout(connection: Connection, milliseconds: int, what: Text) -> Iterator[None]:
    """Run the block's statements under a timeout of their own, in ms; past it, :class:`StatementTimeoutError`.

    Works on autocommit connections and inside transactions. Afterwards the connection has the platform's
    timeout again: reset at once, or, when the cancelled statement aborted the transaction, by its
    rollback (PostgreSQL undoes a ``SET`` made in a transaction that aborts).
    """
    connection.execute(_SET_TIMEOUT, {"milliseconds": str(int(milliseconds))})
    try:
        with cancelled_as_timeout(what, milliseconds):
            yield
    finally:
        status = connection.connection.driver_connection.info.transaction_status
        if status is not TransactionStatus.INERROR:
            connection.execute(_SET_TIMEOUT,
                               {"milliseconds": str(int(database_settings().statement_timeout_ms))})
