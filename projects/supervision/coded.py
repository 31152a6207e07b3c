"""Coded projects (已赋码项目): finding one by its code, with 无码不批 enforced — no valid code, no approval."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Row, text

from projects.access import NotFoundError, can_view_proposal
from projects.accounts import Account
from projects.project_code import ProjectCode, ProjectCodeError, parse_code
from projects.supervision.errors import NoValidCodeError, SupervisionInputError

PROJECT_COLUMNS = (
    "p.id, p.name, p.applicant_organisation, p.credit_code, p.district_code, p.industry, p.project_type, "
    "p.investment_category, p.total_investment_wan, p.land_use, p.state, p.owner_id, p.project_code, p.coded_at"
)


def valid_code(code_text: str | None, *, what: str) -> ProjectCode:
    """The parsed code, or :class:`NoValidCodeError` saying why ``what`` has none."""
    if not code_text or not code_text.strip():
        raise NoValidCodeError(f"{what} has no project code", status=422)
    try:
        return parse_code(code_text)
    except ProjectCodeError as error:
        raise NoValidCodeError(f"{code_text!r} is not a valid project code: {error.part} part is wrong: "
                               f"{error.message}", status=422, part=error.part) from None


def code_start(code: ProjectCode) -> dt.date:
    """The first day the code can have existed: its month (national layout) or year (legacy layout)."""
    return dt.date(code.year, code.month or 1, 1)


def coded_project(connection: Connection, actor: Account | None, code_text: str, *, lock: bool = False) -> Row[Any]:
    """The coded project with this code that ``actor`` may see; 404 otherwise, 无码不批 on a malformed code."""
    code = valid_code(code_text, what="the request")
    row = connection.execute(
        text(f"SELECT {PROJECT_COLUMNS} FROM proposals p WHERE p.project_code = :c" + (" FOR UPDATE" if lock else "")),
        {"c": code.text},
    ).one_or_none()
    if row is None or not can_view_proposal(actor, row.owner_id, row.state):
        raise NotFoundError(f"No project has the code {code.text}.")
    return row


def project_for_item(connection: Connection, actor: Account | None, *, project_code: str | None,
                     proposal_id: int | None) -> Row[Any]:
    """The project an item is opened for, named by its code or by its proposal id; 无码不批 when uncoded."""
    if project_code:
        return coded_project(connection, actor, project_code, lock=True)
    if proposal_id is None:
        raise SupervisionInputError("project_code", "name the project by its project code (投资项目代码)")
    row = connection.execute(text(f"SELECT {PROJECT_COLUMNS} FROM proposals p WHERE p.id = :id FOR UPDATE"),
                             {"id": proposal_id}).one_or_none()
    if row is None or not can_view_proposal(actor, row.owner_id, row.state):
        raise NotFoundError(f"There is no proposal {proposal_id}.")
    if row.project_code is None:
        raise NoValidCodeError(f"proposal {row.id} ({row.name}) is {row.state} and has no project code yet",
                               proposal_id=row.id, state=row.state)
    valid_code(row.project_code, what=f"proposal {row.id}")
    return row


def coded_sites(connection: Connection, codes: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """The current site of each coded project (of ``codes``, or all) as RFC 7946 geometry (WGS84), with its
    name and district, by code."""
    rows = connection.execute(
        text("SELECT p.project_code, p.name, p.district_code, ST_AsGeoJSON(r.geom, 6)::json AS geometry "
             "FROM proposals p JOIN site_revisions r ON r.proposal_id = p.id AND r.is_current "
             "WHERE p.project_code IS NOT NULL AND (CAST(:codes AS text[]) IS NULL OR p.project_code = ANY(:codes)) "
             "ORDER BY p.project_code"),
        {"codes": codes},
    ).all()
    return {r.project_code: {"name": r.name, "district_code": r.district_code, "geometry": r.geometry} for r in rows}
