"""Request bodies of the API (pydantic); responses are the services' own dictionaries."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field


class ScreeningIn(BaseModel):
    """A site to screen (预选址冲突检测)."""

    site: dict[str, Any] = Field(
        description="GeoJSON Polygon or MultiPolygon (or a Feature holding one), in the CRS named by `crs`",
        examples=[{"type": "Polygon", "coordinates": [[[118.08, 24.48], [118.09, 24.48], [118.09, 24.49],
                                                       [118.08, 24.49], [118.08, 24.48]]]}],
    )
    crs: str = Field(default="EPSG:4326", description="EPSG:4326, EPSG:4490, EPSG:4548, GCJ02 …", max_length=200)
    project_type: str = Field(description="01 审批 approval, 02 核准 verification, 03 备案 filing", max_length=2)
    land_use: str = Field(description="intended land-use class, e.g. 1001 industrial or 07 residential", max_length=4)
    industry: str = Field(description="GB/T 4754 division, e.g. C39", max_length=4, pattern=r"^[A-T]\d{2}$")
    store: bool = Field(default=False, description="keep the report; it then never changes")


class TokenIn(BaseModel):
    username: str = Field(max_length=100)
    secret: str = Field(max_length=200)


class ProposalFields(BaseModel):
    """A proposal's attributes (项目基本信息)."""

    name: str = Field(max_length=200)
    applicant_organisation: str = Field(max_length=200)
    credit_code: str = Field(description="统一社会信用代码, 18 characters", max_length=40)
    district_code: str | None = Field(
        default=None, max_length=6,
        description="GB/T 2260 code of the district, e.g. 350213; the site must lie (at least "
                    "partly) in it. Omitted: the district holding the largest part of the site")
    industry: str = Field(description="GB/T 4754 division, e.g. C39", max_length=4)
    project_type: str = Field(description="01 审批, 02 核准, 03 备案", max_length=2)
    investment_category: str = Field(description="financial, general_social or small_social", max_length=20)
    total_investment_wan: float = Field(description="total investment in 万元 (10,000 yuan)", gt=0, lt=1e11)
    land_use: str = Field(description="intended land-use class, e.g. 1001", max_length=4)
    funding_source: str | None = Field(
        default=None, max_length=20,
        description="资金来源: fiscal, special_bond, self_raised, bank_loan, social_capital, foreign or mixed")


class SiteIn(BaseModel):
    site: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon (or a Feature holding one)")
    crs: str = Field(default="EPSG:4326", max_length=200)


class ProposalIn(ProposalFields, SiteIn):
    pass


class LegacyProjectIn(ProposalIn):
    project_code: str = Field(description="pre-2021 code YYYY-AAAAAA-II-TT-NNNNNN", max_length=40)


class ActionIn(BaseModel):
    action: str = Field(description="submit, start_review, return, reject or approve", max_length=20)
    reason: str | None = Field(default=None, max_length=4000)


class OpinionIn(BaseModel):
    verdict: str = Field(description="agree, agree_with_conditions or object", max_length=30)
    conditions: list[str] = Field(default_factory=list, max_length=50)
    reason: str | None = Field(default=None, max_length=4000)
    marking_ids: list[int] = Field(default_factory=list, max_length=50,
                                   description="the department's own markings on this proposal the opinion cites")


class MarkingIn(BaseModel):
    geometry: dict[str, Any] = Field(description="GeoJSON Point, LineString or Polygon in WGS84")
    note: str = Field(max_length=2000)


class CreditEntryIn(BaseModel):
    list_kind: str = Field(description="black or red", max_length=10)
    credit_code: str = Field(max_length=40)
    entity_name: str = Field(max_length=200)
    reason: str = Field(max_length=4000)
    source: str = Field(max_length=200)
    valid_from: date
    valid_to: date | None = None
