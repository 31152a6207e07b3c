"""Double random, one public (双随机、一公开): inspection targets drawn at random from the coded projects,
inspectors drawn at random from a pool without conflicts of interest, and everything published — seed,
method, inputs and results — so that anyone can re-run the draw and get the same result.

The method (also stored with every draw, with the Python version that ran it):

1. ``candidates``: the codes of all coded projects with a valid code, sorted (Python ``sorted``, i.e. by
   Unicode code point).
2. ``pool``: the ids of the active inspectors, sorted ascending.
3. ``excluded[code]``: for each candidate, the sorted ids of the inspectors with a conflict of interest —
   an inspector of a department responsible for any approval item of the project, or an inspector linked to
   the applicant (its unified social credit code is among the inspector's declared links).
4. ``rng = random.Random(seed)`` with the seed as a text string (CPython seeds a string through SHA-512).
5. ``targets = rng.sample(candidates, min(target_count, len(candidates)))``.
6. For each target in the order drawn: ``eligible = [i for i in pool if i not in excluded[code]]`` and
   ``rng.sample(eligible, min(inspectors_per_target, len(eligible)))``; the same inspector may be drawn for
   several targets, and a target with too few eligible inspectors gets fewer (its shortfall is published).
"""

from __future__ import annotations

import json
import platform
import random
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, text

from gis.messages import LANGUAGES, Message, Text
from layers.departments import Department
from projects import audit
from projects.access import NotFoundError, require_role
from projects.accounts import Account, Role
from projects.clock import NOW_SQL, now_parameter
from projects.credit_code import CreditCodeError, validate_credit_code
from projects.project_code import ProjectCodeError, parse_code
from projects.supervision.coded import coded_sites
from projects.supervision.errors import SupervisionInputError

METHOD = __doc__.split("The method", 1)[1].split("\n", 2)[2].strip()
"""The method paragraph above, published with every draw."""
METHOD_WORDS = (
    Text("候选项目：所有持有有效项目代码的已赋码项目，按代码的Unicode码点排序。",
         "Candidates: every coded project with a valid project code, sorted by its code (Unicode code point)."),
    Text("检查人员库：所有在岗检查人员，按编号升序排列。", "Pool: every active inspector, by id in ascending order."),
    Text("回避：对每个候选项目，排除与其有利益冲突的检查人员——负责该项目任一审批事项的部门的人员，以及与项目单位有关联"
         "（其统一社会信用代码在该人员申报的关联企业之中）的人员。",
         "Exclusions: for each candidate, the inspectors with a conflict of interest are left out — those of a "
         "department responsible for any approval item of the project, and those linked to the applicant (its "
         "unified social credit code is among the inspector's declared links)."),
    Text("以公布的随机种子（作为文本）初始化伪随机数生成器，任何人可用同一种子重现结果。",
         "A pseudo-random generator is seeded with the published seed (as text), so anyone can repeat the draw."),
    Text("按抽查对象数从候选项目中不重复地随机抽取对象（候选不足时全部抽取）。",
         "Targets: as many candidates as the target count asks for (all of them if fewer), drawn without "
         "replacement."),
    Text("按抽取顺序，为每个对象从人员库中去掉其回避人员后，不重复地抽取规定人数的检查人员；同一人员可被抽中检查多个"
         "对象，可选人员不足的对象少抽，其缺额公开。",
         "For each target in the order drawn, inspectors are drawn without replacement from the pool less its "
         "exclusions, as many as asked for per target; one inspector may be drawn for several targets, and a "
         "target with too few eligible inspectors gets fewer (its shortfall is published)."),
)
"""The method in plain words, in both languages, for the pages (the published METHOD stays the record)."""
REPRODUCE = """import random
def draw(seed, candidates, pool, excluded, target_count, inspectors_per_target):
    rng = random.Random(seed)
    targets = rng.sample(sorted(candidates), min(target_count, len(candidates)))
    result = []
    for code in targets:
        eligible = [i for i in sorted(pool) if i not in set(excluded.get(code, []))]
        result.append((code, rng.sample(eligible, min(inspectors_per_target, len(eligible)))))
    return result"""
"""A self-contained re-run in Python, published with every draw."""


