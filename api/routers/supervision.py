"""Supervision API (赋码之后): working-day calendar, approval stages and items with their documents, progress
reports and the annual plan, anomaly warnings, double-random inspections and the central-platform feed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile
from pydantic import BaseModel, Field

from api.auth import Caller
from api.boundary import BoundaryRoute
from api.responses import file_download, read_upload
from gis.db import get_engine
from projects.clock import beijing_today
from projects.sites import prepare_site
from projects.supervision import (
    anomalies,
    clocks,
    dashboard,
    feed,
    inspections,
    items,
    progress,
    stages,
    workdays,
)
from projects.supervision.settings import supervision_settings

router = APIRouter(prefix="/api/v1", route_class=BoundaryRoute)
AsOf = Annotated[dt.date | None, Query(description="the day to count to (default: today, Beijing time)")]


class HolidayIn(BaseModel):
    date: dt.date
    name: str = Field(default="", max_length=60, description="e.g. 春节 Spring Festival")


class NoticeIn(BaseModel):
    """A State Council holiday notice (国务院办公厅关于某年部分节假日安排的通知)."""

    title: str = Field(max_length=300)
    document_number: str | None = Field(default=None, max_length=100, description="e.g. 国办发明电〔2026〕7号")
    published_on: dt.date | None = None
    holidays: list[HolidayIn] = Field(max_length=100, description="every day off (放假), weekends within it included")
    workdays: list[dt.date] = Field(default=[], max_length=30, description="make-up working days (调休上班)")


class LimitIn(BaseModel):
    working_days: int = Field(description="working days from acceptance to decision")


class ItemIn(BaseModel):
    """Accept (受理) an approval item for a coded project, named by its code (or its proposal id)."""

    project_code: str | None = Field(default=None, max_length=40)
    proposal_id: int | None = None
    item_type: str = Field(max_length=60)
    accepted_on: dt.date
    references: list[str] = Field(default=[], max_length=50, description="numbers of earlier documents reused")
    note: str | None = Field(default=None, max_length=2000)


class DecisionIn(BaseModel):
    decided_on: dt.date
    result: str = Field(description="approved, approved_with_conditions or refused")
    document_number: str | None = Field(default=None, max_length=100, description="文号; may follow later")


class SuspensionIn(BaseModel):
    suspended_on: dt.date
    ground: str | None = Field(default=None, max_length=40,
                               description="the legal ground (GET /api/v1/supervision/suspension-grounds)")
    reason: str | None = Field(default=None, max_length=2000)
    resumed_on: dt.date | None = Field(default=None, description="given for a past span recorded at once")


class ResumptionIn(BaseModel):
    resumed_on: dt.date


class NumberIn(BaseModel):
    document_number: str = Field(max_length=100)


class PlanIn(BaseModel):
    key_level: str | None = Field(default=None, description="provincial (省重点), municipal (市重点) or null")
    planned_start: dt.date | None = None
    planned_completion: dt.date | None = None


class ReportIn(BaseModel):
    """A monthly progress report; amounts in 万元."""

    period: str = Field(max_length=7, description="report month, YYYY-MM")
    actual_start: dt.date | None = None
    actual_completion: dt.date | None = None
    annual_planned_wan: float | None = None
    annual_actual_wan: float | None = None
    cumulative_wan: float
    visual_progress_pct: float = Field(description="形象进度, 0-100 %")
    note: str | None = Field(default=None, max_length=4000)
    site: dict[str, Any] | None = Field(default=None, description="the site as surveyed (GeoJSON polygon)")
    crs: str = Field(default="EPSG:4326", max_length=200)


class WarningActionIn(BaseModel):
    action: str = Field(description="inspect, post_evaluation or dismiss")
    reason: str | None = Field(default=None, max_length=4000, description="required to dismiss")


class InspectorIn(BaseModel):
    name: str = Field(max_length=100)
    department: str | None = Field(default=None, max_length=40)
    organisation: str | None = Field(default=None, max_length=200)
    linked_credit_codes: list[str] = Field(default=[], max_length=100,
                                           description="enterprises the inspector is linked to (conflicts)")


class DrawIn(BaseModel):
    title: str = Field(max_length=200)
    target_count: int
    inspectors_per_target: int = 2
    seed: str | None = Field(default=None, max_length=200, description="published; random when omitted")


# --- calendar -------------------------------------------------------------------------------------------------


@router.get("/supervision/calendar", tags=["supervision: calendar"])
def get_calendar() -> dict[str, Any]:
    """Which years have holiday data (chinese-calendar or an entered State Council notice), which do not."""
    with get_engine().connect() as connection:
        return workdays.calendar_status(connection, beijing_today())


@router.put("/supervision/calendar/{year}", tags=["supervision: calendar"])
def put_calendar_year(year: int, body: NoticeIn, caller: Caller) -> dict[str, Any]:
    """Enter (or replace) a year's State Council holiday notice (admin)."""
    with get_engine().begin() as connection:
        return workdays.enter_notice(
            connection, caller, year=year, title=body.title, document_number=body.document_number,
            published_on=body.published_on, holidays=[(h.date, h.name) for h in body.holidays],
            workdays=body.workdays)


