"""Vector tiles on a real PostGIS: what a map client receives, and when its cached tiles stay valid."""

from __future__ import annotations

import json
import math
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from pyproj import Geod
from shapely.geometry import box, mapping
from sqlalchemy import Engine, text

from gis.tiles import tile_query, tile_settings
from layers.importer import ImportReport, import_layer
from layers.tiles import tile_cache

MVT = "application/vnd.mapbox-vector-tile"
KIND = "flood_risk"

# Test polygons near Xiamen island (WGS84): a 1 km block, a 300 m block beside it, and a 2 m × 2 m speck.
BLOCK = box(118.100, 24.480, 118.110, 24.489)
SMALL = box(118.112, 24.480, 118.115, 24.483)
SPECK = box(118.1300, 24.4800, 118.13002, 24.48002)
MOVED_BLOCK = box(118.300, 24.600, 118.310, 24.609)


# ---- a minimal Mapbox Vector Tile reader (protobuf wire format), to check tiles independently --------

def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    fields, at = [], 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 2:
            length, at = _varint(data, at)
            value, at = data[at:at + length], at + length
        elif wire == 5:
            value, at = int.from_bytes(data[at:at + 4], "little"), at + 4
        elif wire == 1:
            value, at = int.from_bytes(data[at:at + 8], "little"), at + 8
        else:
            raise ValueError(f"unexpected wire type {wire}")
        fields.append((number, value))
    return fields


def _packed(data: bytes) -> list[int]:
    values, at = [], 0
    while at < len(data):
        value, at = _varint(data, at)
        values.append(value)
    return values


def _value(data: bytes) -> Any:
    import struct

    number, raw = _fields(data)[0]
    if number == 1:
        return raw.decode()
    if number == 2:
        return struct.unpack("<f", raw.to_bytes(4, "little"))[0]
    if number == 3:
        return struct.unpack("<d", raw.to_bytes(8, "little"))[0]
    if number == 6:
        return (raw >> 1) ^ -(raw & 1)
    return raw


def decode_mvt(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """Layer name -> features, each with its id, properties and geometry command count."""
    layers: dict[str, list[dict[str, Any]]] = {}
    for number, layer_bytes in _fields(data):
        assert number == 3, "an MVT holds layers only"
        fields = _fields(layer_bytes)
        name = next(value.decode() for n, value in fields if n == 1)
        keys = [value.decode() for n, value in fields if n == 3]
        values = [_value(value) for n, value in fields if n == 4]
        features = []
        for n, feature_bytes in fields:
            if n != 2:
                continue
            feature = dict(_fields(feature_bytes))
            tags = _packed(feature.get(2, b""))
            features.append({
                "id": feature.get(1),
                "type": feature.get(3),
                "properties": {keys[tags[i]]: values[tags[i + 1]] for i in range(0, len(tags), 2)},
                "geometry_length": len(_packed(feature[4])),
            })
        layers[name] = features
    return layers


# ---- fixtures ---------------------------------------------------------------------------------------

def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The XYZ tile holding a WGS84 point."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def write_layer(path: Path, shapes: dict[str, Any]) -> Path:
    features = [{"type": "Feature", "properties": {"name": name, "risk_level": "high", "return_period_years": 50,
                                                   "surveyor": "水利局"},
                 "geometry": mapping(shape)} for name, shape in shapes.items()]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def import_shapes(tmp_path: Path, engine: Engine, name: str, shapes: dict[str, Any]) -> ImportReport:
    source = write_layer(tmp_path / f"{uuid.uuid4().hex}.geojson", shapes)
    return import_layer(source, KIND, crs="EPSG:4326", name=name, engine=engine)


@pytest.fixture
def layer(tmp_path: Path, engine: Engine) -> ImportReport:
    """A fresh layer (its own name) holding the block, the small block and the speck."""
    return import_shapes(tmp_path, engine, f"tiles-{uuid.uuid4().hex[:8]}",
                         {"block": BLOCK, "small": SMALL, "speck": SPECK})


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch):
    """Each test sees the default limits (or its own) and an empty tile cache."""
    tile_settings.cache_clear()
    tile_cache.clear()
    yield monkeypatch
    tile_settings.cache_clear()
    tile_cache.clear()


