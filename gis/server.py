"""The embedded local PostgreSQL + PostGIS cluster, used when ``DATABASE_URL`` is unset.

One data directory holds one cluster and everything needed to find it again::

    <data_dir>/local-postgis.json   state: the cluster's home and TCP port (stable across restarts)
    <data_dir>/local-postgis.lock   serialises start/stop between processes (several workers, tests)
    <home>/pgdata                   the cluster (initdb)
    <home>/sock                     the Unix socket directory, the only way in without a password
    <home>/postgres.log             the server log

``<home>`` is ``<data_dir>`` itself, except in the one case described below.

Connections: local (Unix socket) connections are trusted; the socket and its directory are mode 0700, so
only the OS user running the server (and root) can use them. The server also listens on 127.0.0.1, where
``scram-sha-256`` applies: the roles have no password until an administrator sets one, so TCP is closed by
default while the port stays reserved and stable for tools that need it later.

Roles: ``blueprint``, the cluster's superuser, owns the schema and runs the migrations; the platform's
server connects as ``blueprint_app``, a login role that owns nothing, member of the ``blueprint_server``
group that holds its grants (:mod:`gis.roles`). ``start()`` creates both.

Root: PostgreSQL refuses to run as root. When this process is root, every PostgreSQL program runs as an
unprivileged OS user — the owner of an existing cluster, else ``postgres``, else a system user
``blueprint`` created with ``useradd --system``. Privileges are dropped by ``subprocess`` itself (setuid,
setgid and the user's supplementary groups in the child), so no ``runuser``/PAM session is involved. That
user must be able to traverse ``<data_dir>``; when it cannot (a repository under ``/root``, mode 0700),
the cluster lives in ``/var/lib/one-blueprint/<name>-<hash>`` instead and the state file records where,
rather than loosening the permissions of someone's home directory.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pwd
import random
import re
import select
import shlex
import shutil
import signal
import socket
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import TupleRow

from gis.roles import LOCAL_SERVER_ROLE, SERVER_GROUP

SUPERUSER = "blueprint"
DEFAULT_DATABASE = "blueprint"
SHARED_HOMES = Path("/var/lib/one-blueprint")
STATE_FILE = "local-postgis.json"
LOCK_FILE = "local-postgis.lock"
# Databases a caller must never drop through this class: the cluster's own and the platform's.
PROTECTED_DATABASES = frozenset({"postgres", "template0", "template1", DEFAULT_DATABASE})
# Random ports come from below Linux's ephemeral range (32768+), so outgoing connections never hold them.
PORT_RANGE = (20000, 32767)
# sun_path is 108 bytes with the trailing NUL; the socket file is "<dir>/.s.PGSQL.<port>".
MAX_SOCKET_PATH = 107
SOCKET_FILE_SUFFIX = len("/.s.PGSQL.65535")
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
START_TIMEOUT_S = 60


class State(TypedDict, total=False):
    """Contents of the state file."""

    home: str  # where pgdata, socket dir and log live
    port: int  # TCP port, and the number in the socket file's name


class LocalPostgisError(RuntimeError):
    """The local cluster cannot be found, created, started or used; the message says how to fix it."""


@dataclass(frozen=True)
class ServiceUser:
    """The unprivileged OS user that runs PostgreSQL when this process is root."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    login_home: str

    @classmethod
    def from_passwd(cls, entry: pwd.struct_passwd) -> ServiceUser:
        """Build from a passwd entry, with the supplementary groups the user would get at login."""
        groups = tuple(os.getgrouplist(entry.pw_name, entry.pw_gid))
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid, groups, entry.pw_dir)