@router.get("/supervision/calendar/deadline", tags=["supervision: calendar"])
def get_deadline(start: dt.date, working_days: Annotated[int, Query(ge=0, le=1000)]) -> dict[str, Any]:
    """The day a limit of `working_days` from `start` ends (the start day itself is not counted)."""
    with get_engine().connect() as connection:
        return workdays.load_calendar(connection).add_working_days(start, working_days).as_dict()


# --- stages and items -----------------------------------------------------------------------------------------


@router.get("/supervision/stages", tags=["supervision: approvals"])
def get_stages() -> dict[str, Any]:
    """The four approval stages, their item types with limits and reused documents, and the total limits."""
    with get_engine().connect() as connection:
        return stages.catalogue(connection)


@router.put("/supervision/item-types/{item_type}/limit", tags=["supervision: approvals"])
def put_item_limit(item_type: str, body: LimitIn, caller: Caller) -> dict[str, Any]:
    """Change an item type's working-day limit (admin); accepted items keep theirs."""
    with get_engine().begin() as connection:
        return stages.set_item_limit(connection, caller, item_type, body.working_days)


@router.post("/supervision/items", tags=["supervision: approvals"], status_code=201)
def post_item(body: ItemIn, caller: Caller) -> dict[str, Any]:
    """Accept an approval item (responsible department); no valid project code, no item (无码不批)."""
    with get_engine().begin() as connection:
        return items.open_item(connection, caller, item_type_key=body.item_type, accepted_on=body.accepted_on,
                               project_code=body.project_code, proposal_id=body.proposal_id,
                               references=body.references, note=body.note)


