"""Import planning layers from GeoJSON, GeoPackage and Shapefile (also zipped) into a new layer version.

The file is read through GDAL's Arrow stream (:mod:`layers.source`) and taken in slices of
``CHUNK_FEATURES``. Each slice is validated in the input CRS (so a reported location can be found in the
source file), checked against the CRS's area of use, transformed to WGS84, measured (true ellipsoidal m²)
and handed to a COPY into a new partition of ``layer_features``, which the database parses while the next
slice is prepared. The partition is indexed once and attached at the end, and features of many vertices are
cut into ``layer_feature_parts``. It is all one transaction: a rejected import writes nothing, and its
report lists every invalid feature, not just the first.

Before any of it, the attributes the layer kind's rules read are checked and normalised column by column
(:mod:`layers.attributes`). Imports run one at a time (a transaction-level advisory lock taken before the
DDL): two partitions attached at once deadlock in PostgreSQL.

The server's database role owns nothing and may run no DDL: the partition is created, and later indexed and
attached, by the owner's ``SECURITY DEFINER`` functions ``layer_partition_create`` and
``layer_partition_attach`` (migration 0005), which take a version id and nothing else. Every import is
recorded in the audit trail with the file's SHA-256, its feature count and the new version.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from numpy.typing import NDArray
from psycopg.copy import QueuedLibpqWriter
from psycopg.errors import LockNotAvailable, QueryCanceled
from shapely.errors import GEOSException
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from gis import audit
from gis.area import ellipsoidal_areas_m2
from gis.crs import WGS84, InputCrs, to_wgs84_checked
from gis.db import get_engine
from gis.errors import SpatialInputError
from gis.geometry import GeometryIssue, validate_polygons
from gis.messages import Clauses, Message, Text, english_only, phrases, stored_name
from layers.attributes import AttributeRejectedError, Normalisation, check_attributes
from layers.catalogue import layer_kind
from layers.source import LayerFile, MalformedFileError, read_layer_file

__all__ = ["AttributeRejectedError", "ImportBusyError", "ImportRejectedError", "ImportReport", "MalformedFileError",
           "file_sha256", "import_layer"]

SUBDIVIDE_MAX_VERTICES = 256
"""Vertex budget of each ``ST_Subdivide`` part: small enough that an overlay touches few vertices."""

CHUNK_FEATURES = 10_000
"""Features prepared and sent per slice: small enough to overlap with the database, large for numpy."""

PREPARE_THREADS = 2
"""Threads preparing slices while the database parses the previous ones."""

IMPORT_WAIT_SECONDS = 120
"""How long an import waits for the one before it to finish; then it is refused as busy."""

_IMPORT_LOCK = 0x6C61796572  # the advisory lock key of layer imports ("layer")

_Result = TypeVar("_Result")

# ISO WKB header of a little-endian 2D MultiPolygon, the stored type: such input is stored as read.
_MULTIPOLYGON_WKB_HEADER = b"\x01\x06\x00\x00\x00"

# COPY's binary format (PostgreSQL docs, "COPY", binary file format): a signature, then per row the field
# count and each field as a length and its bytes, then -1. The partition's columns in COPY order:
_COPY_COLUMNS = "(version_id, feature_index, subdivided, area_m2, properties, geom)"
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
_COPY_TRAILER = b"\xff\xff"
# Everything of a row up to its properties' text, all of fixed size (network byte order).
_ROW_HEAD = np.dtype([
    ("fields", ">i2"),
    ("version_id_size", ">i4"), ("version_id", ">i4"),
    ("feature_index_size", ">i4"), ("feature_index", ">i4"),
    ("subdivided_size", ">i4"), ("subdivided", "u1"),
    ("area_m2_size", ">i4"), ("area_m2", ">f8"),
    ("properties_size", ">i4"), ("jsonb_version", "u1"),
])


phrases(
    "import",
    busy=Text("另一图层导入已运行超过{seconds}秒；导入逐个进行。本次未导入任何内容，请待其完成后重试。",
              "Another layer import has been running for over {seconds} s; imports run one at a time. Nothing "
              "was imported: try again when it has finished."),
    feature=Text("第{index}个要素：{reason}", "feature {index}: {reason}"),
    more=Text("；另有{count}个", "; and {count} more"),
    rejected=Text("{source}中有{count}个要素不是有效的面，因此未导入任何内容：{shown}{more}。请在源数据中修正，"
                  "或以 --repair 导入，由平台修复。",
                  "{count} feature(s) of {source} are not valid polygons, so nothing was imported: {shown}{more}. "
                  "Fix them in the source, or import with --repair to let the platform repair them."),
    kind_mismatch=Text("图层“{name}”的类型为“{kind}”，不是“{wanted}”；请另选名称（--name）。",
                       "Layer {name!r} is of kind {kind!r}, not {wanted!r}; choose another --name."),
    empty=Text("{file}中没有任何要素。", "{file} has no features."),
    unreadable=Text("无法读取该几何", "the geometry cannot be read"),
    unreadable_because=Text("无法读取该几何{said}", "the geometry cannot be read ({said})"),
)


class ImportBusyError(RuntimeError):
    """Another import held the import lock for longer than ``IMPORT_WAIT_SECONDS``. Nothing was written."""

    retry_after_seconds = 30

    def __init__(self) -> None:
        super().__init__(Message("import.busy", seconds=IMPORT_WAIT_SECONDS))


class ImportRejectedError(SpatialInputError):
    """Some features are not acceptable; the report lists each one. Nothing was written."""

    def __init__(self, issues: list[GeometryIssue], source: str) -> None:
        shown = Clauses(Message("import.feature", index=issue.index, reason=issue.reason) for issue in issues[:10])
        more = Message("import.more", count=len(issues) - 10) if len(issues) > 10 else ""
        super().__init__(
            "invalid-features",
            Message("import.rejected", count=len(issues), source=source, shown=shown, more=more),
            location=issues[0].location,
            extra={"issues": [issue.to_dict() for issue in issues]},
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
    normalised: list[Normalisation] = field(default_factory=list)
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
            "normalised": [change.to_dict() for change in self.normalised],
            "reused": self.reused,
        }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    actor: str = "command line",
    actor_id: int | None = None,
) -> ImportReport:
    """Import ``path`` as a new version of layer ``name`` (default: the file's stem) of ``kind``.

    ``crs`` names the coordinates' CRS (any EPSG code, or ``GCJ02``); it overrides what the file says.
    With ``skip_if_unchanged`` an identical file already imported as the current version is reused.
    ``progress`` is called with the number of features written after each slice. ``actor`` (and the
    account's ``actor_id``) names who imports, in the audit trail.
    """
    started = time.perf_counter()
    attributes = layer_kind(kind).attributes
    engine = engine or get_engine()
    layer_name = name or path.stem
    checksum = file_sha256(path) if path.exists() else ""

    if skip_if_unchanged:
        reused = _current_version_if_same(engine, layer_name, kind, checksum)
        if reused is not None:
            return reused

    layer_file = read_layer_file(path)
    input_crs = layer_file.resolve_crs(crs)
    if len(layer_file) == 0:
        raise SpatialInputError("empty-file", Message("import.empty", file=path.name))
    layer_file, normalised = check_attributes(layer_file, attributes, kind)

    with engine.begin() as connection:
        _wait_for_other_imports(connection)
        layer_id = _lock_layer(connection, layer_name, kind)
        version, version_id = _new_version(connection, layer_id, layer_file, input_crs, checksum)
        loaded = _load_partition(connection, version_id, layer_file, input_crs, repair, progress)
        connection.execute(
            text("UPDATE layer_versions SET repaired_count = :repaired, "
                 "extent = ST_MakeEnvelope(:west, :south, :east, :north, 4326) WHERE id = :id"),
            {"id": version_id, "repaired": len(loaded.repaired), "west": loaded.extent[0],
             "south": loaded.extent[1], "east": loaded.extent[2], "north": loaded.extent[3]},
        )
        # Every later screening depends on this version: who loaded which file is part of the record.
        audit.append(connection, actor=actor, actor_id=actor_id, action="layer_import", after={
            "layer_id": layer_id, "layer": layer_name, "kind": kind, "version": version, "source": layer_file.name,
            "source_sha256": checksum, "feature_count": len(layer_file), "repaired_count": len(loaded.repaired),
            "source_crs": input_crs.label})

    return ImportReport(
        layer_id=layer_id,
        layer_name=layer_name,
        kind=kind,
        version=version,
        version_id=version_id,
        feature_count=len(layer_file),
        source_crs=input_crs.label,
        seconds=time.perf_counter() - started,
        repaired=loaded.repaired,
        normalised=normalised,
    )


def _wait_for_other_imports(connection: Connection) -> None:
    """Hold the import lock until this transaction ends, waiting at most ``IMPORT_WAIT_SECONDS`` for it.

    Two imports creating and attaching partitions of ``layer_features`` at once deadlock; one after the
    other they cannot. Raises :class:`ImportBusyError` when the wait is over.
    """
    settings = "SELECT set_config('lock_timeout', :lock, true), set_config('statement_timeout', :statement, true)"
    before = connection.execute(text("SELECT current_setting('lock_timeout') AS lock, "
                                     "current_setting('statement_timeout') AS statement")).one()
    wait = f"{IMPORT_WAIT_SECONDS}s"
    connection.execute(text(settings), {"lock": wait, "statement": wait})
    try:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _IMPORT_LOCK})
    except OperationalError as error:
        if isinstance(error.orig, LockNotAvailable | QueryCanceled):
            raise ImportBusyError() from None
        raise
    connection.execute(text(settings), {"lock": before.lock, "statement": before.statement})


def _lock_layer(connection: Connection, layer_name: str, kind: str) -> int:
    """The id of layer ``layer_name``, created if new and locked until the import commits."""
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
            Message("import.kind_mismatch", name=stored_name(layer_name), kind=layer.kind, wanted=kind))
    return int(layer.id)


def _new_version(
    connection: Connection, layer_id: int, layer_file: LayerFile, input_crs: InputCrs, checksum: str
) -> tuple[int, int]:
    """The next version number of the layer and the id of its new ``layer_versions`` row."""
    version = connection.execute(
        text("SELECT coalesce(max(version), 0) + 1 FROM layer_versions WHERE layer_id = :id"), {"id": layer_id}
    ).scalar_one()
    version_id = connection.execute(
        text(
            "INSERT INTO layer_versions (layer_id, version, source_name, source_crs, source_sha256, "
            "feature_count) VALUES (:layer, :version, :source, :crs, :sha, :count) RETURNING id"
        ),
        {"layer": layer_id, "version": version, "source": layer_file.name, "crs": input_crs.label,
         "sha": checksum, "count": len(layer_file)},
    ).scalar_one()
    return int(version), int(version_id)


@dataclass
class _Loaded:
    """What loading a partition found: the repaired features and the WGS84 extent (west, south, east, north)."""

    repaired: list[GeometryIssue]
    extent: tuple[float, float, float, float]


def _load_partition(
    connection: Connection,
    version_id: int,
    layer_file: LayerFile,
    input_crs: InputCrs,
    repair: bool,
    progress: Callable[[int], None] | None,
) -> _Loaded:
    """Load a version into a partition of its own: COPY slice by slice, one GiST build, then attach it.

    Filling a fresh table and indexing it once is far cheaper than growing the shared index row by row.
    Slices are prepared by ``PREPARE_THREADS`` threads a few ahead of the COPY (GEOS and Arrow release the
    GIL). Once a slice has an invalid feature nothing more is sent, but the remaining slices are still
    validated so that the rejection lists every invalid feature.
    """
    partition = connection.execute(text("SELECT layer_partition_create(:v)"), {"v": version_id}).scalar_one()
    issues: list[GeometryIssue] = []
    repaired: list[GeometryIssue] = []
    extents: list[NDArray[np.float64]] = []
    cursor = connection.connection.driver_connection.cursor()
    subdivided = 0
    # FREEZE: the table is new in this transaction, so its rows need no later visibility bookkeeping.
    statement = f"COPY {partition} {_COPY_COLUMNS} FROM STDIN WITH (FORMAT binary, FREEZE)"
    slices = [
        partial(_prepare_slice, layer_file, start, min(start + CHUNK_FEATURES, len(layer_file)), input_crs,
                repair, version_id)
        for start in range(0, len(layer_file), CHUNK_FEATURES)
    ]
    with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
        copy.write(_COPY_SIGNATURE)
        for prepared in _in_order(slices, PREPARE_THREADS):
            issues += prepared.issues
            if issues:
                continue
            copy.write(prepared.rows)
            subdivided += prepared.subdivided
            repaired += prepared.repaired
            extents.append(prepared.extent)
            if progress:
                progress(prepared.count)
        if issues:
            raise ImportRejectedError(issues, layer_file.name)
        copy.write(_COPY_TRAILER)
    # Indexed once, attached (read-only for the server from then on) and analysed, as the owner.
    connection.execute(text("SELECT layer_partition_attach(:v)"), {"v": version_id})
    if subdivided:
        _insert_parts(connection, version_id)
    corners = np.array(extents)
    west, south = (float(value) for value in corners[:, :2].min(axis=0))
    east, north = (float(value) for value in corners[:, 2:].max(axis=0))
    return _Loaded(repaired, (west, south, east, north))


def _in_order(tasks: list[Callable[[], _Result]], threads: int) -> Iterator[_Result]:
    """The results of ``tasks`` in order, computed by ``threads`` threads at most ``threads`` tasks ahead."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="import") as pool:
        pending: deque[Future[_Result]] = deque()
        try:
            for task in tasks:
                pending.append(pool.submit(task))
                if len(pending) > threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _insert_parts(connection: Connection, version_id: int) -> None:
    """Cut the version's features of many vertices into ``ST_Subdivide`` parts."""
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


@dataclass
class _Slice:
    """One slice of features: its COPY rows (binary format), or the issues that keep it out."""

    count: int = 0
    rows: bytes = b""
    subdivided: int = 0
    issues: list[GeometryIssue] = field(default_factory=list)
    repaired: list[GeometryIssue] = field(default_factory=list)
    extent: NDArray[np.float64] = field(default_factory=lambda: np.full(4, np.nan))


def _prepare_slice(
    layer_file: LayerFile,
    start: int,
    stop: int,
    input_crs: InputCrs,
    repair: bool,
    version_id: int,
) -> _Slice:
    """Validate features ``start`` to ``stop`` and, when all are valid, format them as COPY rows.

    Raises SpatialInputError for coordinates outside the CRS's area of use (feature indexes in the file).
    """
    wkb_column = layer_file.wkb(start, stop)
    wkb = wkb_column.to_numpy(zero_copy_only=False)
    geometries = shapely.from_wkb(wkb, on_invalid="ignore")
    unreadable = {int(k) for k in np.flatnonzero(shapely.is_missing(geometries) & (wkb != None))}  # noqa: E711
    report = validate_polygons(geometries, repair=repair)
    issues = [_unreadable_issue(start + k, wkb[k]) for k in sorted(unreadable)]
    for issue in report.issues:
        if issue.index not in unreadable:
            issue.index = start + (issue.index or 0)
            issues.append(issue)
    if issues:
        return _Slice(issues=sorted(issues, key=lambda issue: issue.index or 0))
    for issue in report.repaired:
        issue.index = start + (issue.index or 0)

    wgs84 = to_wgs84_checked(report.geometries, input_crs, first_index=start)
    as_read = input_crs.label == WGS84 and not report.repaired and pc.all(
        pc.equal(pc.binary_slice(wkb_column, 0, len(_MULTIPOLYGON_WKB_HEADER)), _MULTIPOLYGON_WKB_HEADER)).as_py()
    # The partition's geometry(MultiPolygon, 4326) column gives SRID-less WKB its SRID.
    stored = wkb_column if as_read else pa.array(shapely.to_wkb(wgs84, output_dimension=2), pa.binary())
    stored = pc.cast(stored, pa.large_binary())
    properties = pc.cast(layer_file.properties_json(start, stop), pa.large_binary())
    head = np.zeros(stop - start, dtype=_ROW_HEAD)
    head["fields"] = 6
    head["version_id_size"] = head["feature_index_size"] = 4
    head["version_id"] = version_id
    head["feature_index"] = np.arange(start, stop)
    head["subdivided_size"] = 1
    head["subdivided"] = shapely.get_num_coordinates(wgs84) > SUBDIVIDE_MAX_VERTICES
    head["area_m2_size"] = 8
    head["area_m2"] = ellipsoidal_areas_m2(wgs84)
    head["properties_size"] = np.asarray(pc.binary_length(properties)) + 1
    head["jsonb_version"] = 1
    geometry_size = np.asarray(pc.binary_length(stored)).astype(">i4")
    # Arrow concatenates each row's pieces; the rows' bytes then lie back to back, ready for COPY.
    rows = pc.binary_join_element_wise(_fixed_size(head), properties, _fixed_size(geometry_size), stored,
                                       pa.scalar(b"", pa.large_binary()))
    return _Slice(count=stop - start, rows=_contiguous_bytes(rows), subdivided=int(head["subdivided"].sum()),
                  repaired=report.repaired, extent=shapely.total_bounds(wgs84))


def _fixed_size(values: NDArray[Any]) -> pa.Array:
    """Each element of ``values`` as its raw bytes, one binary value per element (no copy)."""
    offsets = np.arange(len(values) + 1, dtype=np.int64) * values.dtype.itemsize
    return pa.Array.from_buffers(pa.large_binary(), len(values), [None, pa.py_buffer(offsets),
                                                                  pa.py_buffer(values)])


def _contiguous_bytes(values: pa.Array | pa.ChunkedArray) -> bytes:
    """The bytes of all values of a binary array, concatenated."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    pieces = []
    for chunk in chunks:
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset:chunk.offset + len(chunk) + 1]
        pieces.append(chunk.buffers()[2][int(offsets[0]):int(offsets[-1])])
    return b"".join(pieces)


def _unreadable_issue(index: int, wkb: bytes) -> GeometryIssue:
    try:
        shapely.from_wkb(wkb)
        reason = Message("import.unreadable")
    except GEOSException as error:
        reason = Message("import.unreadable_because", said=english_only(str(error).split(": ", 1)[-1]))
    return GeometryIssue(index, reason)


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
