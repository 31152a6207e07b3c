"""Intermediary hall API (网上中介大厅): the service-type table, the providers' directory and registration, the
commissions' steps (post, choose or draw, accept, deliver, rate) and the commission time beside the departments'.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth import Caller
from api.boundary import BoundaryRoute
from gis.db import get_engine
from projects.hall import commissions, providers
from projects.hall.service_types import SERVICE_TYPES

router = APIRouter(prefix="/api/v1/hall", route_class=BoundaryRoute, tags=["intermediary hall"])
AsOf = Annotated[dt.date | None, Query(description="the day to count to (default: today, Beijing time)")]


class QualificationIn(BaseModel):
    """A qualification (资质) of a provider."""

    kind: str = Field(max_length=40, description="a qualification kind of GET /api/v1/hall/service-types")
    grade: str = Field(default="", max_length=40, description="e.g. 甲级")
    number: str = Field(max_length=100, description="the certificate number")
    valid_until: dt.date


class ProviderIn(BaseModel):
    """A service provider (中介服务机构) to register."""

    name: str = Field(max_length=200)
    credit_code: str = Field(max_length=40, description="unified social credit code (统一社会信用代码)")
    district_code: str = Field(max_length=6, description="the Xiamen district of its address (GB/T 2260)")
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=40)
    service_types: list[str] = Field(max_length=20, description="keys of GET /api/v1/hall/service-types")
    qualifications: list[QualificationIn] = Field(max_length=30)


class CommissionIn(BaseModel):
    """A commission (委托) for a service type on the unit's coded project."""

    project_code: str = Field(max_length=40)
    service_type: str = Field(max_length=40)
    description: str | None = Field(default=None, max_length=2000)
    limit_working_days: int | None = Field(default=None, description="default: the service type's limit")


class ChoiceIn(BaseModel):
    """Either a provider (direct choice) or a random draw among the eligible ones, with an optional seed."""

    provider_id: int | None = None
    draw: bool = False
    seed: str | None = Field(default=None, max_length=200, description="shown afterwards; random when omitted")


class DeliveryIn(BaseModel):
    note: str = Field(max_length=2000, description="what is delivered, e.g. the report's title and number")


class RatingIn(BaseModel):
    rating: int = Field(description="1 (poor) to 5 (excellent)")
    comment: str = Field(max_length=2000)


@router.get("/service-types")
def get_service_types() -> list[dict[str, Any]]:
    """Every service type with the qualification kinds it accepts and its default limit (working days)."""
    return [kind.as_dict() for kind in SERVICE_TYPES.values()]


@router.get("/providers")
def get_providers(service_type: Annotated[str | None, Query(max_length=40)] = None,
                  district_code: Annotated[str | None, Query(max_length=6)] = None,
                  eligible: bool = False) -> dict[str, Any]:
    """The hall's directory (public): providers by service type and district, each type eligible or why not."""
    with get_engine().connect() as connection:
        return providers.list_providers(connection, service_type_key=service_type, district_code=district_code,
                                        eligible_only=eligible)


@router.post("/providers", status_code=201)
def post_provider(body: ProviderIn, caller: Caller) -> dict[str, Any]:
    """Register a service provider with its service types and qualifications (admin)."""
    with get_engine().begin() as connection:
        return providers.register_provider(
            connection, caller, name=body.name, credit_code=body.credit_code, district_code=body.district_code,
            address=body.address, phone=body.phone, service_types=body.service_types,
            qualifications=[providers.QualificationInput(q.kind, q.grade, q.number, q.valid_until)
                            for q in body.qualifications])


@router.get("/providers/{provider_id}")
def get_provider(provider_id: int) -> dict[str, Any]:
    """One provider (public)."""
    with get_engine().connect() as connection:
        return providers.provider_detail(connection, provider_id)


@router.get("/commissions")
def get_commissions(caller: Caller, project_code: Annotated[str | None, Query(max_length=40)] = None,
                    as_of: AsOf = None) -> list[dict[str, Any]]:
    """The caller's commissions: a unit its projects', a provider those it was chosen for, officials all."""
    with get_engine().connect() as connection:
        return commissions.list_commissions(connection, caller, project_code=project_code, as_of=as_of)


@router.post("/commissions", status_code=201)
def post_commission(body: CommissionIn, caller: Caller) -> dict[str, Any]:
    """Post a commission on the unit's own coded project (the project unit)."""
    with get_engine().begin() as connection:
        return commissions.post_commission(connection, caller, project_code=body.project_code,
                                           service_type_key=body.service_type, description=body.description,
                                           limit_working_days=body.limit_working_days)


@router.get("/commissions/{commission_id}")
def get_commission(commission_id: int, caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    """One commission with its provider, the draw's seed and candidates, and the provider's clock."""
    with get_engine().connect() as connection:
        return commissions.commission_detail(connection, caller, commission_id, as_of)


@router.post("/commissions/{commission_id}/choice")
def post_choice(commission_id: int, body: ChoiceIn, caller: Caller) -> dict[str, Any]:
    """Choose the provider directly, or draw it at random among the eligible ones (the project unit)."""
    with get_engine().begin() as connection:
        return commissions.choose_provider(connection, caller, commission_id, provider_id=body.provider_id,
                                           draw=body.draw, seed=body.seed)


@router.post("/commissions/{commission_id}/acceptance")
def post_acceptance(commission_id: int, caller: Caller) -> dict[str, Any]:
    """The chosen provider accepts the commission."""
    with get_engine().begin() as connection:
        return commissions.accept_commission(connection, caller, commission_id)


@router.post("/commissions/{commission_id}/delivery")
def post_delivery(commission_id: int, body: DeliveryIn, caller: Caller) -> dict[str, Any]:
    """The chosen provider delivers its result; its clock stops."""
    with get_engine().begin() as connection:
        return commissions.deliver_commission(connection, caller, commission_id, body.note)


@router.post("/commissions/{commission_id}/rating")
def post_rating(commission_id: int, body: RatingIn, caller: Caller) -> dict[str, Any]:
    """The project unit rates the delivered result, 1 to 5, with a comment."""
    with get_engine().begin() as connection:
        return commissions.rate_commission(connection, caller, commission_id, rating=body.rating,
                                           comment=body.comment)


@router.get("/projects/{code}/times")
def get_project_times(code: str, caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    """A coded project's commission time and its departments' time, side by side, with its commissions."""
    with get_engine().connect() as connection:
        return commissions.project_times(connection, caller, code, as_of)


@router.get("/times")
def get_times(caller: Caller, as_of: AsOf = None) -> dict[str, Any]:
    """Every project's commission time beside its departments' time, and the commissions overdue or due soon
    (NDRC, departments)."""
    with get_engine().connect() as connection:
        return commissions.dashboard_times(connection, caller, as_of)
