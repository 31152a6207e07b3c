"""The audit trail: every state change with who, when, what, and before/after (append-only in the database,
each entry chained to the one before by its hash: :mod:`gis.audit`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from gis import audit as trail
from projects.accounts import Account


def record(
    connection: Connection,
    *,
    actor: Account | None,
    action: str,
    proposal_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one entry; the table's triggers chain it and refuse any later UPDATE or DELETE."""
    trail.append(connection, actor=actor.label if actor else "system", actor_id=actor.id if actor else None,
                 action=action, proposal_id=proposal_id, before=before, after=after)


def history(connection: Connection, proposal_id: int) -> list[dict[str, Any]]:
    """A proposal's audit entries, oldest first."""
    rows = connection.execute(
        text("SELECT id, actor, action, before, after, at FROM audit_log WHERE proposal_id = :p ORDER BY id"),
        {"p": proposal_id},
    ).all()
    return [
        {"id": r.id, "actor": r.actor, "action": r.action, "before": r.before, "after": r.after,
         "at": r.at.isoformat()}
        for r in rows
    ]
