"""Which departments must give an opinion on a proposal, and whether their opinions still stand.

Required departments are those responsible for a ``needs_review`` or ``blocking`` conflict of the current
site revision, plus those configured for the project type. An opinion given on an earlier revision still
stands when that department's conflicts did not change since; otherwise its review is reopened.
"""

from __future__ import annotations

from typing import Any

from layers.catalogue import Severity
from layers.departments import Department

DEPARTMENTS_BY_PROJECT_TYPE: dict[str, frozenset[Department]] = {
    # 审批 (government-invested): planning and construction always look at the site.
    "01": frozenset({Department.NATURAL_RESOURCES, Department.CONSTRUCTION}),
    # 核准 (verified enterprise projects): planning always looks at the site.
    "02": frozenset({Department.NATURAL_RESOURCES}),
    # 备案 (filed enterprise projects): only the departments the conflicts call for.
    "03": frozenset(),
}


class Verdict:
    AGREE = "agree"
    AGREE_WITH_CONDITIONS = "agree_with_conditions"
    OBJECT = "object"
    ALL = (AGREE, AGREE_WITH_CONDITIONS, OBJECT)


def required_departments(report: dict[str, Any], project_type: str) -> set[str]:
    """Departments that must answer: from the conflicts, plus the project type's configured ones.

    The NDRC is never asked for an opinion: conflicts it is responsible for (overlapping project sites) are
    settled by its own decision.
    """
    from_conflicts = {c["department"] for c in report["conflicts"]
                      if c["severity"] != Severity.INFO.value and c["department"] != Department.NDRC.value}
    return from_conflicts | {d.value for d in DEPARTMENTS_BY_PROJECT_TYPE.get(project_type, frozenset())}


def conflict_fingerprint(report: dict[str, Any], department: str) -> frozenset[tuple[Any, ...]]:
    """What a department's conflicts are, in a form that compares across revisions."""
    return frozenset(
        (c["rule_id"], c["layer_id"], c["feature_id"], c["severity"], round(c["overlap"]["m2"]))
        for c in report["conflicts"]
        if c["department"] == department
    )
