"""What a screening reads before its overlay — the current layer versions and the rule set in force — kept in
memory between screenings and checked by each one.

Reading both took two round trips per screening, as many as its overlay. The process now keeps the last
snapshot it read from each engine, with a stamp of what it was read from; every screening reads the stamp
again beside its overlay and, when it differs (a layer or a rule
set was imported since, by this process or by another server), reads the snapshot again and screens again.
A screening that starts after an import has committed therefore always uses the new version.

Versions and rule sets are only ever added, so the stamp — how many layer versions there are, the newest
one's id and import time, the newest rule set version, and the database's own identity (a database made
again under the same URL, as tests do) — changes with every change a screening could see.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from layers.rule_set import RuleSet, rule_set_in_force
from layers.store import CurrentVersion, current_versions

STAMP = text(
    "SELECT (SELECT oid FROM pg_database WHERE datname = current_database()) AS database, "
    "count(*) AS versions, max(id) AS newest_id, max(created_at) AS newest_at, "
    "(SELECT max(version) FROM rule_sets) AS rule_set "
    "FROM layer_versions"
)
"""One row that changes whenever a layer version or a rule set version is added (or a test removes one)."""


@dataclass(frozen=True)
class CatalogueSnapshot:
    """The current layer versions and the rule set in force, as read after ``stamp`` (a row of :data:`STAMP`)."""

    stamp: tuple[Any, ...]
    versions: list[CurrentVersion]
    rules: RuleSet


_lock = threading.Lock()
_latest: weakref.WeakKeyDictionary[Engine, CatalogueSnapshot] = weakref.WeakKeyDictionary()


def read_snapshot(connection: Connection) -> CatalogueSnapshot:
    """Read the snapshot now and keep it for ``connection``'s engine.

    The stamp is read first: whatever is imported between the two reads, the snapshot is never older than
    its stamp, so a later check can only find it out of date, never take an old one for current.
    """
    stamp = tuple(connection.execute(STAMP).one())
    snapshot = CatalogueSnapshot(stamp, current_versions(connection), rule_set_in_force(connection))
    with _lock:
        _latest[connection.engine] = snapshot
    return snapshot


def kept_snapshot(connection: Connection) -> CatalogueSnapshot:
    """The snapshot last read from ``connection``'s engine, unchecked (read now if there is none); check it
    against a row of :data:`STAMP` read in the same round trip as the work that uses it."""
    with _lock:
        snapshot = _latest.get(connection.engine)
    return snapshot if snapshot is not None else read_snapshot(connection)
