"""Reading layer and site files: GeoJSON, GeoPackage, Shapefile (also zipped), KML and DXF, through GDAL's
Arrow stream.

A file is read in one pass into an Arrow table: geometries stay WKB as GDAL wrote them, attributes stay
columns. The importer then takes the table in slices, so nothing is converted feature by feature before it
is needed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import pyproj

from gis.crs import InputCrs, parse_crs
from gis.errors import SpatialInputError
from gis.messages import Message, Text, english_only, phrases

# GDAL names the geometry column of formats that do not name it themselves (GeoJSON, Shapefile).
_DEFAULT_GEOMETRY_COLUMN = "wkb_geometry"


phrases(
    "file",
    malformed=Text("{source}不是可读取的GeoJSON、GeoPackage、Shapefile、KML或DXF文件：{reason}",
                   "{source} is not a readable GeoJSON, GeoPackage, Shapefile, KML or DXF file: {reason}"),
    missing=Text("文件不存在", "no such file"),
    gdal=Text("文件格式无法识别或内容已损坏{said}", "{said}"),
    no_geometry_column=Text("文件没有几何列", "it has no geometry column"),
)


class MalformedFileError(SpatialInputError):
    def __init__(self, source: str, reason: Message) -> None:
        super().__init__("malformed-file", Message("file.malformed", source=source, reason=reason))


@dataclass(frozen=True)
class LayerFile:
    """The features of one layer file, in the file's own CRS.

    ``declared_crs`` is what the file says (an authority code or WKT), None when it says nothing.
    """

    name: str
    table: pa.Table
    geometry_column: str
    declared_crs: str | None

    def __len__(self) -> int:
        return self.table.num_rows

    @property
    def attribute_names(self) -> list[str]:
        return [column for column in self.table.column_names if column != self.geometry_column]

    def wkb(self, start: int, stop: int) -> pa.ChunkedArray:
        """Features ``start`` to ``stop`` (exclusive) as WKB, null where a feature has no geometry."""
        return self.table.column(self.geometry_column).slice(start, stop - start)

    def properties_json(self, start: int, stop: int) -> pa.Array | pa.ChunkedArray:
        """Features ``start`` to ``stop`` (exclusive) as one JSON object each (text), in the file's column order.

        NaN and infinity become null, dates and times ISO 8601, binary values hex. Text, number and boolean
        columns are encoded column-wise by Arrow; other types value by value.
        """
        names = self.attribute_names
        if not names:
            return pa.array(["{}"] * (stop - start), pa.string())
        pieces: list[Any] = []
        for position, name in enumerate(names):
            pieces += ["{" if position == 0 else ",", orjson.dumps(name).decode() + ":"]
            pieces += _json_pieces(self.table.column(name).slice(start, stop - start))
        return pc.binary_join_element_wise(*pieces, "}", "")

    def resolve_crs(self, named: str | None) -> InputCrs:
        """The CRS the user named wins; else the one the file declares; else WGS84 (RFC 7946)."""
        if named:
            return parse_crs(named)
        if self.declared_crs is None:
            return parse_crs(None)
        declared = pyproj.CRS.from_user_input(self.declared_crs)
        # Shapefile .prj files carry ESRI WKT, which matches an EPSG code only with some tolerance.
        epsg = declared.to_epsg()
        return parse_crs(f"EPSG:{epsg}" if epsg else declared.to_wkt())


def _json_pieces(column: pa.ChunkedArray) -> list[Any]:
    """Pieces that, joined, give each value of ``column`` as JSON text (null for missing values)."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        # Most text needs no escaping at all: then the value goes in between quotes as it is.
        if column.null_count == 0 and not pc.any(pc.match_substring_regex(column, '["\\\\\\x00-\\x1f]')).as_py():
            return ['"', column, '"']
        # Control characters need \\u escapes; such rare columns go through orjson below.
        if not pc.any(pc.match_substring_regex(column, "[\\x00-\\x1f]")).as_py():
            escaped = pc.replace_substring(pc.replace_substring(column, "\\", "\\\\"), '"', '\\"')
            return [pc.fill_null(pc.binary_join_element_wise('"', escaped, '"', ""), "null")]
    elif pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return [pc.fill_null(pc.cast(column, pa.string()), "null")]
    elif pa.types.is_floating(kind):
        return [pc.fill_null(pc.if_else(pc.is_finite(column), pc.cast(column, pa.string()), "null"), "null")]
    return [pa.array([orjson.dumps(value, default=_json_default).decode() for value in column.to_pylist()],
                     pa.string())]


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def read_layer_file(path: Path) -> LayerFile:
    """Read a GeoJSON, GeoPackage, Shapefile, KML or DXF file (a ``.zip`` holding one is read in place).

    KML is WGS84 by definition; a DXF drawing declares no CRS, so its reader must name one.

    Raises MalformedFileError, naming the file and GDAL's reason, for anything GDAL cannot read.
    """
    if not path.exists():
        raise MalformedFileError(path.name, Message("file.missing"))
    source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        with warnings.catch_warnings():
            # GDAL reads unclosed rings and warns; validation then refuses them, naming the feature.
            warnings.filterwarnings("ignore", "Non closed ring detected", RuntimeWarning)
            meta, table = pyogrio.raw.read_arrow(source)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.GeometryError,
            pyogrio.errors.FieldError, pyogrio.errors.CRSError, ValueError, OSError) as error:
        said = english_only(str(error).splitlines()[0])
        raise MalformedFileError(path.name, Message("file.gdal", said=said)) from error
    geometry_column = meta.get("geometry_name") or _DEFAULT_GEOMETRY_COLUMN
    if geometry_column not in table.column_names:
        raise MalformedFileError(path.name, Message("file.no_geometry_column"))
    return LayerFile(path.name, table, geometry_column, meta.get("crs"))
