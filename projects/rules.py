"""Conflict rules about other projects' sites: a site may not be planned twice.

They live here, beside the project lifecycle they govern; the rules about planning layers live with
their layer kinds in :mod:`layers.catalogue`.
"""

from __future__ import annotations

from layers.catalogue import ConflictRule, Relation, Severity, Text
from layers.departments import Department

LIVE_PROPOSAL_STATES: frozenset[str] = frozenset({"submitted", "under_review", "returned"})
"""States of a proposal whose site is still being planned (策划生成)."""

CODED_STATE = "approved"

OTHER_LIVE_PROPOSAL = ConflictRule(
    "project_site.live_proposal",
    Relation.OVERLAPS,
    Severity.NEEDS_REVIEW,
    Department.NDRC,
    Text("选址与另一在谋划项目的预选址重叠", "site overlaps the proposed site of another live proposal"),
    Text("发改委统筹协调两个项目的选址", "NDRC coordinates the two sites"),
)

OTHER_CODED_PROJECT = ConflictRule(
    "project_site.coded_project",
    Relation.OVERLAPS,
    Severity.BLOCKING,
    Department.NDRC,
    Text("选址与已赋码项目的用地重叠", "site overlaps the site of a project that already has its code"),
    Text("调整选址避让已赋码项目", "move the site off the coded project"),
)
