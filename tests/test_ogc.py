"""OGC API – Features (Part 1: Core) as a GIS client such as QGIS walks it: landing page, conformance,
collections, items with bbox, limit and next links, single items; media types and links as the standard
requires."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from shapely.geometry import box, mapping, shape

from layers.importer import ImportReport, import_layer

JSON = "application/json"
GEOJSON = "application/geo+json"
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON_CLASS = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"

# A 5 × 4 grid of 500 m blocks on Xiamen island (WGS84); feature i is at column i % 5, row i // 5.
CELLS = [box(118.08 + 0.005 * (i % 5), 24.47 + 0.005 * (i // 5), 118.0845 + 0.005 * (i % 5), 24.4745 + 0.005 * (i // 5))
         for i in range(20)]


@pytest.fixture(scope="module")
def grid(engine, tmp_path_factory) -> ImportReport:
    path = Path(tmp_path_factory.mktemp("ogc")) / "grid.geojson"
    features = [{"type": "Feature", "properties": {"name": f"cell {i}", "landuse_code": "0701"},
                 "geometry": mapping(cell)} for i, cell in enumerate(CELLS)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return import_layer(path, "land_use", crs="EPSG:4326", name=f"ogc-grid-{uuid.uuid4().hex[:8]}", engine=engine)


def local(href: str) -> str:
    """A link's path and query, for the test client (links are absolute, as clients expect)."""
    parts = urlsplit(href)
    assert parts.scheme == "http" and parts.netloc == "testserver", href
    return parts.path + (f"?{parts.query}" if parts.query else "")


def rels(body: dict) -> dict[str, dict]:
    return {link["rel"]: link for link in body["links"]}


def get(client, path: str, media_type: str):
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    return response.json()


def test_the_landing_page_links_the_api_definition_the_conformance_and_the_data(client, grid):
    landing = get(client, "/ogc", JSON)
    links = rels(landing)
    assert {"self", "service-desc", "conformance", "data"} <= set(links) and landing["title"]
    assert links["self"]["type"] == JSON and links["data"]["type"] == JSON
    assert links["service-desc"]["type"].startswith("application/vnd.oai.openapi+json")
    assert client.get(local(links["service-desc"]["href"])).json()["paths"]["/ogc/collections/{collection_id}/items"]
    conformance = get(client, local(links["conformance"]["href"]), JSON)
    assert {CORE, GEOJSON_CLASS} <= set(conformance["conformsTo"])


def test_every_planning_layer_is_a_collection_with_its_extent_and_items_link(client, grid):
    collections = get(client, "/ogc/collections", JSON)
    assert rels(collections)["self"]["type"] == JSON
    mine = next(c for c in collections["collections"] if c["id"] == str(grid.layer_id))
    assert mine["title"] == grid.layer_name and "国土空间规划用地" in mine["description"]
    assert mine["extent"]["spatial"]["bbox"][0] == pytest.approx([118.08, 24.47, 118.1045, 24.4895])
    assert mine["extent"]["spatial"]["crs"].endswith("/CRS84")
    items = rels(mine)["items"]
    assert items["type"] == GEOJSON
    assert get(client, local(rels(mine)["self"]["href"]), JSON)["id"] == mine["id"]
    assert get(client, local(items["href"]), GEOJSON)["type"] == "FeatureCollection"


def test_items_page_on_with_next_links_until_every_feature_is_seen_once(client, grid):
    page = get(client, f"/ogc/collections/{grid.layer_id}/items?limit=6", GEOJSON)
    assert page["numberMatched"] == 20 and page["numberReturned"] == 6 and page["timeStamp"]
    assert rels(page)["self"]["type"] == GEOJSON and rels(page)["collection"]["type"] == JSON
    seen = []
    while True:
        seen += [feature["properties"]["name"] for feature in page["features"]]
        if "next" not in rels(page):
            break
        assert rels(page)["next"]["type"] == GEOJSON
        page = get(client, local(rels(page)["next"]["href"]), GEOJSON)
    assert sorted(seen) == sorted(f"cell {i}" for i in range(20))


