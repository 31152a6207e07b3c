"""One-window acceptance API (一口受理, 代收代办): the desks, a window's acceptances for other departments with their
materials, forwarding and mailing, and the responsible department's receipt. Thin: every rule is in
:mod:`projects.supervision.windows`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile
from pydantic import BaseModel, Field

from api.auth import Caller
from api.boundary import BoundaryRoute
from api.responses import file_download, read_upload
from api.validation import FIELD_NAMES
from gis.db import get_engine
from gis.messages import Text
from projects.supervision import windows
from projects.supervision.settings import supervision_settings

router = APIRouter(prefix="/api/v1/windows", tags=["supervision: one window"], route_class=BoundaryRoute)
FIELD_NAMES.update({
    "acceptance_id": Text("窗口受理编号", "window acceptance id"),
    "material_id": Text("材料编号", "material id"),
    "applicant_contact": Text("申请人联系方式", "applicant's contact"),
    "forwarded_on": Text("转交日期", "forwarded on"),
    "received_on": Text("签收日期", "received on"),
    "sent_on": Text("寄出日期", "sent on"),
    "tracking_number": Text("邮件号", "tracking number"),
})
"""This router's request fields, named in both languages next to where they are used."""
AsOf = Annotated[dt.date | None, Query(description="the day the clocks count to (default: today, Beijing time)")]


class AcceptanceIn(BaseModel):
    """An application accepted at the caller's window for the department responsible for the item."""

    project_code: str = Field(max_length=40)
    item_type: str = Field(max_length=60, description="see GET /api/v1/supervision/stages")
    accepted_on: dt.date = Field(description="the window's acceptance day: the item's clock starts here")
    applicant_contact: str | None = Field(default=None, max_length=400, description="who applied, and a phone")
    note: str | None = Field(default=None, max_length=2000)


class ForwardingIn(BaseModel):
    department: str = Field(max_length=40, description="slug of the department responsible for the item")
    forwarded_on: dt.date


class ReceiptIn(BaseModel):
    received_on: dt.date


class MailingIn(BaseModel):
    """Paper materials mailed free of charge (免费邮寄)."""

    tracking_number: str = Field(max_length=40, description="EMS: 13 digits, or UPU S10 like EA123456789CN")
    sent_on: dt.date


@router.get("")
def get_windows() -> list[dict[str, str]]:
    """The acceptance desks: the city's and each district's administrative service centre."""
    return [w.to_dict() for w in windows.WINDOWS.values()]


@router.post("/acceptances", status_code=201)
def post_acceptance(body: AcceptanceIn, caller: Caller) -> dict[str, Any]:
    """Accept an application at the caller's window on behalf of the responsible department; the approval item
    opens with the window's day as its acceptance day."""
    with get_engine().begin() as connection:
        return windows.accept_for(connection, caller, project_code=body.project_code, item_type_key=body.item_type,
                                  accepted_on=body.accepted_on, applicant_contact=body.applicant_contact,
                                  note=body.note)


@router.get("/work-list")
def get_work_list(caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    """The caller's window: what it accepted for others and where each stands, with the item's clock."""
    with get_engine().connect() as connection:
        return windows.work_list(connection, caller, as_of)


@router.get("/incoming")
def get_incoming(caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    """The caller's department: items accepted for it at windows, with the window's name."""
    with get_engine().connect() as connection:
        return windows.incoming(connection, caller, as_of)


@router.get("/acceptances/{acceptance_id}")
def get_acceptance(acceptance_id: int, caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    with get_engine().connect() as connection:
        return windows.acceptance_detail(connection, caller, acceptance_id, as_of)


@router.post("/acceptances/{acceptance_id}/materials", status_code=201)
def post_material(acceptance_id: int, caller: Caller, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Upload an electronic material (PDF, OFD, JPEG or PNG) for the responsible department, before forwarding."""
    content = read_upload(file, supervision_settings().max_document_bytes)
    with get_engine().begin() as connection:
        return windows.add_material(connection, caller, acceptance_id, filename=file.filename,
                                    content_type=file.content_type, content=content)


@router.get("/materials/{material_id}/file")
def get_material(material_id: int, caller: Caller) -> Response:
    with get_engine().connect() as connection:
        return file_download(*windows.material_file(connection, caller, material_id))


@router.post("/acceptances/{acceptance_id}/forwarding")
def post_forwarding(acceptance_id: int, body: ForwardingIn, caller: Caller) -> dict[str, Any]:
    """Forward (转交) to the department that owns the item; any other department is refused."""
    with get_engine().begin() as connection:
        return windows.forward(connection, caller, acceptance_id, department=body.department,
                               forwarded_on=body.forwarded_on)


@router.post("/acceptances/{acceptance_id}/receipt")
def post_receipt(acceptance_id: int, body: ReceiptIn, caller: Caller) -> dict[str, Any]:
    """The responsible department confirms receipt (签收)."""
    with get_engine().begin() as connection:
        return windows.receive(connection, caller, acceptance_id, received_on=body.received_on)


@router.put("/acceptances/{acceptance_id}/mailing")
def put_mailing(acceptance_id: int, body: MailingIn, caller: Caller) -> dict[str, Any]:
    """Record the free mailing of the paper materials (tracking number, day sent), once."""
    with get_engine().begin() as connection:
        return windows.record_mailing(connection, caller, acceptance_id, tracking=body.tracking_number,
                                      sent_on=body.sent_on)


@router.post("/acceptances/{acceptance_id}/mailing/receipt")
def post_mail_receipt(acceptance_id: int, body: ReceiptIn, caller: Caller) -> dict[str, Any]:
    """The responsible department confirms the paper materials arrived."""
    with get_engine().begin() as connection:
        return windows.receive_mail(connection, caller, acceptance_id, received_on=body.received_on)
