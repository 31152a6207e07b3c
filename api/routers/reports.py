"""The printable report of a proposal (冲突检测报告 / 策划生成意见汇总) as a PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.auth import Caller
from api.boundary import BoundaryRoute
from api.language import request_language
from api.problems import ProblemError
from gis.db import get_engine
from gis.messages import message_of
from projects import proposals
from projects.districts import district_names
from web.report_pdf import ReportFontMissingError, proposal_report

router = APIRouter(prefix="/api/v1", route_class=BoundaryRoute)


@router.get("/proposals/{proposal_id}/report.pdf", tags=["proposals"], response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def get_report(
    request: Request,
    proposal_id: int,
    caller: Caller,
    lang: Annotated[str | None, Query(description="zh or en; default from Accept-Language, else zh")] = None,
) -> Response:
    """The proposal's report as an A4 PDF: facts, a vector map of the site and its conflicts, the conflict
    table (m², 亩, %), layer versions and status, opinions, the NDRC's decisions and code, signature boxes.
    Who may read it is who may read the proposal's detail; it shows what that detail shows them."""
    language = request_language(request)  # ?lang= (declared above for the documentation) or Accept-Language
    with get_engine().connect() as connection:
        detail = proposals.proposal_detail(connection, caller, proposal_id)
        district = district_names(connection).get(detail["district_code"])
    try:
        pdf = proposal_report(detail, language, district=district)
    except ReportFontMissingError as error:
        raise ProblemError(503, "report-font-missing", message_of(error)) from None
    filename = f"proposal-{proposal_id}-report-{language}.pdf"
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, no-store",
        "Content-Language": language, "Vary": "Accept-Language"})
