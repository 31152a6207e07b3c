"""The composite vector tile (every layer of a map in one MVT, one MVT layer per kind) and the TileJSON
documents, as a map client or QGIS receives them; decoded with mapbox-vector-tile, independently of PostGIS."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import pytest
from shapely.geometry import mapping
from sqlalchemy import Engine
from test_tiles import BLOCK, MOVED_BLOCK, SMALL, fresh_settings, tile_of  # noqa: F401  (fixture)

from gis.tiles import tile_settings
from layers.importer import ImportReport, import_layer

CENTRE = (118.105, 24.485)  # in the block


def import_kind(tmp_path: Path, engine: Engine, kind: str, shapes: dict[str, Any], properties: dict[str, Any],
                name: str | None = None) -> ImportReport:
    features = [{"type": "Feature", "properties": {"name": key, **properties, "surveyor": "规划院"},
                 "geometry": mapping(shape)} for key, shape in shapes.items()]
    source = tmp_path / f"{uuid.uuid4().hex}.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return import_layer(source, kind, crs="EPSG:4326", name=name or f"composite-{uuid.uuid4().hex[:8]}",
                        engine=engine)


@pytest.fixture
def farmland(tmp_path: Path, engine: Engine) -> ImportReport:
    return import_kind(tmp_path, engine, "basic_farmland", {"block": BLOCK}, {"grade": 3})


@pytest.fixture
def red_line(tmp_path: Path, engine: Engine) -> ImportReport:
    return import_kind(tmp_path, engine, "ecological_red_line", {"block": BLOCK, "small": SMALL},
                       {"category": "生物多样性维护"})


def composite(client, z: int, x: int, y: int, layers: str | None, **kwargs: Any):
    return client.get(f"/tiles/composite/{z}/{x}/{y}.pbf", params={"layers": layers} if layers else None, **kwargs)


def decode(response) -> dict[str, list[dict[str, Any]]]:
    return {name: layer["features"] for name, layer in mapbox_vector_tile.decode(response.content).items()}


def test_one_composite_tile_holds_each_layer_as_its_own_mvt_layer_in_draw_order(client, farmland, red_line):
    layers = f"{farmland.layer_id},{red_line.layer_id}"
    response = composite(client, *tile_of(*CENTRE, 15), layers, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert response.headers["content-encoding"] == "gzip"
    tile = mapbox_vector_tile.decode(response.content)
    assert list(tile) == ["basic_farmland", "ecological_red_line"]  # as asked: farmland drawn under the red line
    farm, red = tile["basic_farmland"]["features"], tile["ecological_red_line"]["features"]
    assert [f["properties"]["grade"] for f in farm] == [3]
    assert sorted(f["properties"]["name"] for f in red) == ["block", "small"]
    assert {f["properties"]["category"] for f in red} == {"生物多样性维护"}
    assert {f["geometry"]["type"] for f in farm + red} == {"Polygon"}
    assert len({f["id"] for f in farm + red}) == 3  # feature ids are unique across the layers
    assert {f["properties"]["layer_id"] for f in red} == {red_line.layer_id}
    # the same features as each layer's own tile
    own = mapbox_vector_tile.decode(client.get(f"/tiles/{red_line.layer_id}/{'/'.join(map(str, tile_of(*CENTRE, 15)))}"
                                               ".pbf").content)["ecological_red_line"]["features"]
    assert sorted(f["id"] for f in own) == sorted(f["id"] for f in red)


def test_from_zoom_12_tiles_carry_the_planning_attributes_and_from_15_every_attribute(client, farmland, red_line):
    layers = f"{farmland.layer_id},{red_line.layer_id}"
    far = decode(composite(client, *tile_of(*CENTRE, 12), layers))
    near = decode(composite(client, *tile_of(*CENTRE, 15), layers))
    assert set(far["basic_farmland"][0]["properties"]) == {"name", "grade", "layer_id"}  # 耕地质量等别 at z12
    assert set(far["ecological_red_line"][0]["properties"]) == {"name", "category", "layer_id"}  # 红线类型
    assert set(near["basic_farmland"][0]["properties"]) == {"name", "grade", "surveyor", "area_m2", "layer_id"}


def test_the_etag_is_made_of_the_versions_and_a_new_version_of_one_layer_changes_it(
        client, engine, tmp_path, farmland, red_line):
    layers = f"{farmland.layer_id},{red_line.layer_id}"
    z, x, y = tile_of(*CENTRE, 14)
    first = composite(client, z, x, y, layers)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    assert first.headers["x-layer-versions"] == (f"basic_farmland={farmland.layer_id}.1,"
                                                 f"ecological_red_line={red_line.layer_id}.1")
    again = composite(client, z, x, y, layers, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""

    # A new version of the farmland moves its block away: new ETag, and the tile no longer has it.
    import_kind(tmp_path, engine, "basic_farmland", {"block": MOVED_BLOCK}, {"grade": 3}, name=farmland.layer_name)
    after = composite(client, z, x, y, layers, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert list(decode(after)) == ["ecological_red_line"]

    # Pinned versions never change: cached for good, and the old farmland is still there.
    pinned = composite(client, z, x, y, f"{farmland.layer_id}:1,{red_line.layer_id}:1")
    assert "immutable" in pinned.headers["cache-control"] and pinned.headers["etag"] == etag
    assert list(decode(pinned)) == ["basic_farmland", "ecological_red_line"]


def test_a_composite_tile_with_nothing_in_it_is_204(client, farmland, red_line):
    response = composite(client, *tile_of(119.5, 26.0, 14), f"{farmland.layer_id},{red_line.layer_id}")
    assert response.status_code == 204 and response.content == b"" and response.headers["etag"]


def test_the_layers_of_one_kind_share_its_mvt_layer_each_feature_naming_its_layer(
        client, tmp_path, engine, red_line):
    other = import_kind(tmp_path, engine, "ecological_red_line", {"other": BLOCK}, {"category": "水源涵养"})
    tile = decode(composite(client, *tile_of(*CENTRE, 15), f"{red_line.layer_id},{other.layer_id}"))
    assert list(tile) == ["ecological_red_line"]
    layer_of = {f["properties"]["name"]: f["properties"]["layer_id"] for f in tile["ecological_red_line"]}
    assert layer_of == {"block": red_line.layer_id, "small": red_line.layer_id, "other": other.layer_id}


def test_without_a_list_the_composite_holds_every_current_layer_kinds_in_draw_order(client, farmland, red_line):
    response = composite(client, *tile_of(*CENTRE, 15), None)
    versions = response.headers["x-layer-versions"].split(",")
    assert f"basic_farmland={farmland.layer_id}.1" in versions
    assert f"ecological_red_line={red_line.layer_id}.1" in versions
    kinds = [entry.split("=")[0] for entry in versions]
    assert kinds.index("basic_farmland") < kinds.index("ecological_red_line")  # farmland is drawn under
    tile = decode(response)
    assert farmland.layer_id in {f["properties"]["layer_id"] for f in tile["basic_farmland"]}


@pytest.mark.parametrize(("layers", "status", "words"), [
    ("{farm},{farm}", 400, "more than once"),
    ("{farm},", 400, "empty entry"),
    ("{farm}:x", 400, "whole number"),
    ("{farm}:0", 400, "whole number"),
    ("999999", 404, "no layer 999999"),
    ("no_such_kind", 404, "neither a layer id nor a layer kind"),
    ("{farm}:99", 404, "version 99"),
    (",".join(["1"] * 201), 400, "at most 200"),
])
def test_a_wrong_layer_list_is_a_problem_saying_what_is_wrong(client, farmland, layers, status, words):
    response = composite(client, 14, 0, 0, layers.format(farm=farmland.layer_id))
    assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
    assert words in response.json()["detail"]


# ---- TileJSON -------------------------------------------------------------------------------------------

def test_a_layers_tilejson_names_its_tiles_bounds_zooms_and_typed_fields(client, farmland):
    document = client.get(f"/tiles/{farmland.layer_id}.json").json()
    assert document["tilejson"] == "3.0.0" and document["scheme"] == "xyz"
    assert document["tiles"] == [f"http://testserver/tiles/{farmland.layer_id}/{{z}}/{{x}}/{{y}}.pbf"]
    assert document["bounds"] == pytest.approx(list(BLOCK.bounds), abs=1e-6)
    assert document["minzoom"] == 0 and document["maxzoom"] >= 16
    (layer,) = document["vector_layers"]
    assert layer["id"] == "basic_farmland"
    assert layer["fields"] == {"name": "String", "grade": "Number", "area_m2": "Number"}
    pinned = client.get(f"/tiles/{farmland.layer_id}.json", params={"v": 1}).json()
    assert pinned["tiles"][0].endswith(".pbf?v=1")


def test_the_tilejson_of_a_kind_follows_its_current_layer_and_types_its_codes(client, tmp_path, engine):
    import_kind(tmp_path, engine, "water_source_protection", {"block": BLOCK}, {"tier": 1})
    document = client.get("/tiles/water_source_protection.json").json()
    assert document["tiles"] == ["http://testserver/tiles/water_source_protection/{z}/{x}/{y}.pbf"]
    assert document["vector_layers"][0]["fields"]["tier"] == "Number"  # 1 or 2
    land_use = client.get("/tiles/composite.json", params={"layers": "land_use"})
    if land_use.status_code == 200:  # the samples' land-use plan, when loaded
        assert land_use.json()["vector_layers"][0]["fields"]["landuse_code"] == "String"


def test_the_composite_tilejson_lists_every_layer_with_the_bounds_of_them_all(client, farmland, red_line):
    layers = f"{farmland.layer_id},{red_line.layer_id}"
    document = client.get("/tiles/composite.json", params={"layers": layers}).json()
    assert document["tiles"] == [f"http://testserver/tiles/composite/{{z}}/{{x}}/{{y}}.pbf?layers={layers}"]
    assert [layer["id"] for layer in document["vector_layers"]] == ["basic_farmland", "ecological_red_line"]
    west, south, east, north = document["bounds"]
    assert (west, south) == pytest.approx(BLOCK.bounds[:2], abs=1e-6)
    assert (east, north) == pytest.approx((SMALL.bounds[2], BLOCK.bounds[3]), abs=1e-6)
    assert document["vector_layers"][1]["fields"]["category"] == "String"
    assert document["vector_layers"][1]["fields"]["layer_id"] == "Number"
    every = client.get("/tiles/composite.json").json()
    assert every["tiles"] == ["http://testserver/tiles/composite/{z}/{x}/{y}.pbf"]
    assert {"basic_farmland", "ecological_red_line"} <= {layer["id"] for layer in every["vector_layers"]}


def test_a_tilejson_of_no_layer_is_404(client):
    assert client.get("/tiles/999999.json").status_code == 404
    assert client.get("/tiles/composite.json", params={"layers": "no_such_kind"}).status_code == 404


def test_what_the_public_may_not_see_stays_out_of_the_composite_tile(client, tmp_path, engine):
    parcels = import_kind(tmp_path, engine, "investment_parcel", {"block": BLOCK},
                          {"parcel_code": "XM-T-001", "acquisition_status": "done", "owner_phone": "13900000000"})
    tile = decode(composite(client, *tile_of(*CENTRE, 15), str(parcels.layer_id)))
    (parcel,) = tile["investment_parcel"]
    assert parcel["properties"]["parcel_code"] == "XM-T-001"
    assert "owner_phone" not in parcel["properties"] and "surveyor" not in parcel["properties"]  # not public fields


def test_a_composite_tile_that_takes_too_long_is_cut_off_by_the_statement_timeout(
        client, farmland, red_line, features_held, monkeypatch):
    monkeypatch.setenv("BLUEPRINT_TILE_TIMEOUT_MS", "300")
    tile_settings.cache_clear()
    with features_held():  # a long write elsewhere (e.g. an import) holds the features table
        response = composite(client, *tile_of(*CENTRE, 15), f"{farmland.layer_id},{red_line.layer_id}")
    tile_settings.cache_clear()
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/tile-timeout" and response.headers["retry-after"]
