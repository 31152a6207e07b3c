"""A coded project's preliminary work plan (前期工作计划) and the joint review of its feasibility study
(可研联评联审): convened by the NDRC with the study (PDF or OFD), concluded by each invited department,
decided by the NDRC.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel, Field

from api.auth import Caller
from api.boundary import BoundaryRoute
from api.responses import file_download
from gis.db import get_engine
from projects.supervision import feasibility, work_plan
from projects.supervision.settings import supervision_settings

router = APIRouter(prefix="/api/v1", route_class=BoundaryRoute, tags=["supervision: feasibility review"])


class ConclusionIn(BaseModel):
    """An invited department's conclusion (联审意见)."""

    conclusion: str = Field(max_length=30, description="agree, agree_with_changes or disagree")
    department: str | None = Field(default=None, max_length=40,
                                   description="the department concluded for (default: the account's own)")
    changes: list[Annotated[str, Field(max_length=2000)]] = Field(
        default=[], max_length=50, description="the changes asked for (agree_with_changes)")
    reason: str | None = Field(default=None, max_length=4000, description="why it disagrees (disagree)")


class ReviewDecisionIn(BaseModel):
    """The NDRC's joint decision; it decides the study's approval item."""

    decision: str = Field(max_length=30, description="approve, approve_with_changes or disagree")
    decided_on: dt.date
    changes: list[Annotated[str, Field(max_length=2000)]] = Field(
        default=[], max_length=50, description="the changes the approval is conditional on (approve_with_changes)")
    reason: str | None = Field(default=None, max_length=4000,
                               description="why it is not approved, or why a department's objection is overruled")
    document_number: str | None = Field(default=None, max_length=100, description="文号 of the decision")


@router.get("/projects/{code}/work-plan", tags=["supervision: work plan"])
def get_work_plan(code: str, caller: Caller) -> dict[str, Any]:
    """The preliminary work plan issued with the code: each task with its units and due day (working days
    from the issue day; provisional in a year without holiday data), and the total limit of the category."""
    with get_engine().connect() as connection:
        return work_plan.work_plan(connection, caller, code)


@router.get("/projects/{code}/feasibility-review")
def get_reviews(code: str, caller: Caller) -> dict[str, Any]:
    """The project's joint feasibility reviews, newest first."""
    with get_engine().connect() as connection:
        return feasibility.reviews(connection, caller, code)


@router.post("/projects/{code}/feasibility-review", status_code=201)
def post_review(code: str, caller: Caller, study: Annotated[UploadFile, File(description="PDF or OFD")],
                received_on: Annotated[dt.date, Form(description="the day the study was received (受理)")],
                meeting_on: Annotated[dt.date, Form(description="the day of the review meeting")],
                departments: Annotated[list[str], Form(max_length=40, description="invited departments' slugs")],
                ) -> dict[str, Any]:
    """Convene the joint review of the feasibility study (NDRC); accepts the study's approval item."""
    content = study.file.read(supervision_settings().max_document_bytes + 1)
    with get_engine().begin() as connection:
        return feasibility.convene(connection, caller, code, received_on=received_on, meeting_on=meeting_on,
                                   departments=departments, filename=study.filename,
                                   content_type=study.content_type, content=content)


@router.post("/projects/{code}/feasibility-review/conclusions", status_code=201)
def post_conclusion(code: str, body: ConclusionIn, caller: Caller) -> dict[str, Any]:
    """An invited department's conclusion on the study under review, once."""
    with get_engine().begin() as connection:
        return feasibility.conclude(connection, caller, code, department=body.department,
                                    conclusion=body.conclusion, changes=body.changes, reason=body.reason)


@router.post("/projects/{code}/feasibility-review/decision")
def post_review_decision(code: str, body: ReviewDecisionIn, caller: Caller) -> dict[str, Any]:
    """The NDRC's joint decision, refused until every invited department has concluded."""
    with get_engine().begin() as connection:
        return feasibility.decide(connection, caller, code, decided_on=body.decided_on, decision=body.decision,
                                  changes=body.changes, reason=body.reason, document_number=body.document_number)


@router.get("/feasibility-reviews/{review_id}/study")
def get_study(review_id: int, caller: Caller) -> Response:
    """Download a review's feasibility study."""
    with get_engine().connect() as connection:
        return file_download(*feasibility.study_file(connection, caller, review_id))
