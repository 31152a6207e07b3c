"""Layer store: layers, versions, features and their subdivided parts.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "layers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_geospatial_table(
        "layer_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("layer_id", sa.Integer, sa.ForeignKey("layers.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("source_name", sa.String(500), nullable=False),
        sa.Column("source_crs", sa.String(100), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("feature_count", sa.Integer, nullable=False),
        sa.Column("repaired_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("extent", Geometry("POLYGON", srid=4326, spatial_index=False), nullable=True),
        sa.UniqueConstraint("layer_id", "version"),
    )
    op.create_geospatial_index(
        "ix_layer_versions_extent", "layer_versions", ["extent"], postgresql_using="gist"
    )
    # One partition per layer version: an import loads its own table, indexes it in one pass, then attaches
    # it; queries name the version, so they only ever touch that version's rows and index.
    op.execute("CREATE SEQUENCE layer_features_id_seq")
    op.execute(
        """
        CREATE TABLE layer_features (
            id bigint NOT NULL DEFAULT nextval('layer_features_id_seq'),
            version_id integer NOT NULL REFERENCES layer_versions (id),
            feature_index integer NOT NULL,
            properties jsonb NOT NULL,
            geom geometry(MultiPolygon, 4326) NOT NULL,
            subdivided boolean NOT NULL DEFAULT false,
            area_m2 double precision NOT NULL,
            PRIMARY KEY (version_id, id)
        ) PARTITION BY LIST (version_id)
        """
    )
    op.execute("ALTER SEQUENCE layer_features_id_seq OWNED BY layer_features.id")
    op.create_geospatial_index("ix_layer_features_geom", "layer_features", ["geom"], postgresql_using="gist")
    op.create_geospatial_table(
        "layer_feature_parts",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("version_id", sa.Integer, nullable=False, index=True),
        sa.Column("feature_id", sa.BigInteger, nullable=False),
        sa.Column("geom", Geometry("POLYGON", srid=4326, spatial_index=False), nullable=False),
        sa.ForeignKeyConstraint(["version_id", "feature_id"], ["layer_features.version_id", "layer_features.id"]),
    )
    op.create_geospatial_index(
        "ix_layer_feature_parts_geom", "layer_feature_parts", ["geom"], postgresql_using="gist"
    )


def downgrade() -> None:
    op.drop_table("layer_feature_parts")
    op.drop_table("layer_features")
    op.drop_table("layer_versions")
    op.drop_table("layers")