def run_draw(seed: str, candidates: Sequence[str], pool: Sequence[int], excluded: Mapping[str, Sequence[int]],
             target_count: int, inspectors_per_target: int) -> list[tuple[str, list[int]]]:
    """The draw itself: (target code, drawn inspector ids) in the order drawn. Pure and reproducible."""
    rng = random.Random(seed)
    ordered = sorted(candidates)
    targets = rng.sample(ordered, min(target_count, len(ordered)))
    result = []
    for code in targets:
        barred = set(excluded.get(code, []))
        eligible = [i for i in sorted(pool) if i not in barred]
        result.append((code, rng.sample(eligible, min(inspectors_per_target, len(eligible)))))
    return result


def add_inspector(connection: Connection, actor: Account | None, *, name: str, department: str | None,
                  organisation: str | None, linked_credit_codes: list[str]) -> dict[str, Any]:
    """An inspector (执法检查人员) of the pool, with declared links to enterprises (conflicts of interest)."""
    require_role(actor, Role.NDRC, action=Text("添加检查人员", "adding an inspector"))
    if not name or not name.strip():
        raise SupervisionInputError("name", Message("supervision.inspector_name"))
    if department is not None and department not in {d.value for d in Department}:
        raise SupervisionInputError("department", Message("supervision.one_of", values=[d.value for d in Department]))
    links = []
    for code in linked_credit_codes:
        try:
            links.append(validate_credit_code(code))
        except CreditCodeError as error:
            raise SupervisionInputError("linked_credit_codes", Message("supervision.credit_code", code=code,
                                                                         reason=error.args[0])) from None
    inspector_id = connection.execute(
        text("INSERT INTO inspectors (name, department, organisation, linked_credit_codes) "
             "VALUES (:n, :d, :o, CAST(:l AS jsonb)) RETURNING id"),
        {"n": name.strip(), "d": department, "o": (organisation or "").strip() or None,
         "l": json.dumps(sorted(set(links)))},
    ).scalar_one()
    audit.record(connection, actor=actor, action="add_inspector",
                 after={"inspector_id": inspector_id, "name": name.strip(), "department": department})
    return {"id": inspector_id, "name": name.strip(), "department": department, "organisation": organisation,
            "linked_credit_codes": sorted(set(links)), "active": True}


def list_inspectors(connection: Connection, actor: Account | None) -> list[dict[str, Any]]:
    """The inspector pool (NDRC, admin): declared links included."""
    require_role(actor, Role.NDRC, action=Text("查看检查人员库", "reading the inspector pool"))
    rows = connection.execute(
        text("SELECT id, name, department, organisation, linked_credit_codes, active FROM inspectors ORDER BY id")
    ).all()
    return [dict(r._mapping) for r in rows]


def _inputs(connection: Connection) -> dict[str, Any]:
    projects = connection.execute(
        text("SELECT p.project_code, p.credit_code, coalesce(array_agg(DISTINCT i.department) "
             "FILTER (WHERE i.department IS NOT NULL), '{}') AS departments FROM proposals p "
             "LEFT JOIN approval_items i ON i.proposal_id = p.id WHERE p.project_code IS NOT NULL "
             "GROUP BY p.project_code, p.credit_code ORDER BY p.project_code"),
    ).all()
    inspectors = connection.execute(
        text("SELECT id, name, department, linked_credit_codes FROM inspectors WHERE active ORDER BY id")
    ).all()
    candidates, excluded, reasons = [], {}, {}
    for project in projects:
        try:
            parse_code(project.project_code)
        except ProjectCodeError:
            continue  # 无码不批: an invalid code is no coded project; the data-quality list reports it
        candidates.append(project.project_code)
        barred: dict[int, list[str]] = {}
        for inspector in inspectors:
            if inspector.department and inspector.department in project.departments:
                barred.setdefault(inspector.id, []).append("same_department_as_responsible")
            if project.credit_code in inspector.linked_credit_codes:
                barred.setdefault(inspector.id, []).append("linked_to_applicant")
        excluded[project.project_code] = sorted(barred)
        reasons[project.project_code] = {str(k): v for k, v in sorted(barred.items())}
    pool = [{"id": i.id, "name": i.name, "department": i.department} for i in inspectors]
    return {"candidates": sorted(candidates), "pool": pool, "excluded": excluded, "exclusion_reasons": reasons}


