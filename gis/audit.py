"""The audit trail's storage: append an entry, and verify the hash chain that makes tampering evident.

Each row of ``audit_log`` carries ``prev_hash`` (the entry before it; 64 zeros for the first) and
``entry_hash`` = SHA-256 of ``prev_hash`` followed by the entry's canonical text (the database's jsonb text
of id, subject, actor, action, before, after and the UTC time, see migration 0005). The database's insert
trigger fills both under a lock on the chain's head row, so concurrent writers make one chain; nobody's
hash is taken from the caller. :func:`verify_chain` recomputes every hash here, in Python, and names the
first entry that does not hold. The chain shows any edit, insertion or removal made behind the platform's
back, by the owner or a superuser; a full rewrite of the chain from some entry on is only caught against a
head hash recorded elsewhere (``blueprint audit verify`` prints it).

Nothing here knows what the entries are about: :mod:`projects.audit` records the platform's actions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

GENESIS = "0" * 64


def append(
    connection: Connection,
    *,
    actor: str,
    action: str,
    actor_id: int | None = None,
    proposal_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction; it is chained when inserted and never changes."""
    connection.execute(
        text(
            "INSERT INTO audit_log (proposal_id, actor_id, actor, action, before, after) "
            "VALUES (:proposal, :actor_id, :actor, :action, CAST(:before AS jsonb), CAST(:after AS jsonb))"
        ),
        {
            "proposal": proposal_id,
            "actor_id": actor_id,
            "actor": actor,
            "action": action,
            "before": json.dumps(before, ensure_ascii=False, default=str) if before is not None else None,
            "after": json.dumps(after, ensure_ascii=False, default=str) if after is not None else None,
        },
    )


@dataclass(frozen=True)
class ChainReport:
    """What a walk of the chain found: how many entries hold, the head hash, and the first break if any."""

    entries: int
    head: str
    broken_id: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_id is None and self.reason is None


def verify_chain(connection: Connection, batch: int = 5000) -> ChainReport:
    """Walk the chain in order and recompute every hash; stop at the first entry that does not hold."""
    previous, count, last_id = GENESIS, 0, 0
    while True:
        rows = connection.execute(
            text("SELECT id, prev_hash, entry_hash, audit_entry_payload(a) AS payload FROM audit_log a "
                 "WHERE id > :after ORDER BY id LIMIT :batch"),
            {"after": last_id, "batch": batch},
        ).all()
        for row in rows:
            if row.prev_hash != previous:
                return ChainReport(count, previous, row.id, "the entry before it is missing, was inserted "
                                   "out of turn, or was changed")
            if hashlib.sha256((row.prev_hash + row.payload).encode()).hexdigest() != row.entry_hash:
                return ChainReport(count, previous, row.id, "its content was changed after it was written")
            previous, count, last_id = row.entry_hash, count + 1, row.id
        if len(rows) < batch:
            break
    head = connection.execute(text("SELECT last_id, last_hash FROM audit_chain_head")).one_or_none()
    if head is None or head.last_hash != previous:
        return ChainReport(count, previous, head.last_id if head else None,
                           "entries at the end of the trail were removed (the head no longer matches)")
    return ChainReport(count, previous)
