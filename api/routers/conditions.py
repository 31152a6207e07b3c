"""Building conditions API (建设条件): ``GET|POST /api/v1/proposals/{id}/conditions`` — each department records
the conditions it is responsible for on a proposal; everyone who sees the proposal sees them, the NDRC before it
decides (see :mod:`projects.conditions`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Caller
from api.boundary import BoundaryRoute
from api.problems import ProblemError, field_problem, problem_responses
from gis.db import get_engine
from gis.messages import message_of
from projects import conditions, proposals

router = APIRouter(prefix="/api/v1", tags=["review"], route_class=BoundaryRoute)


class ConditionIn(BaseModel):
    """One building condition as the responsible department records it."""

    condition: str = Field(max_length=30, description="land_quota 用地指标, investing_entity 投资主体, funding_source "
                                                      "资金来源, environment, soil_water, flood_control, acquisition")
    status: str = Field(max_length=20, description="met 已落实, pending 待落实, not_met 不具备")
    note: str | None = Field(default=None, max_length=4000, description="the condition in words (required for the "
                                                                       "environment, soil_water, flood_control and "
                                                                       "acquisition conditions)")
    area_m2: Decimal | None = Field(default=None, description="land_quota: the quota's area in m² (true ground area)")
    entity_name: str | None = Field(default=None, max_length=200, description="investing_entity: its name")
    entity_credit_code: str | None = Field(default=None, max_length=40,
                                           description="investing_entity: its unified social credit code")
    funding_source: str | None = Field(default=None, max_length=20,
                                       description="funding_source: fiscal, special_bond, self_raised, bank_loan, "
                                                   "social_capital, foreign or mixed")


@router.get("/proposals/{proposal_id}/conditions", responses=problem_responses(401, 404))
def get_conditions(proposal_id: int, caller: Caller) -> dict[str, Any]:
    """Every building condition of the proposal with its responsible department (by the site's district), the
    recording in force, and ``missing``: the ones nobody has recorded yet."""
    with get_engine().connect() as connection:
        return proposals.proposal_conditions(connection, caller, proposal_id)


@router.post("/proposals/{proposal_id}/conditions", status_code=201,
             responses=problem_responses(401, 403, 404, 409, 422))
def post_condition(proposal_id: int, body: ConditionIn, caller: Caller) -> dict[str, Any]:
    """Record a building condition as the department responsible for it where the site lies (audited). An
    investing entity on the blacklist is refused with the list's reason (409)."""
    try:
        with get_engine().begin() as connection:
            return conditions.record_condition(connection, caller, proposal_id, **body.model_dump())
    except conditions.ConditionInputError as error:
        raise ProblemError(422, "invalid-field", field_problem(error.field, error.message),
                           field=error.field) from None
    except conditions.BlacklistedEntityError as error:
        raise ProblemError(409, "blacklisted-entity", message_of(error), field="entity_credit_code") from None
