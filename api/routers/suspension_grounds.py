"""The legal grounds an approval item's clock may stop on (暂停计时的法定事由), for forms and clients."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.boundary import BoundaryRoute
from projects.supervision.grounds import SUSPENSION_GROUNDS

router = APIRouter(prefix="/api/v1", route_class=BoundaryRoute)


@router.get("/supervision/suspension-grounds", tags=["supervision: approvals"])
def get_suspension_grounds() -> list[dict[str, Any]]:
    """Every ground with the provision it rests on (行政许可法 第四十五条, 第三十二条 补正); ``selectable`` is
    false for the legacy ``special_procedure`` of older records."""
    return [ground.as_dict() for ground in SUSPENSION_GROUNDS]