def test_a_bbox_keeps_the_features_it_touches_and_carries_over_to_the_next_link(client, grid):
    west, south, east, north = 118.083, 24.473, 118.0895, 24.478  # two rows of two columns
    page = get(client, f"/ogc/collections/{grid.layer_id}/items?bbox={west},{south},{east},{north}&limit=3", GEOJSON)
    expected = {f"cell {i}" for i, cell in enumerate(CELLS) if cell.intersects(box(west, south, east, north))}
    assert page["numberMatched"] == len(expected) == 4
    assert "bbox=118.083,24.473,118.0895,24.478" in rels(page)["next"]["href"]
    rest = get(client, local(rels(page)["next"]["href"]), GEOJSON)
    names = {f["properties"]["name"] for f in page["features"] + rest["features"]}
    assert names == expected
    for feature in page["features"]:
        assert shape(feature["geometry"]).intersects(box(west, south, east, north))
    three_d = get(client, f"/ogc/collections/{grid.layer_id}/items?bbox={west},{south},0,{east},{north},100", GEOJSON)
    assert three_d["numberMatched"] == 4


def test_a_limit_above_the_maximum_is_lowered_not_refused(client, grid):
    page = get(client, f"/ogc/collections/{grid.layer_id}/items?limit=1000000", GEOJSON)
    assert page["numberReturned"] == 20


def test_one_item_has_its_self_and_collection_links(client, grid):
    first = get(client, f"/ogc/collections/{grid.layer_id}/items?limit=1", GEOJSON)["features"][0]
    item = get(client, f"/ogc/collections/{grid.layer_id}/items/{first['id']}", GEOJSON)
    assert item["type"] == "Feature" and item["id"] == first["id"] and item["geometry"] == first["geometry"]
    assert rels(item)["self"]["type"] == GEOJSON and rels(item)["collection"]["type"] == JSON
    assert local(rels(item)["collection"]["href"]) == f"/ogc/collections/{grid.layer_id}"


@pytest.mark.parametrize(("query", "parameter"), [
    ("limit=0", "limit"),
    ("limit=ten", "limit"),
    ("offset=-1", "offset"),
    (f"offset={10**30}", "offset"),
    ("bbox=118.1,24.5,118.0", "bbox"),
    ("bbox=200,24,201,25", "bbox"),
    ("colour=red", "colour"),
])
def test_an_invalid_parameter_is_a_400_problem_naming_it(client, grid, query, parameter):
    response = client.get(f"/ogc/collections/{grid.layer_id}/items?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["parameter"] == parameter


def test_unknown_collections_and_items_are_404_problems(client, grid, loaded_samples):
    assert client.get("/ogc/collections/no-such-layer").status_code == 404
    assert client.get("/ogc/collections/no-such-layer/items").status_code == 404
    assert client.get(f"/ogc/collections/{grid.layer_id}/items/abc").status_code == 404
    assert client.get(f"/ogc/collections/{grid.layer_id}/items/{10**30}").status_code == 404
    other = next(c for c in client.get("/ogc/collections").json()["collections"] if c["id"] != str(grid.layer_id))
    foreign = client.get(f"/ogc/collections/{other['id']}/items?limit=1").json()["features"][0]["id"]
    response = client.get(f"/ogc/collections/{grid.layer_id}/items/{foreign}")  # an item of another collection
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


def test_layer_features_by_bbox_are_served_as_geojson(client, grid):
    response = client.get(f"/api/v1/layers/{grid.layer_id}/features", params={"bbox": "118.081,24.471,118.084,24.474"})
    assert response.status_code == 200 and response.headers["content-type"] == GEOJSON
    assert response.json()["numberMatched"] == 1
