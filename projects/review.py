"""Which departments must give an opinion on a proposal, and whether their opinions still stand.

Each ``needs_review`` or ``blocking`` conflict of the current site revision is a concern of its layer kind, and
each project type adds the reviews it always needs; every concern goes to the department responsible for it at
the level and district where the site lies (:mod:`projects.departments`, the responsibility table). An opinion
given on an earlier revision still stands when that department's conflicts did not change since; otherwise its
review is reopened.
"""

from __future__ import annotations

from typing import Any

from layers.catalogue import Severity
from layers.departments import Department
from projects.departments import Directory

REVIEWS_BY_PROJECT_TYPE: dict[str, tuple[str, ...]] = {
    # 审批 (government-invested): planning and construction always look at the site.
    "01": ("planning_review", "construction_review"),
    # 核准 (verified enterprise projects): planning always looks at the site.
    "02": ("planning_review",),
    # 备案 (filed enterprise projects): only the departments the conflicts call for.
    "03": (),
}


class Verdict:
    AGREE = "agree"
    AGREE_WITH_CONDITIONS = "agree_with_conditions"
    OBJECT = "object"
    ALL = (AGREE, AGREE_WITH_CONDITIONS, OBJECT)


def conflict_department(conflict: dict[str, Any], district_code: str, directory: Directory) -> str:
    """The department a conflict goes to: of its rule's line, at the level answering for its layer kind in the
    site's district."""
    return directory.route(conflict.get("layer_kind", ""), district_code, conflict["department"])


def required_departments(report: dict[str, Any], project_type: str, district_code: str,
                         directory: Directory) -> set[str]:
    """Departments that must answer: from the conflicts, plus the project type's reviews, routed by district.

    The NDRC is never asked for an opinion: conflicts it is responsible for (overlapping project sites) are
    settled by its own decision.
    """
    from_conflicts = {conflict_department(c, district_code, directory) for c in report["conflicts"]
                      if c["severity"] != Severity.INFO.value and c["department"] != Department.NDRC.value}
    return from_conflicts | {directory.route(review, district_code)
                             for review in REVIEWS_BY_PROJECT_TYPE.get(project_type, ())}


def conflict_fingerprint(report: dict[str, Any], department: str, district_code: str,
                         directory: Directory) -> frozenset[tuple[Any, ...]]:
    """What a department's conflicts are, in a form that compares across revisions."""
    return frozenset(
        (c["rule_id"], c["layer_id"], c["feature_id"], c["severity"], round(c["overlap"]["m2"]))
        for c in report["conflicts"]
        if c["department"] != Department.NDRC.value and conflict_department(c, district_code, directory) == department
    )
