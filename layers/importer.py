"""Import planning layers from GeoJSON, GeoPackage and Shapefile (also zipped) into a new layer version.

Reading goes through geopandas/pyogrio. Every feature is validated in the input CRS (so a reported
location can be found in the source file), then transformed to WGS84 and written with one COPY into a new
partition of ``layer_features`` for the new version; areas (true ellipsoidal m²) and the ``ST_Subdivide``
parts are computed in PostGIS in the same transaction. A rejected import writes nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from sqlalchemy import Engine, text

from gis.area import equal_area_m2
from gis.crs import InputCrs, parse_crs, to_wgs84_checked
from gis.db import get_engine
from gis.errors import SpatialInputError
from gis.geometry import GeometryIssue, validate_polygons
from layers.catalogue import layer_kind
from layers.models import STORAGE_SRID

SUBDIVIDE_MAX_VERTICES = 256
"""Vertex budget of each ``ST_Subdivide`` part: small enough that an overlay touches few vertices."""

COPY_CHUNK = 10_000


class ImportRejectedError(SpatialInputError):
    """Some features are not acceptable; the report lists each one. Nothing was written."""

    def __init__(self, issues: list[GeometryIssue], source: str) -> None:
        shown = "; ".join(
            f"feature {issue.index}: {issue.reason}" for issue in issues[:10]
        ) + (f"; and {len(issues) - 10} more" if len(issues) > 10 else "")
        super().__init__(
            "invalid-features",
            "Invalid features in the import",
            f"{len(issues)} feature(s) of {source} are not valid polygons, so nothing was imported: "
            f"{shown}. Fix them in the source, or import with --repair to let the platform repair them.",
            location=issues[0].location,
            extra={"issues": [issue.to_dict() for issue in issues]},
        )


class MalformedFileError(SpatialInputError):
    def __init__(self, source: str, reason: str) -> None:
        super().__init__(
            "malformed-file",
            "The file cannot be read",
            f"{source} is not a readable GeoJSON, GeoPackage or Shapefile: {reason}",
        )


@dataclass
class ImportReport:
    """What an import did: the new version, what was repaired, and how fast it went."""

    layer_id: int
    layer_name: str
    kind: str
    version: int
    version_id: int
    feature_count: int
    source_crs: str
    seconds: float
    repaired: list[GeometryIssue] = field(default_factory=list)
    reused: bool = False

    @property
    def features_per_second(self) -> float:
        return self.feature_count / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer_id": self.layer_id,
            "layer_name": self.layer_name,
            "kind": self.kind,
            "version": self.version,
            "feature_count": self.feature_count,
            "source_crs": self.source_crs,
            "seconds": round(self.seconds, 3),
            "features_per_second": round(self.features_per_second, 1),
            "repaired": [issue.to_dict() for issue in self.repaired],
            "reused": self.reused,
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_layer_file(path: Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON, GeoPackage or Shapefile (a ``.zip`` holding one is read in place)."""
    source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    if not path.exists():
        raise MalformedFileError(path.name, "no such file")
    try:
        return gpd.read_file(source, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.GeometryError,
            pyogrio.errors.FieldError, pyogrio.errors.CRSError, ValueError, OSError) as error:
        raise MalformedFileError(path.name, str(error).splitlines()[0]) from error


def _resolve_crs(frame: gpd.GeoDataFrame, crs: str | None) -> InputCrs:
    """The CRS the user named wins; else the one the file declares; else WGS84 (RFC 7946)."""
    if crs:
        return parse_crs(crs)
    if frame.crs is not None:
        epsg = frame.crs.to_epsg()
        return parse_crs(f"EPSG:{epsg}" if epsg else frame.crs.to_wkt())
    return parse_crs(None)


def _properties_json(frame: gpd.GeoDataFrame) -> list[str]:
    """One JSON object per row, NaN as null, in the file's column order (pandas' writer, not a Python loop)."""
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    if attributes.columns.empty:
        return ["{}"] * len(frame)
    # JSON escapes newlines inside strings, so "\n" only ever separates records.
    return attributes.to_json(orient="records", lines=True, force_ascii=False, date_format="iso").split("\n")[
        : len(frame)
    ]


