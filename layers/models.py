"""Tables of the layer store: layers, their versions and their features.

A layer (e.g. "Xiamen ecological red line") has numbered versions; each import adds a version and makes
it current, older versions stay queryable, nothing is overwritten. Feature geometry is stored as
MultiPolygon in WGS84 (EPSG:4326), one table partition per version. Features with many vertices are also cut
by ``ST_Subdivide`` into ``layer_feature_parts``, so that overlays against polygons of tens of thousands of
vertices touch only the nearby pieces.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gis.orm import Base

STORAGE_SRID = 4326


class Layer(Base):
    __tablename__ = "layers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    versions: Mapped[list[LayerVersion]] = relationship(
        back_populates="layer", order_by="LayerVersion.version"
    )


class LayerVersion(Base):
    __tablename__ = "layer_versions"
    __table_args__ = (UniqueConstraint("layer_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("layers.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    source_name: Mapped[str] = mapped_column(String(500))
    source_crs: Mapped[str] = mapped_column(String(100))
    source_sha256: Mapped[str] = mapped_column(String(64))
    feature_count: Mapped[int] = mapped_column(Integer)
    repaired_count: Mapped[int] = mapped_column(Integer, default=0)
    extent: Mapped[WKBElement | None] = mapped_column(
        Geometry("POLYGON", srid=STORAGE_SRID, spatial_index=False), nullable=True
    )
    layer: Mapped[Layer] = relationship(back_populates="versions")


class LayerFeature(Base):
    """A feature of one layer version; the table is partitioned by version (see migration 0001)."""

    __tablename__ = "layer_features"

    version_id: Mapped[int] = mapped_column(ForeignKey("layer_versions.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    feature_index: Mapped[int] = mapped_column(Integer)
    properties: Mapped[dict[str, Any]] = mapped_column(JSONB)
    subdivided: Mapped[bool] = mapped_column(Boolean, default=False)
    area_m2: Mapped[float] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=False)
    )


class LayerFeaturePart(Base):
    """A ``ST_Subdivide`` piece of a feature with more vertices than the overlay likes to touch at once."""

    __tablename__ = "layer_feature_parts"
    __table_args__ = (
        ForeignKeyConstraint(["version_id", "feature_id"], ["layer_features.version_id", "layer_features.id"]),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer, index=True)
    feature_id: Mapped[int] = mapped_column(BigInteger)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POLYGON", srid=STORAGE_SRID, spatial_index=False))