def get_tile(client, layer: int | str, z: int, x: int, y: int, **kwargs: Any):
    return client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf", **kwargs)


# ---- what the map receives --------------------------------------------------------------------------

def test_a_tile_holds_the_features_in_view_with_their_attributes_and_true_area(client, layer):
    z, x, y = tile_of(118.105, 24.485, 15)
    response = get_tile(client, layer.layer_id, z, x, y)
    assert response.status_code == 200
    assert response.headers["content-type"] == MVT
    features = decode_mvt(response.content)[KIND]  # one MVT layer, named after the layer kind
    by_name = {feature["properties"]["name"]: feature for feature in features}
    assert set(by_name) == {"block", "small"}  # the speck is 2 m wide: below a pixel at z15
    block = by_name["block"]
    assert block["type"] == 3 and block["geometry_length"] >= 9  # a polygon: MoveTo, LineTo×3, ClosePath
    assert block["properties"]["risk_level"] == "high"
    # the true ground area (~1 km², ellipsoidal), not square degrees
    assert block["properties"]["area_m2"] == pytest.approx(abs(Geod(ellps="WGS84").geometry_area_perimeter(BLOCK)[0]),
                                                           rel=1e-4)


def test_zoomed_out_tiles_carry_what_a_feature_is_and_close_ones_every_attribute(client, layer):
    far = decode_mvt(get_tile(client, layer.layer_id, *tile_of(118.105, 24.485, 12)).content)[KIND][0]
    near = decode_mvt(get_tile(client, layer.layer_id, *tile_of(118.105, 24.485, 15)).content)[KIND][0]
    # From z12 on, the name and the planning attributes of the kind (flood risk level, return period).
    assert set(far["properties"]) == {"name", "risk_level", "return_period_years"}
    assert set(near["properties"]) == {"name", "risk_level", "return_period_years", "surveyor", "area_m2"}


def test_tiles_travel_gzip_compressed_to_clients_that_take_it_and_plain_to_others(client, layer):
    z, x, y = tile_of(118.105, 24.485, 15)
    compressed = get_tile(client, layer.layer_id, z, x, y, headers={"Accept-Encoding": "gzip"})
    plain = get_tile(client, layer.layer_id, z, x, y, headers={"Accept-Encoding": "identity"})
    assert compressed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert compressed.headers["vary"] == "Accept-Encoding" and compressed.headers["etag"] == plain.headers["etag"]
    assert compressed.content == plain.content and decode_mvt(plain.content)[KIND]


def test_a_tile_with_nothing_in_it_is_204_no_content(client, layer):
    z, x, y = tile_of(119.5, 26.0, 14)
    response = get_tile(client, layer.layer_id, z, x, y)
    assert response.status_code == 204 and response.content == b""
    assert response.headers["etag"]


def test_features_smaller_than_a_pixel_are_left_out_until_they_are_big_enough_to_see(client, layer):
    far = get_tile(client, layer.layer_id, *tile_of(118.13001, 24.48001, 12))
    near = get_tile(client, layer.layer_id, *tile_of(118.13001, 24.48001, 20))
    assert "speck" not in {f["properties"]["name"] for f in decode_mvt(far.content).get(KIND, [])}
    assert [f["properties"]["name"] for f in decode_mvt(near.content)[KIND]] == ["speck"]


def test_the_feature_limit_per_tile_keeps_the_largest(client, layer, fresh_settings):
    fresh_settings.setenv("BLUEPRINT_TILE_MAX_FEATURES", "1")
    tile_settings.cache_clear()
    response = get_tile(client, layer.layer_id, *tile_of(118.105, 24.485, 13))
    assert [f["properties"]["name"] for f in decode_mvt(response.content)[KIND]] == ["block"]