def import_layer(
    path: Path,
    kind: str,
    *,
    crs: str | None = None,
    name: str | None = None,
    repair: bool = False,
    engine: Engine | None = None,
    skip_if_unchanged: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import ``path`` as a new version of layer ``name`` (default: the file's stem) of ``kind``.

    ``crs`` names the coordinates' CRS (any EPSG code, or ``GCJ02``); it overrides what the file says.
    With ``skip_if_unchanged`` an identical file already imported as the current version is reused.
    ``progress`` is called with the number of features written after each chunk.
    """
    started = time.perf_counter()
    layer_kind(kind)
    engine = engine or get_engine()
    layer_name = name or path.stem
    checksum = file_sha256(path) if path.exists() else ""

    if skip_if_unchanged:
        reused = _current_version_if_same(engine, layer_name, kind, checksum)
        if reused is not None:
            return reused

    frame = read_layer_file(path)
    input_crs = _resolve_crs(frame, crs)
    geometries = np.asarray(frame.geometry.values, dtype=object)
    if len(geometries) == 0:
        raise SpatialInputError("empty-file", "The file has no features", f"{path.name} has no features.")
    report = validate_polygons(geometries, repair=repair)
    if not report.ok:
        raise ImportRejectedError(report.issues, path.name)
    wgs84 = to_wgs84_checked(report.geometries, input_crs)
    properties = _properties_json(frame)
    west, south, east, north = shapely.total_bounds(wgs84)

    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO layers (kind, name) VALUES (:kind, :name) ON CONFLICT (name) DO NOTHING"),
            {"kind": kind, "name": layer_name},
        )
        layer = connection.execute(
            text("SELECT id, kind FROM layers WHERE name = :name FOR UPDATE"), {"name": layer_name}
        ).one()
        if layer.kind != kind:
            raise SpatialInputError(
                "kind-mismatch",
                "Layer kind mismatch",
                f"Layer {layer_name!r} is of kind {layer.kind!r}, not {kind!r}; choose another --name.",
            )
        version = connection.execute(
            text("SELECT coalesce(max(version), 0) + 1 FROM layer_versions WHERE layer_id = :id"),
            {"id": layer.id},
        ).scalar_one()
        version_id = connection.execute(
            text(
                "INSERT INTO layer_versions (layer_id, version, source_name, source_crs, source_sha256, "
                "feature_count, repaired_count, extent) VALUES (:layer, :version, :source, :crs, :sha, :count, "
                ":repaired, ST_MakeEnvelope(:west, :south, :east, :north, 4326)) RETURNING id"
            ),
            {
                "layer": layer.id,
                "version": version,
                "source": path.name,
                "crs": input_crs.label,
                "sha": checksum,
                "count": len(wgs84),
                "repaired": len(report.repaired),
                "west": west, "south": south, "east": east, "north": north,
            },
        ).scalar_one()
        _load_partition(connection, version_id, wgs84, properties, progress)

    return ImportReport(
        layer_id=layer.id,
        layer_name=layer_name,
        kind=kind,
        version=version,
        version_id=version_id,
        feature_count=len(wgs84),
        source_crs=input_crs.label,
        seconds=time.perf_counter() - started,
        repaired=report.repaired,
    )


def _load_partition(
    connection: Any,
    version_id: int,
    geometries: np.ndarray,
    properties: list[str],
    progress: Callable[[int], None] | None,
) -> None:
    """Load a version into a partition of its own: COPY, one GiST build, then attach it.

    Filling a fresh table and indexing it once is far cheaper than growing the shared index row by row.
    Areas are true ellipsoidal m² (:func:`gis.area.equal_area_m2`); features of many vertices are also cut
    into ``layer_feature_parts``.
    """
    partition = f"layer_features_v{int(version_id)}"
    ewkb = shapely.to_wkb(shapely.set_srid(geometries, STORAGE_SRID), include_srid=True, output_dimension=2)
    subdivided = shapely.get_num_coordinates(geometries) > SUBDIVIDE_MAX_VERTICES
    areas = equal_area_m2(geometries).tolist()
    connection.execute(text(f"CREATE TABLE {partition} (LIKE layer_features INCLUDING DEFAULTS)"))
    cursor = connection.connection.driver_connection.cursor()
    columns = "(version_id, feature_index, properties, geom, subdivided, area_m2)"
    # COPY's text format treats backslash as an escape; JSON has escaped every tab and newline already.
    escaped = [text_value.replace("\\", "\\\\") for text_value in properties]
    flags = np.where(subdivided, "t", "f")
    with cursor.copy(f"COPY {partition} {columns} FROM STDIN") as copy:
        for start in range(0, len(ewkb), COPY_CHUNK):
            stop = min(start + COPY_CHUNK, len(ewkb))
            copy.write("".join(
                f"{version_id}\t{index}\t{escaped[index]}\t{ewkb[index].hex()}\t{flags[index]}\t{areas[index]!r}\n"
                for index in range(start, stop)
            ))
            if progress:
                progress(stop - start)
    connection.execute(text(f"CREATE INDEX ON {partition} USING gist (geom)"))
    connection.execute(text(f"ALTER TABLE {partition} ADD CHECK (version_id = {int(version_id)})"))
    connection.execute(
        text(f"ALTER TABLE layer_features ATTACH PARTITION {partition} FOR VALUES IN ({int(version_id)})")
    )
    connection.execute(
        text(
            "INSERT INTO layer_feature_parts (version_id, feature_id, geom) "
            "SELECT feature.version_id, feature.id, part.geom "
            "FROM layer_features AS feature, "
            "LATERAL ST_Subdivide(feature.geom, :parts) AS piece, LATERAL ST_Dump(piece) AS part "
            "WHERE feature.version_id = :version AND feature.subdivided AND ST_Dimension(part.geom) = 2"
        ),
        {"version": version_id, "parts": SUBDIVIDE_MAX_VERTICES},
    )
    connection.execute(text(f"ANALYZE {partition}"))


def _current_version_if_same(engine: Engine, name: str, kind: str, checksum: str) -> ImportReport | None:
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT l.id AS layer_id, v.id AS version_id, v.version, v.feature_count, v.source_crs, "
                "v.source_sha256 FROM layers l JOIN layer_versions v ON v.layer_id = l.id "
                "WHERE l.name = :name AND l.kind = :kind ORDER BY v.version DESC LIMIT 1"
            ),
            {"name": name, "kind": kind},
        ).one_or_none()
    if row is None or row.source_sha256 != checksum:
        return None
    return ImportReport(
        layer_id=row.layer_id,
        layer_name=name,
        kind=kind,
        version=row.version,
        version_id=row.version_id,
        feature_count=row.feature_count,
        source_crs=row.source_crs,
        seconds=0.0,
        reused=True,
    )