@router.get("/supervision/items/{item_id}", tags=["supervision: approvals"])
def get_item(item_id: int, caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    """One item with its clock, document and the earlier documents it reuses."""
    with get_engine().connect() as connection:
        return items.item_detail(connection, caller, item_id, as_of)


@router.post("/supervision/items/{item_id}/decision", tags=["supervision: approvals"])
def post_decision(item_id: int, body: DecisionIn, caller: Caller) -> dict[str, Any]:
    """Record the decision and its document number (responsible department); final."""
    with get_engine().begin() as connection:
        return items.decide_item(connection, caller, item_id, decided_on=body.decided_on, result=body.result,
                                 document_number=body.document_number)


@router.post("/supervision/items/{item_id}/suspension", tags=["supervision: approvals"])
def post_suspension(item_id: int, body: SuspensionIn, caller: Caller) -> dict[str, Any]:
    """Stop an open item's clock (暂停计时) on a legal ground — a hearing, expert review, testing… (行政许可法
    第四十五条) or the applicant's supplement (补正) — (responsible department); its working days count again
    once resumed. Suspensions of one item never overlap."""
    with get_engine().begin() as connection:
        return items.suspend_item(connection, caller, item_id, suspended_on=body.suspended_on, ground=body.ground,
                                  reason=body.reason, resumed_on=body.resumed_on)


@router.post("/supervision/items/{item_id}/resumption", tags=["supervision: approvals"])
def post_resumption(item_id: int, body: ResumptionIn, caller: Caller) -> dict[str, Any]:
    """Let a suspended item's clock run again from the day after ``resumed_on`` (responsible department)."""
    with get_engine().begin() as connection:
        return items.resume_item(connection, caller, item_id, resumed_on=body.resumed_on)


@router.put("/supervision/items/{item_id}/document-number", tags=["supervision: approvals"])
def put_document_number(item_id: int, body: NumberIn, caller: Caller) -> dict[str, Any]:
    """Give the decided item's document its number (文号待补), once."""
    with get_engine().begin() as connection:
        return items.set_document_number(connection, caller, item_id, body.document_number)


@router.put("/supervision/items/{item_id}/document-file", tags=["supervision: approvals"])
def put_document_file(item_id: int, caller: Caller, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Upload the issued document (PDF, OFD, JPEG or PNG), once; an already issued file is refused."""
    content = read_upload(file, supervision_settings().max_document_bytes)
    with get_engine().begin() as connection:
        return items.upload_document(connection, caller, item_id, filename=file.filename,
                                     content_type=file.content_type, content=content)


@router.post("/supervision/items/{item_id}/references", tags=["supervision: approvals"])
def post_reference(item_id: int, body: NumberIn, caller: Caller) -> dict[str, Any]:
    """Reference an earlier issued document of the project by its number (批文引用)."""
    with get_engine().begin() as connection:
        return items.add_reference(connection, caller, item_id, body.document_number)


@router.get("/supervision/documents/{document_id}/file", tags=["supervision: approvals"])
def get_document_file(document_id: int, caller: Caller) -> Response:
    """Download an issued document's file."""
    with get_engine().connect() as connection:
        filename, content_type, content = items.document_file(connection, caller, document_id)
    return file_download(filename, content_type, content)


@router.get("/supervision/projects/{code}/approvals", tags=["supervision: approvals"])
def get_project_approvals(code: str, caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    """A coded project's stages and items with their clocks, and its total clock against 50/70/90."""
    with get_engine().connect() as connection:
        return items.project_approvals(connection, caller, code, as_of)


@router.get("/supervision/deadlines", tags=["supervision: approvals"])
def get_deadlines(caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    """Overdue and due-soon items per department (a department sees its own)."""
    with get_engine().connect() as connection:
        return clocks.department_deadlines(connection, caller, as_of or beijing_today())


# --- progress -------------------------------------------------------------------------------------------------


@router.put("/supervision/projects/{code}/plan", tags=["supervision: progress"])
def put_plan(code: str, body: PlanIn, caller: Caller) -> dict[str, Any]:
    """Key-project level (省/市重点) and planned start and completion (NDRC)."""
    with get_engine().begin() as connection:
        return progress.set_plan(connection, caller, code, key_level=body.key_level,
                                 planned_start=body.planned_start, planned_completion=body.planned_completion)


@router.get("/supervision/projects/{code}/progress", tags=["supervision: progress"])
def get_progress(code: str, caller: Caller) -> dict[str, Any]:
    """A project's plan, key-project level and progress reports."""
    with get_engine().connect() as connection:
        return progress.project_progress(connection, caller, code)


@router.post("/supervision/projects/{code}/reports", tags=["supervision: progress"], status_code=201)
def post_report(code: str, body: ReportIn, caller: Caller) -> dict[str, Any]:
    """A monthly progress report (project unit, or NDRC); one per month, never rewritten."""
    site = prepare_site(body.site, body.crs) if body.site is not None else None
    data = progress.ReportInput(
        period=body.period, cumulative_wan=body.cumulative_wan, visual_progress_pct=body.visual_progress_pct,
        actual_start=body.actual_start, actual_completion=body.actual_completion,
        annual_planned_wan=body.annual_planned_wan, annual_actual_wan=body.annual_actual_wan, note=body.note,
        site=site)
    with get_engine().begin() as connection:
        return progress.submit_report(connection, caller, code, data)


@router.put("/supervision/reports/{report_id}/photo", tags=["supervision: progress"])
def put_report_photo(report_id: int, caller: Caller, photo: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """The photo of a report's visual progress (JPEG, PNG or WebP), once."""
    content = read_upload(photo, supervision_settings().max_photo_bytes)
    with get_engine().begin() as connection:
        return progress.attach_photo(connection, caller, report_id, filename=photo.filename,
                                     content_type=photo.content_type, content=content)


@router.get("/supervision/reports/{report_id}/photo", tags=["supervision: progress"])
def get_report_photo(report_id: int, caller: Caller) -> Response:
    with get_engine().connect() as connection:
        content_type, content = progress.report_photo(connection, caller, report_id)
    return Response(content, media_type=content_type, headers={"X-Content-Type-Options": "nosniff"})


@router.get("/supervision/annual-plans/{year}", tags=["supervision: progress"])
def get_annual_plan(year: int, caller: Caller) -> dict[str, Any]:
    """The annual investment plan compiled by investment category (万元)."""
    with get_engine().connect() as connection:
        return progress.annual_plan(connection, caller, year)


# --- warnings -------------------------------------------------------------------------------------------------


@router.post("/supervision/warnings/scan", tags=["supervision: warnings"])
def post_scan(caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    """Look for anomalies and record the new ones (NDRC)."""
    with get_engine().begin() as connection:
        return anomalies.scan(connection, caller, as_of or beijing_today())


@router.get("/supervision/warnings", tags=["supervision: warnings"])
def get_warnings(caller: Caller, status: str | None = None, project_code: str | None = None) -> list[dict[str, Any]]:
    """The NDRC's warning list, open first, each explained in words."""
    with get_engine().connect() as connection:
        return anomalies.list_warnings(connection, caller, status, project_code)


@router.post("/supervision/warnings/{warning_id}/actions", tags=["supervision: warnings"])
def post_warning_action(warning_id: int, body: WarningActionIn, caller: Caller) -> dict[str, Any]:
    """Inspect, order a post-evaluation (后评价) or dismiss with a reason (NDRC); audited."""
    with get_engine().begin() as connection:
        return anomalies.act_on_warning(connection, caller, warning_id, body.action, body.reason)


# --- inspections ----------------------------------------------------------------------------------------------


@router.get("/supervision/inspectors", tags=["supervision: inspections"])
def get_inspectors(caller: Caller) -> list[dict[str, Any]]:
    with get_engine().connect() as connection:
        return inspections.list_inspectors(connection, caller)


@router.post("/supervision/inspectors", tags=["supervision: inspections"], status_code=201)
def post_inspector(body: InspectorIn, caller: Caller) -> dict[str, Any]:
    """Add an inspector to the pool, with declared links to enterprises (NDRC)."""
    with get_engine().begin() as connection:
        return inspections.add_inspector(connection, caller, **body.model_dump())


@router.post("/supervision/inspection-draws", tags=["supervision: inspections"], status_code=201)
def post_draw(body: DrawIn, caller: Caller) -> dict[str, Any]:
    """Draw targets and inspectors (双随机) and publish seed, method, inputs and result (一公开)."""
    with get_engine().begin() as connection:
        return inspections.draw(connection, caller, **body.model_dump())


@router.get("/public/inspection-draws", tags=["public"])
def get_public_draws() -> list[dict[str, Any]]:
    """Every published inspection draw, re-run to prove its result (no login)."""
    with get_engine().connect() as connection:
        return inspections.published_draws(connection)


@router.get("/public/inspection-draws/{draw_id}", tags=["public"])
def get_public_draw(draw_id: int) -> dict[str, Any]:
    with get_engine().connect() as connection:
        return inspections.published_draw(connection, draw_id)


# --- central platform feed and data quality -------------------------------------------------------------------


@router.post("/supervision/feed/{code}/exports", tags=["supervision: feed"], status_code=201)
def post_export(code: str, caller: Caller) -> dict[str, Any]:
    """Validate and export a project's approval data; 409 with the data-quality problems when invalid."""
    with get_engine().begin() as connection:
        return feed.export(connection, caller, code)


@router.get("/supervision/feed/{code}", tags=["supervision: feed"])
def get_feed(code: str, caller: Caller, version: int | None = None) -> dict[str, Any]:
    """An exported version of a project's feed (latest by default)."""
    with get_engine().connect() as connection:
        return feed.feed_version(connection, caller, code, version)


@router.get("/supervision/data-quality", tags=["supervision: feed"])
def get_data_quality(caller: Caller) -> dict[str, Any]:
    """Every problem that stops an export: missing code, decided before accepted, document without number."""
    with get_engine().connect() as connection:
        return feed.data_quality(connection, caller)


# --- dashboard ------------------------------------------------------------------------------------------------


@router.get("/supervision/dashboard", tags=["supervision: dashboard"])
def get_dashboard(caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    """Investment by district and category, approval time against limit, overdue by department, warnings."""
    with get_engine().connect() as connection:
        return dashboard.dashboard(connection, caller, as_of or beijing_today())


@router.get("/supervision/projects/{code}/timeline", tags=["supervision: dashboard"])
def get_timeline(code: str, caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    """A project's approvals and progress on one time axis."""
    with get_engine().connect() as connection:
        return dashboard.project_timeline(connection, caller, code, as_of or beijing_today())