def draw(connection: Connection, actor: Account | None, *, title: str, target_count: int,
         inspectors_per_target: int, seed: str | None = None) -> dict[str, Any]:
    """Draw and publish at once; without a seed, a random one is made (and published)."""
    require_role(actor, Role.NDRC, action=Text("抽取检查对象", "drawing inspections"))
    if not title or not title.strip():
        raise SupervisionInputError("title", Message("supervision.draw_title"))
    if not 1 <= target_count <= 1000:
        raise SupervisionInputError("target_count", Message("supervision.target_count"))
    if not 1 <= inspectors_per_target <= 10:
        raise SupervisionInputError("inspectors_per_target", Message("supervision.inspectors"))
    seed = seed.strip() if seed and seed.strip() else secrets.token_hex(16)
    if len(seed) > 200:
        raise SupervisionInputError("seed", Message("supervision.seed"))
    inputs = _inputs(connection)
    if not inputs["candidates"]:
        raise SupervisionInputError("target_count", Message("supervision.no_candidates"))
    inputs |= {"target_count": target_count, "inspectors_per_target": inspectors_per_target,
               "python_version": platform.python_version()}
    result = _result(inputs, seed)
    draw_id = connection.execute(
        text("INSERT INTO inspection_draws (title, seed, method, inputs, result, drawn_by, drawn_at) "
             f"VALUES (:t, :s, :m, CAST(:i AS jsonb), CAST(:r AS jsonb), :a, {NOW_SQL}) RETURNING id"),
        {"t": title.strip(), "s": seed, "m": METHOD, "i": _json(inputs), "r": _json(result),
         "a": actor.id if actor else None, **now_parameter()},
    ).scalar_one()
    audit.record(connection, actor=actor, action="inspection_draw",
                 after={"draw_id": draw_id, "seed": seed, "targets": [t["project_code"] for t in result]})
    return published_draw(connection, draw_id)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _result(inputs: Mapping[str, Any], seed: str) -> list[dict[str, Any]]:
    names = {i["id"]: i for i in inputs["pool"]}
    drawn = run_draw(seed, inputs["candidates"], [i["id"] for i in inputs["pool"]], inputs["excluded"],
                     inputs["target_count"], inputs["inspectors_per_target"])
    return [{"project_code": code, "inspectors": [names[i] for i in chosen],
             "shortfall": inputs["inspectors_per_target"] - len(chosen)} for code, chosen in drawn]


def published_draw(connection: Connection, draw_id: int) -> dict[str, Any]:
    """One published draw with seed, method, inputs, result — and a fresh re-run proving the result. Each
    target comes with its project's name and current site (RFC 7946 geometry), to be shown on a map."""
    row = connection.execute(
        text("SELECT id, title, seed, method, inputs, result, drawn_at FROM inspection_draws WHERE id = :id"),
        {"id": draw_id},
    ).one_or_none()
    if row is None:
        raise NotFoundError(Message("supervision.no_draw", id=draw_id))
    sites = coded_sites(connection, [t["project_code"] for t in row.result])
    rerun = _result(row.inputs, row.seed)
    return {"id": row.id, "title": row.title, "drawn_at": row.drawn_at.isoformat(), "seed": row.seed,
            "method": row.method, "reproduce_in_python": REPRODUCE,
            # the same method in plain words, for a draw made by the method of today
            "method_words": {language: [step.in_language(language) for step in METHOD_WORDS]
                             for language in LANGUAGES} if row.method == METHOD else None,
            "inputs": row.inputs,
            "result": [t | {"project_name": sites.get(t["project_code"], {}).get("name"),
                            "site": sites.get(t["project_code"], {}).get("geometry")} for t in row.result],
            "verification": {"rerun_matches": rerun == row.result, "python_version": platform.python_version()}}


def published_draws(connection: Connection) -> list[dict[str, Any]]:
    """Every published draw, newest first (public: no login)."""
    ids = connection.execute(text("SELECT id FROM inspection_draws ORDER BY drawn_at DESC, id DESC")).scalars()
    return [published_draw(connection, i) for i in ids]
