"""Local Dask workers (批量计算节点): a scheduler and N worker processes on this machine, in the background.

``blueprint workers up`` starts them like ``blueprint db up`` starts PostGIS: a run directory of their own
under the data directory, a state file with the processes' ids, and a log per process::

    <data_dir>/dask/state.json       the scheduler's address and the process ids (scheduler, each nanny)
    <data_dir>/dask/scheduler.json   Dask's scheduler file (``dask worker --scheduler-file`` reads it)
    <data_dir>/dask/workers.lock     serialises up/down between processes
    <data_dir>/dask/scheduler.log, worker-<n>.log, worker-<n>/   logs and each worker's scratch space

Each worker runs under a Dask nanny with one thread: a worker process that dies is started again by its
nanny, and the scheduler gives its unfinished tasks to another worker. The same batch code runs on a real
cluster: start ``dask scheduler`` on one machine and ``dask worker tcp://HOST:8786 --nthreads 1`` on each of
the others (with this package installed), and set ``BLUEPRINT_DASK_SCHEDULER`` to the scheduler's address.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypedDict

START_TIMEOUT_S = 90
STOP_TIMEOUT_S = 20
_DASK_PROGRAM = "distributed.cli."


class WorkersState(TypedDict, total=False):
    address: str
    scheduler_pid: int
    worker_pids: list[int]


class LocalWorkersError(RuntimeError):
    """The local workers cannot be started or reached; the message says what to do."""


class LocalWorkers:
    """The Dask scheduler and worker processes of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.run_dir = Path(data_dir).absolute() / "dask"

    @property
    def scheduler_file(self) -> Path:
        return self.run_dir / "scheduler.json"

    def address(self) -> str | None:
        """The scheduler's address (``tcp://127.0.0.1:PORT``) while it runs, else None."""
        state = self._state()
        if not _is_dask_process(state.get("scheduler_pid")):
            return None
        return state.get("address")

    def start(self, workers: int, port: int = 0) -> str:
        """Start the scheduler (on ``port``, 0: any free one) and ``workers`` worker processes unless they
        run; wait until every worker has joined; the scheduler's address. A second call with more workers
        adds the missing ones."""
        if workers < 1:
            raise LocalWorkersError("give at least one worker process")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with self._locked():
            state = self._state()
            if not _is_dask_process(state.get("scheduler_pid")):
                self._stop_processes(state)  # workers of a scheduler that died would wait for it in vain
                self.scheduler_file.unlink(missing_ok=True)
                # Loopback only, the HTTP endpoints too (they default to every interface, port 8787).
                scheduler = self._spawn("scheduler", ["dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                                                      "--scheduler-file", str(self.scheduler_file),
                                                      "--no-dashboard", "--dashboard-address", "127.0.0.1:0"])
                state = {"scheduler_pid": scheduler.pid, "address": self._wait_for_address(scheduler),
                         "worker_pids": []}
            alive = [pid for pid in state.get("worker_pids", []) if _is_dask_process(pid)]
            for number in range(len(alive), workers):
                alive.append(self._spawn(f"worker-{number}", [
                    "dask_worker", "--scheduler-file", str(self.scheduler_file), "--nworkers", "1",
                    "--nthreads", "1", "--name", f"blueprint-{number}", "--host", "127.0.0.1", "--no-dashboard",
                    "--dashboard-address", "127.0.0.1:0",
                    "--local-directory", str(self.run_dir / f"worker-{number}")]).pid)
            state["worker_pids"] = alive
            self._write_state(state)
        address = state["address"]
        self._wait_for_workers(address, len(alive))
        return address

    def stop(self) -> None:
        """Stop the workers, then the scheduler; nothing if they do not run."""
        if not self.run_dir.is_dir():
            return
        with self._locked():
            self._stop_processes(self._state())
            self.scheduler_file.unlink(missing_ok=True)
            (self.run_dir / "state.json").unlink(missing_ok=True)

    def status(self) -> dict[str, Any]:
        """Whether the scheduler runs, its address, and the workers that have joined it (name, pid, address)."""
        address = self.address()
        if address is None:
            return {"running": False, "address": None, "workers": []}
        from distributed import Client  # a second of imports, paid only when asked

        with Client(address, timeout=10) as client:
            joined = client.scheduler_info(n_workers=-1)["workers"]
            pids = client.run(os.getpid)
        return {"running": True, "address": address,
                "workers": sorted(({"name": str(info.get("name")), "pid": pids.get(worker), "address": worker}
                                   for worker, info in joined.items()), key=lambda worker: worker["name"])}

    # ---- internals --------------------------------------------------------------------------------

    def _spawn(self, name: str, program: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.run_dir / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
        with log:
            process = subprocess.Popen([sys.executable, "-m", _DASK_PROGRAM + program[0], *program[1:]],
                                       stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       cwd=self.run_dir, start_new_session=True)  # outlives this command
        return process

    def _wait_for_address(self, scheduler: subprocess.Popen[bytes]) -> str:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with suppress(FileNotFoundError, json.JSONDecodeError):
                return json.loads(self.scheduler_file.read_text())["address"]
            if scheduler.poll() is not None:  # (its command line is ours until it has started)
                break
            time.sleep(0.2)
        raise LocalWorkersError(f"the Dask scheduler did not start; see {self.run_dir / 'scheduler.log'}")

    def _wait_for_workers(self, address: str, count: int) -> None:
        from distributed import Client

        with Client(address, timeout=START_TIMEOUT_S) as client:
            try:
                client.wait_for_workers(count, timeout=START_TIMEOUT_S)
            except TimeoutError as error:
                raise LocalWorkersError(f"{count} workers did not join {address} within {START_TIMEOUT_S} s; "
                                        f"see the logs in {self.run_dir}") from error

    def _stop_processes(self, state: WorkersState) -> None:
        """SIGTERM to each nanny (it stops its worker), then the scheduler; SIGKILL to what outlives it."""
        for group in (state.get("worker_pids", []), [state.get("scheduler_pid")]):
            running = [pid for pid in group if pid is not None and _is_dask_process(pid)]
            for pid in running:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT_S
            while any(_is_dask_process(pid) for pid in running) and time.monotonic() < deadline:
                time.sleep(0.2)
            for pid in running:
                if _is_dask_process(pid):
                    with suppress(ProcessLookupError):
                        os.killpg(pid, signal.SIGKILL)  # its own session: the nanny and its worker

    def _state(self) -> WorkersState:
        try:
            return json.loads((self.run_dir / "state.json").read_text())
        except FileNotFoundError:
            return {}

    def _write_state(self, state: WorkersState) -> None:
        staging = self.run_dir / "state.json.tmp"
        staging.write_text(json.dumps(state, indent=2) + "\n")
        staging.replace(self.run_dir / "state.json")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.run_dir / "workers.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _is_dask_process(pid: int | None) -> bool:
    """Whether ``pid`` is a live (not zombie) Dask scheduler, nanny or worker: a recycled id is not ours."""
    if pid is None:
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return _DASK_PROGRAM.encode() in command and status.rsplit(")", 1)[1].split()[0] != "Z"


def local_workers() -> LocalWorkers:
    """The workers of the platform's data directory (``BLUEPRINT_DATA_DIR``)."""
    from gis.settings import database_settings

    return LocalWorkers(database_settings().data_dir)