def test_the_tile_query_filters_the_stored_column_through_its_spatial_index(engine, layer):
    z, x, y = tile_of(118.105, 24.485, 14)
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(connection.execute(text(f"EXPLAIN {tile_query().text}"), {
            "z": z, "x": x, "y": y, "version_ids": [layer.version_id], "min_area_m2": 0.0, "max_features": 100,
            "simplify_deg": 0.0, "layer_name": KIND}).scalars())
    # Only a filter on the untransformed column can use the GiST index; ST_Transform(geom) could not.
    assert re.search(r"Index Cond: \(geom && ", plan), plan


# ---- caching: ETag and Cache-Control keyed to the layer version -------------------------------------

def test_a_client_revalidates_with_the_etag_and_a_new_version_is_never_served_stale(client, engine, tmp_path, layer):
    z, x, y = tile_of(118.105, 24.485, 14)
    first = get_tile(client, layer.layer_id, z, x, y)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"  # current version: keep, but always revalidate
    unchanged = get_tile(client, layer.layer_id, z, x, y, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""

    # A new import moves the block away: the same URL now answers with a new ETag and the new content.
    import_shapes(tmp_path, engine, layer.layer_name, {"block": MOVED_BLOCK})
    after = get_tile(client, layer.layer_id, z, x, y, headers={"If-None-Match": etag})
    assert after.status_code == 204 and after.headers["etag"] != etag
    moved = get_tile(client, layer.layer_id, *tile_of(118.305, 24.605, 14))
    assert [f["properties"]["name"] for f in decode_mvt(moved.content)[KIND]] == ["block"]

    # The old version stays addressable, and a pinned version never changes: cache it for good.
    pinned = get_tile(client, layer.layer_id, z, x, y, params={"v": 1})
    assert pinned.status_code == 200 and "immutable" in pinned.headers["cache-control"]
    assert {f["properties"]["name"] for f in decode_mvt(pinned.content)[KIND]} == {"block", "small"}


def test_a_kind_slug_means_the_newest_layer_of_that_kind(client, engine, tmp_path):
    newest = import_shapes(tmp_path, engine, f"tiles-kind-{uuid.uuid4().hex[:8]}", {"block": BLOCK})
    by_kind = get_tile(client, KIND, *tile_of(118.105, 24.485, 14))
    by_id = get_tile(client, newest.layer_id, *tile_of(118.105, 24.485, 14))
    assert by_kind.status_code == 200 and by_kind.headers["etag"] == by_id.headers["etag"]
    assert by_kind.content == by_id.content


# ---- refusals -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "status", "slug"), [
    ("{layer}/25/0/0.pbf", 400, "invalid-tile"),
    ("{layer}/3/8/0.pbf", 400, "invalid-tile"),
    ("{layer}/3/0/-1.pbf", 400, "invalid-tile"),
    ("{layer}/3/x/0.pbf", 422, "invalid-request"),
    ("999999/3/0/0.pbf", 404, "not-found"),
    ("99999999999999999999/3/0/0.pbf", 404, "not-found"),
    ("{layer}/3/0/0.pbf?v=99999999999", 422, "invalid-request"),
    ("no_such_kind/3/0/0.pbf", 404, "not-found"),
    ("{layer}/3/0/0.pbf?v=99", 404, "not-found"),
])
def test_a_wrong_tile_address_is_a_problem_saying_what_is_wrong(client, layer, path, status, slug):
    response = client.get("/tiles/" + path.format(layer=layer.layer_id))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == f"/problems/{slug}" and problem["detail"]


def test_a_tile_that_takes_too_long_is_cut_off_by_the_statement_timeout(client, engine, layer, fresh_settings,
                                                                        features_held):
    fresh_settings.setenv("BLUEPRINT_TILE_TIMEOUT_MS", "300")
    tile_settings.cache_clear()
    with features_held():  # a long write elsewhere (e.g. an import) holds the features table
        response = get_tile(client, layer.layer_id, *tile_of(118.105, 24.485, 15))
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/tile-timeout" and response.headers["retry-after"]
    with engine.connect() as connection:  # SET LOCAL: the pooled connections keep the platform's timeout
        assert connection.execute(text("SHOW statement_timeout")).scalar_one() != "300ms"
