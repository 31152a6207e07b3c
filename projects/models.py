"""Tables of the project lifecycle: accounts, proposals and their site revisions, screenings, review
opinions and map markings, decisions, credit lists and the append-only audit log.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from gis.orm import Base

SRID = 4326


class Account(Base):
    """A login: admin, ndrc (发改委), department (one department) or applicant (项目单位)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(40))
    organisation: Mapped[str | None] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    secret_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AccessToken(Base):
    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Proposal(Base):
    """A proposed investment project (策划生成 stage) and, once approved, the coded project."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    applicant_organisation: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    district_code: Mapped[str] = mapped_column(String(6))
    industry: Mapped[str] = mapped_column(String(4))
    project_type: Mapped[str] = mapped_column(String(2))
    investment_category: Mapped[str] = mapped_column(String(20))
    total_investment_wan: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    land_use: Mapped[str] = mapped_column(String(4))
    state: Mapped[str] = mapped_column(String(20), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    project_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    coded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SiteRevision(Base):
    """One version of a proposal's site (预选址); the newest is current, all are kept."""

    __tablename__ = "site_revisions"
    __table_args__ = (UniqueConstraint("proposal_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    source_crs: Mapped[str] = mapped_column(String(100))
    area_m2: Mapped[float] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Screening(Base):
    """A stored conflict screening: its inputs, the layer versions it used, and its report."""

    __tablename__ = "screenings"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("site_revisions.id"), index=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB)
    layer_versions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Opinion(Base):
    """A department's opinion (意见) on one site revision: agree, agree with conditions, or object."""

    __tablename__ = "opinions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("site_revisions.id"), index=True)
    department: Mapped[str] = mapped_column(String(40))
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    verdict: Mapped[str] = mapped_column(String(30))
    conditions: Mapped[list[str]] = mapped_column(JSONB, default=list)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Marking(Base):
    """A department's map marking on a proposal: a polygon, line or point with a note."""

    __tablename__ = "markings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("site_revisions.id"))
    department: Mapped[str] = mapped_column(String(40))
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    note: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=False))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CreditListEntry(Base):
    """An entity on the blacklist (失信, joint punishment 联合惩戒) or the red list (守信)."""

    __tablename__ = "credit_list"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_kind: Mapped[str] = mapped_column(String(10))
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    entity_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditEntry(Base):
    """Who changed what, when, with the state before and after; the database refuses edits."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
