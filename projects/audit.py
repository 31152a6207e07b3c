"""The audit trail: every state change with who, when, what, and before/after (append-only in the database)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

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
    """Append one entry; the table's triggers refuse any later UPDATE or DELETE."""
    connection.execute(
        text(
            "INSERT INTO audit_log (proposal_id, actor_id, actor, action, before, after) "
            "VALUES (:proposal, :actor_id, :actor, :action, CAST(:before AS jsonb), CAST(:after AS jsonb))"
        ),
        {
            "proposal": proposal_id,
            "actor_id": actor.id if actor else None,
            "actor": actor.label if actor else "system",
            "action": action,
            "before": json.dumps(before, ensure_ascii=False, default=str) if before is not None else None,
            "after": json.dumps(after, ensure_ascii=False, default=str) if after is not None else None,
        },
    )


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
