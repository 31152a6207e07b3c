"""Credit lists (信用): the blacklist (失信, joint punishment 联合惩戒) and the red list (守信)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from gis.messages import Message, Text, phrases
from projects import audit
from projects.access import require_role
from projects.accounts import Account, Role
from projects.credit_code import validate_credit_code


class CreditEntryError(ValueError):
    """A credit-list entry cannot be recorded as given; the message says why."""


phrases(
    "credit",
    list_kind=Text("名单类型须为“black”（黑名单）或“red”（红名单）", "list_kind is 'black' or 'red'"),
    valid_to=Text("失效日期早于生效日期", "valid_to is before valid_from"),
    required=Text("主体名称、列入理由与来源均须填写", "entity_name, reason and source are all required"),
)


def add_entry(connection: Connection, actor: Account | None, *, list_kind: str, credit_code: str, entity_name: str,
              reason: str, source: str, valid_from: date, valid_to: date | None = None) -> dict[str, Any]:
    """Record an entity on the black or red list (admin only)."""
    require_role(actor, action=Text("维护信用名单", "keeping the credit lists"))
    if list_kind not in ("black", "red"):
        raise CreditEntryError(Message("credit.list_kind"))
    if valid_to is not None and valid_to < valid_from:
        raise CreditEntryError(Message("credit.valid_to"))
    if not (entity_name.strip() and reason.strip() and source.strip()):
        raise CreditEntryError(Message("credit.required"))
    code = validate_credit_code(credit_code)
    entry_id = connection.execute(
        text("INSERT INTO credit_list (list_kind, credit_code, entity_name, reason, source, valid_from, valid_to) "
             "VALUES (:k, :c, :n, :r, :s, :f, :t) RETURNING id"),
        {"k": list_kind, "c": code, "n": entity_name.strip(), "r": reason.strip(), "s": source.strip(),
         "f": valid_from, "t": valid_to},
    ).scalar_one()
    audit.record(connection, actor=actor, action=f"credit_{list_kind}list_add",
                 after={"id": entry_id, "credit_code": code, "reason": reason})
    return {"id": entry_id, "list_kind": list_kind, "credit_code": code, "entity_name": entity_name,
            "reason": reason, "source": source, "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None}


def list_entries(connection: Connection, actor: Account | None, list_kind: str | None = None) -> list[dict[str, Any]]:
    require_role(actor, Role.NDRC, action=Text("查看信用名单", "reading the credit lists"))
    rows = connection.execute(
        text("SELECT * FROM credit_list WHERE CAST(:k AS text) IS NULL OR list_kind = :k ORDER BY id"), {"k": list_kind}
    ).all()
    return [_entry(row._mapping) for row in rows]


def active_entries(connection: Connection, credit_code: str, on: date, list_kind: str) -> list[dict[str, Any]]:
    """Entries of the black or red list in force for a credit code on a day."""
    rows = connection.execute(
        text("SELECT * FROM credit_list WHERE list_kind = :k AND credit_code = :c AND valid_from <= :d "
             "AND (valid_to IS NULL OR valid_to >= :d) ORDER BY valid_from"),
        {"k": list_kind, "c": credit_code, "d": on},
    ).all()
    return [_entry(row._mapping) for row in rows]


def _entry(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "list_kind": row["list_kind"], "credit_code": row["credit_code"],
            "entity_name": row["entity_name"], "reason": row["reason"], "source": row["source"],
            "valid_from": row["valid_from"].isoformat(),
            "valid_to": row["valid_to"].isoformat() if row["valid_to"] else None}