class LocalPostgis:
    """A PostgreSQL + PostGIS cluster owned by the platform, kept in ``data_dir``.

    ``port`` fixes the TCP port; by default a free one is picked on first start and kept.
    ``bin_dir`` fixes where ``initdb``, ``pg_ctl`` and ``postgres`` are; by default they are searched.
    """

    def __init__(self, data_dir: Path, port: int | None = None, bin_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir).absolute()
        self._fixed_port = port
        self._bin_dir = bin_dir

    # ---- where things are -------------------------------------------------------------------------

    @property
    def home(self) -> Path:
        """The directory holding pgdata, the socket directory and the log."""
        recorded = self._read_state().get("home")
        return Path(recorded) if recorded else self.data_dir

    @property
    def pgdata(self) -> Path:
        """The cluster's data directory (``initdb -D``)."""
        return self.home / "pgdata"

    @property
    def log_file(self) -> Path:
        """The server log (``pg_ctl -l``)."""
        return self.home / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        """The Unix socket directory: ``<home>/sock``, or a short one in /tmp when that path is too long
        for a socket address or holds a character ``unix_socket_directories`` treats as syntax."""
        preferred = self.home / "sock"
        fits = len(os.fsencode(preferred)) + SOCKET_FILE_SUFFIX <= MAX_SOCKET_PATH
        if fits and not set(str(preferred)) & set(',"'):
            return preferred
        digest = hashlib.sha256(os.fsencode(self.home)).hexdigest()[:16]
        return Path("/tmp") / f"blueprint-pg-{digest}"

    @property
    def port(self) -> int:
        """The TCP port the cluster listens on (and the number in its socket file's name)."""
        recorded = self._read_state().get("port")
        if recorded is None:
            raise LocalPostgisError(f"The local PostGIS cluster in {self.data_dir} was never started.")
        return int(recorded)

    def url(self, database: str = DEFAULT_DATABASE, role: str = SUPERUSER) -> str:
        """SQLAlchemy URL of ``database`` over the Unix socket as ``role`` (default the owner), e.g.
        ``postgresql+psycopg://blueprint@/blueprint?host=/srv/data/sock&port=23456``."""
        query = urlencode({"host": str(self.socket_dir), "port": self.port}, quote_via=quote, safe="/")
        return f"postgresql+psycopg://{quote(role, safe='')}@/{quote(database, safe='')}?{query}"

    def server_url(self, database: str = DEFAULT_DATABASE) -> str:
        """SQLAlchemy URL of ``database`` as the server's role ``blueprint_app``, which owns nothing."""
        return self.url(database, LOCAL_SERVER_ROLE)

    def conninfo(self, database: str = DEFAULT_DATABASE) -> str:
        """libpq connection string of ``database`` over the Unix socket (for psycopg, psql)."""
        return make_conninfo(host=str(self.socket_dir), port=self.port, user=SUPERUSER, dbname=database)

    # ---- finding PostgreSQL -----------------------------------------------------------------------

    def find_binaries(self) -> Path:
        """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, once PostGIS is known to be there.

        Search order: the injected ``bin_dir``; ``pg_config --bindir``; the highest
        ``/usr/lib/postgresql/<major>/bin`` (Debian keeps server programs off PATH); PATH.
        """
        if self._bin_dir is not None:
            candidates = [Path(self._bin_dir)]
        else:
            candidates = []
            if pg_config := shutil.which("pg_config"):
                # A broken pg_config (e.g. libpq-dev leftovers) must not hide the other places.
                with suppress(LocalPostgisError):
                    candidates.append(Path(_output([pg_config, "--bindir"])))
            debian = sorted(
                Path("/usr/lib/postgresql").glob("*/bin"),
                key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else -1,
                reverse=True,
            )
            candidates += debian
            if initdb := shutil.which("initdb"):
                candidates.append(Path(initdb).parent)
        bindir = next((c for c in candidates if all((c / p).is_file() for p in SERVER_PROGRAMS)), None)
        if bindir is None:
            searched = ", ".join(str(c) for c in candidates) or "PATH"
            major = _installed_major()
            postgis = f"postgresql-{major}-postgis-3" if major else "postgresql-postgis"
            raise LocalPostgisError(
                f"PostgreSQL server programs ({', '.join(SERVER_PROGRAMS)}) not found (searched {searched}). "
                f"Install them with: apt-get install postgresql {postgis} — or set DATABASE_URL to an "
                f"existing PostGIS database."
            )
        major = _server_major(bindir)
        control = self._share_dir(bindir, major) / "extension" / "postgis.control"
        if not control.is_file():
            raise LocalPostgisError(
                f"PostgreSQL {major} is installed in {bindir} but its PostGIS extension is not ({control} "
                f"is missing). Install it with: apt-get install postgresql-{major}-postgis-3 — or set "
                f"DATABASE_URL to an existing PostGIS database."
            )
        return bindir

    @staticmethod
    def _share_dir(bindir: Path, major: int) -> Path:
        """The server's share directory: from the pg_config beside it, else Debian's layout."""
        pg_config = bindir / "pg_config"
        if pg_config.is_file():
            return Path(_output([str(pg_config), "--sharedir"]))
        return Path("/usr/share/postgresql") / str(major)

    # ---- lifecycle --------------------------------------------------------------------------------

    def start(self) -> str:
        """Create the cluster if needed, start it unless it runs, ensure the ``blueprint`` database has
        PostGIS and the server's roles exist, and return the owner's URL of that database. Safe to call
        again, from several processes, and after a crash."""
        bindir = self.find_binaries()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._locked():
            user = self._service_user()
            self._settle_home(user)
            self._prepare_dirs(user)
            if not (self.pgdata / "PG_VERSION").is_file():
                self._create_cluster(bindir, user)
            if not self._running():
                self._launch(bindir, user)
            self._prepare_databases()
        return self.url()

    def _create_cluster(self, bindir: Path, user: ServiceUser | None) -> None:
        self._initdb(bindir, user)

    def _prepare_databases(self) -> None:
        # template1 first, so every later CREATE DATABASE copies PostGIS instead of installing it.
        self._ensure_postgis("template1")
        self._create_if_missing(DEFAULT_DATABASE)
        self._ensure_server_roles()

    def stop(self) -> None:
        """Stop the cluster (fast shutdown: sessions are ended, data is safe); nothing if not running."""
        if not (self.pgdata / "PG_VERSION").is_file():
            return
        bindir = self.find_binaries()
        with self._locked():
            user = self._service_user()
            if self._running():
                self._run(user, [str(bindir / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"])

    def status(self) -> bool:
        """Whether the cluster's postmaster is running."""
        return self._running()

    def create_database(self, name: str) -> str:
        """Create database ``name`` with PostGIS if it does not exist; return its URL. Needs ``start()``."""
        self._create_if_missing(name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop throwaway database ``name``, ending its sessions first; nothing if it does not exist."""
        if name in PROTECTED_DATABASES:
            raise LocalPostgisError(f"Refusing to drop database {name!r}: it is not a throwaway database.")
        with self._connect("postgres") as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    # ---- internals --------------------------------------------------------------------------------

    def _read_state(self) -> State:
        path = self.data_dir / STATE_FILE
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return {}
        except json.JSONDecodeError as exc:
            raise LocalPostgisError(f"{path} is damaged ({exc}); fix or remove it.") from exc

    def _write_state(self, changes: State) -> None:
        state: State = {**self._read_state(), **changes}
        tmp = self.data_dir / f"{STATE_FILE}.tmp"
        tmp.write_text(json.dumps(state, indent=2) + "\n")
        tmp.replace(self.data_dir / STATE_FILE)  # atomic: readers never see half a file

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.data_dir / LOCK_FILE, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _service_user(self) -> ServiceUser | None:
        """Who runs PostgreSQL: ``None`` (this process) unless we are root."""
        if os.geteuid() != 0:
            return None
        try:
            owner = self.pgdata.stat().st_uid
        except FileNotFoundError:
            owner = 0
        if owner != 0:  # an existing cluster keeps its owner
            return ServiceUser.from_passwd(pwd.getpwuid(owner))
        for name in ("postgres", "blueprint"):
            try:
                return ServiceUser.from_passwd(pwd.getpwnam(name))
            except KeyError:
                continue
        _output(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                 "--shell", "/usr/sbin/nologin", "blueprint"])
        return ServiceUser.from_passwd(pwd.getpwnam("blueprint"))

    def _settle_home(self, user: ServiceUser | None) -> None:
        """Fix the cluster's home on first start: ``data_dir``, unless the service user cannot reach it."""
        if "home" in self._read_state():
            return
        home = self.data_dir
        if user is not None and not self._reachable(user, home):
            name = re.sub(r"[^A-Za-z0-9_-]+", "", self.data_dir.name) or "data"
            digest = hashlib.sha256(os.fsencode(self.data_dir)).hexdigest()[:12]
            home = SHARED_HOMES / f"{name}-{digest}"
        self._write_state({"home": str(home)})

    def _reachable(self, user: ServiceUser, path: Path) -> bool:
        """Whether ``user`` can traverse every directory down to ``path`` (asked as that user: ACLs count)."""
        test = shutil.which("test") or "/usr/bin/test"
        return self._run(user, [test, "-x", str(path)], check=False, cwd=Path("/")).returncode == 0

    def _prepare_dirs(self, user: ServiceUser | None) -> None:
        """Create home, socket dir and log for the service user (``pg_ctl -l`` opens the log as it)."""
        if self.home != self.data_dir:
            private_dir(self.home, user)
        private_dir(self.socket_dir, user)
        self.log_file.touch(exist_ok=True)
        if user is not None:
            os.chown(self.log_file, user.uid, user.gid)

    def _initdb(self, bindir: Path, user: ServiceUser | None) -> None:
        """Create the cluster beside its final place and rename it in, so a crash never leaves half a one."""
        staging = self.home / "pgdata.initdb"
        if staging.exists():
            shutil.rmtree(staging)
        # Made here because the service user may not write in data_dir; initdb accepts an empty directory.
        private_dir(staging, user)
        self._run(user, [
            str(bindir / "initdb"), "-D", str(staging), "-U", SUPERUSER, "-E", "UTF8",
            f"--locale={_initdb_locale()}", "--auth-local=trust", "--auth-host=scram-sha-256",
            "--data-checksums",  # detects silent storage corruption; costs little at this scale
        ])
        try:
            staging.rename(self.pgdata)
        except OSError as exc:
            raise LocalPostgisError(
                f"{self.pgdata} exists but holds no PostgreSQL cluster; move it away and start again."
            ) from exc

    def _running(self) -> bool:
        """Whether the PID in postmaster.pid is a live process working in this pgdata.

        Stricter than ``pg_ctl status`` (a bare ``kill(pid, 0)``), which a killed postmaster that init has
        not reaped yet, or an unrelated process that got its PID after a reboot, would both pass.
        """
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return False
        return pid in self._server_processes()

    def _server_processes(self) -> set[int]:
        """PIDs of live ``postgres`` processes working in this pgdata: the postmaster and its children.

        Zombies have no working directory; the name check spares, say, an administrator's shell there.
        """
        pgdata = self.pgdata.resolve()  # /proc shows the real path
        found = set()
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                with suppress(OSError):  # gone meanwhile, or not ours to inspect
                    if (
                        Path(os.readlink(proc / "cwd")) == pgdata
                        and (proc / "comm").read_text().strip() == "postgres"
                    ):
                        found.add(int(proc.name))
        return found

    def _launch(self, bindir: Path, user: ServiceUser | None) -> None:
        """``pg_ctl -w start`` on the remembered port, or a new free one if that is taken."""
        self._clear_crashed_server()
        port = self._fixed_port or self._read_state().get("port")
        if port is None or (self._fixed_port is None and not _port_free(int(port))):
            port = _pick_free_port()
        self._write_state({"port": int(port)})
        # pg_ctl hands -o to /bin/sh, hence the shell quoting of the one free-form value.
        options = (
            f"-c listen_addresses=127.0.0.1 -p {int(port)} -c unix_socket_permissions=0700 "
            f"-k {shlex.quote(str(self.socket_dir))}"
        )
        self._run(user, [
            str(bindir / "pg_ctl"), "-D", str(self.pgdata), "-l", str(self.log_file),
            "-o", options, "-w", "-t", str(START_TIMEOUT_S), "start",
        ])

    def _clear_crashed_server(self) -> None:
        """After a killed postmaster: end the server processes it left and remove its stale lock files.

        Orphans exit on their own once they notice, but until then they hold the old shared memory and a
        new postmaster refuses to start ("pre-existing shared memory block is still in use"). The lock
        files (postmaster.pid, the socket's .lock) name the dead postmaster's PID, which a new one takes
        as a live server while that PID exists: a zombie until init reaps it (some container inits are
        slow), or a recycled PID after a reboot. Only called, under the start lock, once ``_running``
        found no server; by then no process works in this pgdata, so the files are safe to remove.
        """
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return  # clean shutdowns remove it, so this is the normal path
        for pid in self._server_processes():
            with suppress(ProcessLookupError):
                pidfd = os.pidfd_open(pid)
                try:
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                    select.select([pidfd], [], [], START_TIMEOUT_S)  # readable once it has exited
                finally:
                    os.close(pidfd)
        pid_file.unlink()
        for lock in self.socket_dir.glob(".s.PGSQL.*.lock"):
            lock.unlink()

    def _ensure_server_roles(self) -> None:
        """The server's group (its grants come with migration 0005) and its login role, a member of it."""
        with self._connect("postgres") as conn:
            for role, options in ((SERVER_GROUP, "NOLOGIN"), (LOCAL_SERVER_ROLE, f"LOGIN IN ROLE {SERVER_GROUP}")):
                if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                    with suppress(psycopg.errors.DuplicateObject):  # another process got there first
                        conn.execute(sql.SQL("CREATE ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE " + options)
                                     .format(sql.Identifier(role)))

    def _ensure_postgis(self, database: str) -> None:
        with self._connect(database) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def _create_if_missing(self, name: str) -> None:
        with self._connect("postgres") as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                # Another process may create it between our check and our CREATE.
                with suppress(psycopg.errors.DuplicateDatabase):
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self._ensure_postgis(name)

    def _connect(self, database: str) -> psycopg.Connection[TupleRow]:
        try:
            return psycopg.connect(self.conninfo(database), autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise LocalPostgisError(
                f"Cannot connect to the local PostGIS cluster in {self.home}; is it started? ({exc})"
            ) from exc

    def _run(
        self, user: ServiceUser | None, args: list[str], *, check: bool = True, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL program, as ``user`` when given; on failure raise with its output and log."""
        result = subprocess.run(
            args,
            capture_output=True,
            text=True,
            cwd=cwd or self.home,
            check=False,
            user=user.uid if user else None,
            group=user.gid if user else None,
            extra_groups=list(user.groups) if user else None,
            env=os.environ | {"HOME": user.login_home, "USER": user.name, "LOGNAME": user.name} if user else None,
        )
        if check and result.returncode != 0:
            raise LocalPostgisError(
                f"{Path(args[0]).name} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
                f"{self._log_tail()}"
            )
        return result

    def _log_tail(self, lines: int = 20) -> str:
        try:
            tail = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        except FileNotFoundError:
            return ""
        return f"\nLast lines of {self.log_file}:\n" + "\n".join(tail)


def ensure_running_url(data_dir: Path) -> str:
    """Start (or reuse) the local cluster in ``data_dir`` and return the SQLAlchemy URL of its database."""
    return LocalPostgis(data_dir).start()


def _output(args: list[str]) -> str:
    """stdout of a short helper program, stripped; raise LocalPostgisError when it fails."""
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        raise LocalPostgisError(f"{' '.join(args)} failed: {detail}") from exc


def _server_major(bindir: Path) -> int:
    """Major version of the server in ``bindir`` (``postgres -V`` prints "postgres (PostgreSQL) 15.8 ...")."""
    match = re.search(r"\(PostgreSQL\) (\d+)", _output([str(bindir / "postgres"), "-V"]))
    if match is None:
        raise LocalPostgisError(f"Cannot tell the version of {bindir / 'postgres'}.")
    return int(match.group(1))


def _installed_major() -> int | None:
    """Best guess of the PostgreSQL major version this machine uses, for install hints."""
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        match = re.search(r"PostgreSQL (\d+)", _output([pg_config, "--version"]))
    except LocalPostgisError:
        return None
    return int(match.group(1)) if match else None


def _initdb_locale() -> str:
    """C.UTF-8 when the C library has it (Unicode-aware character classes, byte-order sorting), else C."""
    try:
        available = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower()
    except OSError:
        return "C"
    return "C.UTF-8" if {"c.utf8", "c.utf-8"} & set(available.split()) else "C"


def private_dir(path: Path, user: ServiceUser | None) -> None:
    """Make ``path`` a 0700 directory of the service user, refusing anything planted there by someone else
    (the socket directory may live in /tmp)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(path)
    allowed = {os.geteuid()} | ({user.uid} if user else set())
    if not stat.S_ISDIR(info.st_mode) or info.st_uid not in allowed:
        raise LocalPostgisError(f"{path} is not a directory of ours (a link, or someone else's); remove it.")
    if user is not None:
        os.chown(path, user.uid, user.gid)
    path.chmod(0o700)


def _port_free(port: int) -> bool:
    """Whether PostgreSQL could listen on 127.0.0.1:``port`` (SO_REUSEADDR like the server, so
    TIME_WAIT leftovers from our own last run do not count as taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_free_port() -> int:
    for _ in range(200):
        port = random.randint(*PORT_RANGE)
        if _port_free(port):
            return port
    raise LocalPostgisError(f"No free TCP port on 127.0.0.1 in {PORT_RANGE[0]}-{PORT_RANGE[1]}.")
