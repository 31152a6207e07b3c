"""Coded projects (已赋码项目): finding one by its code, with 无码不批 enforced — no valid code, no approval."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Row, text

from gis.messages import Message, Text, phrases
from projects.access import NotFoundError, can_view_proposal
from projects.accounts import Account
from projects.project_code import ProjectCode, ProjectCodeError, parse_code
from projects.supervision.errors import NoValidCodeError, SupervisionInputError
from projects.workflow import STATE_NAMES, State

PROJECT_COLUMNS = (
    "p.id, p.name, p.applicant_organisation, p.credit_code, p.district_code, p.industry, p.project_type, "
    "p.investment_category, p.total_investment_wan, p.land_use, p.state, p.owner_id, p.project_code, p.coded_at"
)


phrases(
    "coded",
    the_request=Text("本次请求", "the request"),
    project=Text("项目{id}", "project {id}"),
    proposal=Text("项目{id}", "proposal {id}"),
    no_code=Text("{what}没有项目代码", "{what} has no project code"),
    invalid=Text("“{code}”不是有效的项目代码：“{part}”部分有误：{message}",
                 "{code!r} is not a valid project code: {part} part is wrong: {message}"),
    not_found=Text("没有项目使用代码{code}。", "No project has the code {code}."),
    name_by_code=Text("请以投资项目代码指明项目", "name the project by its project code (投资项目代码)"),
    no_proposal=Text("没有编号为{id}的项目。", "There is no proposal {id}."),
    uncoded=Text("项目{id}（{name}）当前为“{state}”，尚无项目代码",
                 "proposal {id} ({name}) is {state} and has no project code yet"),
)


def valid_code(code_text: str | None, *, what: Message) -> ProjectCode:
    """The parsed code, or :class:`NoValidCodeError` saying why ``what`` has none."""
    if not code_text or not code_text.strip():
        raise NoValidCodeError(Message("coded.no_code", what=what), status=422)
    try:
        return parse_code(code_text)
    except ProjectCodeError as error:
        raise NoValidCodeError(Message("coded.invalid", code=code_text, part=error.part_name, message=error.message),
                               status=422, part=error.part) from None


def code_start(code: ProjectCode) -> dt.date:
    """The first day the code can have existed: its month (national layout) or year (legacy layout)."""
    return dt.date(code.year, code.month or 1, 1)


def coded_project(connection: Connection, actor: Account | None, code_text: str, *, lock: bool = False) -> Row[Any]:
    """The coded project with this code that ``actor`` may see; 404 otherwise, 无码不批 on a malformed code."""
    code = valid_code(code_text, what=Message("coded.the_request"))
    row = connection.execute(
        text(f"SELECT {PROJECT_COLUMNS} FROM proposals p WHERE p.project_code = :c" + (" FOR UPDATE" if lock else "")),
        {"c": code.text},
    ).one_or_none()
    if row is None or not can_view_proposal(actor, row.owner_id, row.state):
        raise NotFoundError(Message("coded.not_found", code=code.text))
    return row


def project_for_item(connection: Connection, actor: Account | None, *, project_code: str | None,
                     proposal_id: int | None) -> Row[Any]:
    """The project an item is opened for, named by its code or by its proposal id; 无码不批 when uncoded."""
    if project_code:
        return coded_project(connection, actor, project_code, lock=True)
    if proposal_id is None:
        raise SupervisionInputError("project_code", Message("coded.name_by_code"))
    row = connection.execute(text(f"SELECT {PROJECT_COLUMNS} FROM proposals p WHERE p.id = :id FOR UPDATE"),
                             {"id": proposal_id}).one_or_none()
    if row is None or not can_view_proposal(actor, row.owner_id, row.state):
        raise NotFoundError(Message("coded.no_proposal", id=proposal_id))
    if row.project_code is None:
        raise NoValidCodeError(Message("coded.uncoded", id=row.id, name=row.name, state=STATE_NAMES[State(row.state)]),
                               proposal_id=row.id, state=row.state)
    valid_code(row.project_code, what=Message("coded.proposal", id=row.id))
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
