"""OGC API – Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS by reference) as a GIS client such
as QGIS walks it: landing page, API definition, conformance, collections by name, items with bbox, limit,
crs and next links, single items; media types, links and problems as the standards require."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from openapi_spec_validator import validate
from pyproj import Transformer
from shapely.geometry import Polygon, box, mapping, shape
from sqlalchemy import text

from gis.crs import served_crs
from layers import tilesets
from layers.importer import ImportReport, import_layer
from layers.store import BBox, items_query, list_layers, resolve_version

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html; charset=utf-8"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CONFORMANCE = {
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    *(f"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/{name}"
      for name in ("queryables", "queryables-query-parameters", "filter", "features-filter")),
    *(f"http://www.opengis.net/spec/cql2/1.0/conf/{name}"
      for name in ("cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators", "basic-spatial-functions",
                   "basic-spatial-functions-plus", "spatial-functions")),
    *tilesets.CONFORMANCE,  # OGC API – Tiles, served beside the features
}

# A 5 × 4 grid of 500 m blocks on Xiamen island (WGS84); feature i is at column i % 5, row i // 5. The rings are
# clockwise, as in many planning files; cell 0 has a (counter-clockwise) hole.
CELLS = [box(118.08 + 0.005 * (i % 5), 24.47 + 0.005 * (i // 5), 118.0845 + 0.005 * (i % 5), 24.4745 + 0.005 * (i // 5),
             ccw=False) for i in range(20)]
CELLS[0] = Polygon(CELLS[0].exterior.coords, [box(118.081, 24.471, 118.082, 24.472).exterior.coords])


def write_geojson(path: Path, geometries: list, **properties: str) -> Path:
    features = [{"type": "Feature", "properties": {"name": f"cell {i}", **properties}, "geometry": mapping(geometry)}
                for i, geometry in enumerate(geometries)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def slug_of(layer_id: int) -> str:
    return next(layer["slug"] for layer in list_layers() if layer["id"] == layer_id)


@pytest.fixture(scope="module")
def grid(engine, tmp_path_factory) -> ImportReport:
    path = write_geojson(Path(tmp_path_factory.mktemp("ogc")) / "grid.geojson", CELLS, landuse_code="0701")
    return import_layer(path, "land_use", crs="EPSG:4326", name=f"ogc-grid-{uuid.uuid4().hex[:8]}", engine=engine)


@pytest.fixture(scope="module")
def grid_id(grid) -> str:
    return slug_of(grid.layer_id)


@pytest.fixture(scope="module")
def two_versions(engine, tmp_path_factory) -> str:
    """A flood-risk layer whose version 1 has 3 cells and version 2 (current) the first 2 of them."""
    folder = Path(tmp_path_factory.mktemp("ogc-versions"))
    name = f"ogc-versions-{uuid.uuid4().hex[:8]}"
    import_layer(write_geojson(folder / "v1.geojson", CELLS[5:8]), "flood_risk", crs="EPSG:4326", name=name,
                 engine=engine)
    report = import_layer(write_geojson(folder / "v2.geojson", CELLS[5:7]), "flood_risk", crs="EPSG:4326",
                          name=name, engine=engine)
    assert report.version == 2
    return slug_of(report.layer_id)


def local(href: str) -> str:
    """A link's path and query, for the test client (links are absolute, as clients expect)."""
    parts = urlsplit(href)
    assert parts.scheme == "http" and parts.netloc == "testserver", href
    return parts.path + (f"?{parts.query}" if parts.query else "")


def rels(body: dict) -> dict[str, dict]:
    return {link["rel"]: link for link in body["links"]}


def get(client, path: str, media_type: str, **headers: str):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    return response.json() if "json" in media_type else response.text


def test_the_landing_page_links_an_openapi_30_definition_that_declares_the_items_parameters(client, grid):
    landing = get(client, "/ogc", JSON)
    links = rels(landing)
    assert {"self", "alternate", "service-desc", "conformance", "data"} <= set(links) and landing["title"]
    assert links["self"]["type"] == JSON and links["alternate"]["type"] == "text/html" and links["data"]["type"] == JSON
    service = next(link for link in landing["links"] if link["rel"] == "service-desc" and link["type"] == OPENAPI_30)
    response = client.get(local(service["href"]))
    assert response.headers["content-type"] == OPENAPI_30
    definition = response.json()
    validate(definition)  # a valid OpenAPI 3.0 document, which GDAL and OWSLib read
    assert definition["openapi"].startswith("3.0.")
    assert definition["servers"][0]["url"].endswith("/ogc")  # paths are relative to the API's root
    operation = definition["paths"]["/collections/{collection_id}/items"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert {"limit", "bbox", "bbox-crs", "crs", "datetime", "offset", "collection_id"} <= set(parameters)
    assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 5000, "default": 1000}
    assert parameters["bbox"]["schema"]["items"] == {"type": "number"} and parameters["bbox"]["explode"] is False
    assert f"{EPSG}4490" in parameters["crs"]["schema"]["enum"]
    assert client.get("/openapi.json").json()["paths"]["/ogc/collections/{collection_id}/items"]["get"]["parameters"]


def test_the_conformance_list_names_exactly_what_is_implemented(client):
    assert set(get(client, "/ogc/conformance", JSON)["conformsTo"]) == CONFORMANCE


def test_collections_are_named_by_layer_kind_with_their_crs_list_extent_and_items_links(client, grid, grid_id,
                                                                                       loaded_samples):
    collections = get(client, "/ogc/collections", JSON)
    assert rels(collections)["self"]["type"] == JSON
    ids = [c["id"] for c in collections["collections"]]
    assert {"land_use", "ecological_red_line", "basic_farmland", "investment_parcel"} <= set(ids)
    assert len(ids) == len(set(ids)) and not any(i.isdigit() for i in ids)
    assert re.fullmatch(r"land_use(_\d+)?", grid_id)
    mine = next(c for c in collections["collections"] if c["id"] == grid_id)
    assert mine["title"] == grid.layer_name and "国土空间规划用地" in mine["description"]
    assert mine["extent"]["spatial"]["bbox"][0] == pytest.approx([118.08, 24.47, 118.1045, 24.4895])
    assert mine["extent"]["spatial"]["crs"] == CRS84 and mine["storageCrs"] == CRS84
    assert mine["crs"][0] == CRS84 and {f"{EPSG}{code}" for code in (4326, 4490, 4548, 4527, 3857)} <= set(mine["crs"])
    items = next(link for link in mine["links"] if link["rel"] == "items" and link["type"] == GEOJSON)
    assert any(link["rel"] == "items" and link["type"] == "text/html" for link in mine["links"])
    assert get(client, local(rels(mine)["self"]["href"]), JSON)["id"] == grid_id
    assert get(client, local(items["href"]), GEOJSON)["numberMatched"] == 20
    tiles = next(link for link in mine["links"] if link["rel"] == tilesets.TILESETS_VECTOR)
    assert client.get(local(tiles["href"])).json()["tilesets"], "the collection leads to its vector tiles"


def test_an_old_numeric_collection_id_is_redirected_to_its_name(client, grid, grid_id):
    response = client.get(f"/ogc/collections/{grid.layer_id}/items?limit=2", follow_redirects=False)
    assert response.status_code == 308
    assert local(response.headers["location"]) == f"/ogc/collections/{grid_id}/items?limit=2"
    assert response.json()["collection"] == grid_id
    assert client.get(f"/ogc/collections/{grid.layer_id}/items?limit=2").json()["numberReturned"] == 2


def test_items_page_on_with_next_links_until_every_feature_is_seen_once(client, grid_id):
    page = get(client, f"/ogc/collections/{grid_id}/items?limit=6", GEOJSON)
    assert page["numberMatched"] == 20 and page["numberReturned"] == 6 and page["timeStamp"]
    assert rels(page)["self"]["type"] == GEOJSON and rels(page)["collection"]["type"] == JSON
    assert rels(page)["alternate"]["type"] == "text/html"
    seen = []
    while True:
        seen += [feature["properties"]["name"] for feature in page["features"]]
        if "next" not in rels(page):
            break
        assert rels(page)["next"]["type"] == GEOJSON
        page = get(client, local(rels(page)["next"]["href"]), GEOJSON)
    assert sorted(seen) == sorted(f"cell {i}" for i in range(20))


def test_exterior_rings_are_counter_clockwise_and_holes_clockwise_as_rfc_7946_requires(client, grid, grid_id):
    ogc = get(client, f"/ogc/collections/{grid_id}/items?limit=20", GEOJSON)["features"]
    api = get(client, f"/api/v1/layers/{grid.layer_id}/features", GEOJSON)["features"]
    one = get(client, f"/ogc/collections/{grid_id}/items/{ogc[0]['id']}", GEOJSON)
    for feature in [*ogc, *api, one]:
        for polygon in shape(feature["geometry"]).geoms:  # stored as multipolygons
            assert polygon.exterior.is_ccw, feature["properties"]["name"]
            assert not any(ring.is_ccw for ring in polygon.interiors)
    assert len(shape(one["geometry"]).geoms[0].interiors) == 1


def test_a_bbox_keeps_the_features_it_touches_and_carries_over_to_the_next_link(client, grid_id):
    west, south, east, north = 118.083, 24.473, 118.0895, 24.478  # two rows of two columns
    page = get(client, f"/ogc/collections/{grid_id}/items?bbox={west},{south},{east},{north}&limit=3", GEOJSON)
    expected = {f"cell {i}" for i, cell in enumerate(CELLS) if cell.intersects(box(west, south, east, north))}
    assert page["numberMatched"] == len(expected) == 4
    assert "bbox=118.083,24.473,118.0895,24.478" in rels(page)["next"]["href"]
    rest = get(client, local(rels(page)["next"]["href"]), GEOJSON)
    names = {f["properties"]["name"] for f in page["features"] + rest["features"]}
    assert names == expected
    for feature in page["features"]:
        assert shape(feature["geometry"]).intersects(box(west, south, east, north))
    three_d = get(client, f"/ogc/collections/{grid_id}/items?bbox={west},{south},0,{east},{north},100", GEOJSON)
    assert three_d["numberMatched"] == 4


def test_a_bbox_over_the_antimeridian_is_its_two_halves(client, grid_id):
    assert get(client, f"/ogc/collections/{grid_id}/items?bbox=170,24,119,25", GEOJSON)["numberMatched"] == 20
    assert get(client, f"/ogc/collections/{grid_id}/items?bbox=170,24,118.0845,25", GEOJSON)["numberMatched"] == 4
    assert get(client, f"/ogc/collections/{grid_id}/items?bbox=170,24,-170,25", GEOJSON)["numberMatched"] == 0


@pytest.mark.parametrize(("code", "northing_first"), [(4326, True), (4490, True), (4548, True), (4527, True),
                                                      (3857, False)])
def test_items_in_a_requested_crs_match_postgis_in_that_crs_axis_order(client, engine, grid, grid_id, code,
                                                                       northing_first):
    uri = f"{EPSG}{code}"
    response = client.get(f"/ogc/collections/{grid_id}/items", params={"crs": uri, "limit": 20})
    assert response.status_code == 200 and response.headers["content-crs"] == f"<{uri}>"
    served = {feature["id"]: feature["geometry"]["coordinates"][0][0] for feature in response.json()["features"]}
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT f.id, ST_AsGeoJSON(ST_Transform(ST_ForcePolygonCCW(f.geom), :srid), 9)::json AS g "
            "FROM layer_features f JOIN layer_versions v ON v.id = f.version_id WHERE v.layer_id = :layer"),
            {"srid": code, "layer": grid.layer_id}).all()
    assert len(rows) == len(served) == 20
    tolerance = 1e-6 if code in (4326, 4490) else 1e-3
    for row in rows:
        expected = [[y, x] if northing_first else [x, y] for x, y in row.g["coordinates"][0][0]]
        assert len(served[row.id]) == len(expected)
        for point, wanted in zip(served[row.id], expected, strict=True):
            assert point == pytest.approx(wanted, abs=tolerance)
    if code == 4527:  # the zone-39 prefix on the easting
        assert all(39_000_000 < point[1] < 40_000_000 for ring in served.values() for point in ring)
    one = client.get(f"/ogc/collections/{grid_id}/items/{rows[0].id}", params={"crs": f"EPSG:{code}"})
    assert one.headers["content-crs"] == f"<{uri}>"
    assert one.json()["geometry"]["coordinates"][0][0] == served[rows[0].id]


def test_items_in_crs84_are_lon_lat_and_say_so(client, grid_id):
    response = client.get(f"/ogc/collections/{grid_id}/items?limit=1")
    assert response.headers["content-crs"] == f"<{CRS84}>"
    lon, lat = response.json()["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 118 < lon < 119 and 24 < lat < 25


def test_a_bbox_in_another_crs_is_read_in_that_crs_axis_order(client, grid_id):
    west, south, east, north = 118.083, 24.473, 118.0895, 24.478
    to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
    (x0, x1), (y0, y1) = to_gk.transform([west, east], [south, north])
    queries = {
        f"{EPSG}4326": f"{south},{west},{north},{east}",
        f"{EPSG}4490": f"{south},{west},{north},{east}",
        f"{EPSG}4548": f"{min(y0, y1)},{min(x0, x1)},{max(y0, y1)},{max(x0, x1)}",
    }
    for bbox_crs, bbox in queries.items():
        page = get(client, f"/ogc/collections/{grid_id}/items?bbox={bbox}&bbox-crs={bbox_crs}", GEOJSON)
        assert page["numberMatched"] == 4, bbox_crs


def test_a_bbox_outside_its_crs_is_a_400_naming_the_crs_not_a_500(client, grid_id):
    for crs in (4527, 4548):
        response = client.get(f"/ogc/collections/{grid_id}/items?bbox=0,0,1,1&bbox-crs={EPSG}{crs}")
        assert response.status_code == 400, response.text
        assert "area of use" in response.json()["detail"]


def test_earlier_versions_are_served_with_version(client, two_versions):
    assert get(client, f"/ogc/collections/{two_versions}/items", GEOJSON)["numberMatched"] == 2
    old = get(client, f"/ogc/collections/{two_versions}/items?version=1", GEOJSON)
    assert old["numberMatched"] == 3 and "version=1" in rels(old)["self"]["href"]
    collection = get(client, f"/ogc/collections/{two_versions}?version=1", JSON)
    assert collection["version"] == 1
    assert all("version=1" in link["href"] for link in collection["links"] if link["rel"] == "items")
    assert get(client, f"/ogc/collections/{two_versions}", JSON)["version"] == 2
    missing = client.get(f"/ogc/collections/{two_versions}/items?version=3")
    assert missing.status_code == 404 and "1, 2" in missing.json()["detail"]


def test_a_limit_above_the_maximum_is_lowered_not_refused(client, grid_id):
    page = get(client, f"/ogc/collections/{grid_id}/items?limit=1000000", GEOJSON)
    assert page["numberReturned"] == 20


def test_one_item_has_its_self_and_collection_links(client, grid_id):
    first = get(client, f"/ogc/collections/{grid_id}/items?limit=1", GEOJSON)["features"][0]
    item = get(client, f"/ogc/collections/{grid_id}/items/{first['id']}", GEOJSON)
    assert item["type"] == "Feature" and item["id"] == first["id"] and item["geometry"] == first["geometry"]
    assert rels(item)["self"]["type"] == GEOJSON and rels(item)["collection"]["type"] == JSON
    assert local(rels(item)["collection"]["href"]) == f"/ogc/collections/{grid_id}"


@pytest.mark.parametrize(("query", "parameter"), [
    ("limit=0", "limit"),
    ("limit=ten", "limit"),
    ("offset=-1", "offset"),
    (f"offset={10**30}", "offset"),
    ("bbox=118.1,24.5,118.0", "bbox"),
    ("bbox=200,24,201,25", "bbox"),
    ("bbox=118,25,119,24", "bbox"),
    ("bbox=500000,2700000,400000,2800000&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857", "bbox"),
    ("colour=red", "colour"),
    ("crs=EPSG:9999", "crs"),
    ("crs=http://www.opengis.net/def/crs/EPSG/0/4547", "crs"),
    ("bbox=118,24,119,25&bbox-crs=EPSG:2000", "bbox-crs"),
    ("datetime=yesterday", "datetime"),
    ("datetime=2025-13-01T00:00:00Z", "datetime"),
    ("datetime=2025-06-30T00:00:00Z/2025-01-01T00:00:00Z", "datetime"),
    ("datetime=../..", "datetime"),
    ("f=xml", "f"),
])
def test_an_invalid_parameter_is_a_400_problem_naming_it(client, grid_id, query, parameter):
    response = client.get(f"/ogc/collections/{grid_id}/items?{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["parameter"] == parameter


def test_an_unknown_crs_is_refused_naming_the_supported_ones(client, grid_id):
    detail = client.get(f"/ogc/collections/{grid_id}/items?crs=EPSG:32650").json()["detail"]
    assert CRS84 in detail and f"{EPSG}4490" in detail and f"{EPSG}4548" in detail


@pytest.mark.parametrize("value", ["2025-06-30T08:00:00Z", "2025-06-30", "2025-01-01T00:00:00+08:00/..",
                                   "../2025-06-30T00:00:00Z", "2025-01-01/2025-12-31"])
def test_a_valid_datetime_is_accepted(client, grid_id, value):
    response = client.get(f"/ogc/collections/{grid_id}/items", params={"datetime": value})
    assert response.status_code == 200 and response.json()["numberMatched"] == 20


@pytest.mark.parametrize("path", ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/{id}",
                                  "/ogc/collections/{id}/items/1", "/ogc/api"])
def test_unknown_parameters_are_refused_on_every_ogc_resource(client, grid_id, path):
    response = client.get(path.format(id=grid_id) + "?service=WFS")
    assert response.status_code == 400 and response.json()["parameter"] == "service"


@pytest.mark.parametrize(("path", "media_type"), [("/ogc", JSON), ("/ogc/collections", JSON),
                                                  ("/ogc/collections/{id}/items?limit=2", GEOJSON)])
def test_head_is_answered_like_get_without_a_body(client, grid_id, path, media_type):
    response = client.head(path.format(id=grid_id))
    assert response.status_code == 200 and response.headers["content-type"] == media_type
    assert response.content == b""


def test_unknown_collections_and_items_are_404_problems(client, grid, grid_id, loaded_samples):
    missing = client.get("/ogc/collections/no-such-layer")
    assert missing.status_code == 404 and "land_use" in missing.json()["detail"]
    assert client.get("/ogc/collections/no-such-layer/items").status_code == 404
    assert client.get("/ogc/collections/999999/items").status_code == 404
    assert client.get(f"/ogc/collections/{grid_id}/items/abc").status_code == 404
    assert client.get(f"/ogc/collections/{grid_id}/items/{10**30}").status_code == 404
    other = next(c for c in client.get("/ogc/collections").json()["collections"] if c["id"] != grid_id)
    foreign = client.get(f"/ogc/collections/{other['id']}/items?limit=1").json()["features"][0]["id"]
    response = client.get(f"/ogc/collections/{grid_id}/items/{foreign}")  # an item of another collection
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


def _local_assets_only(page: str) -> None:
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith(("/", "http://testserver/", "#")), url


def test_every_ogc_resource_has_an_html_page_linking_its_json(client, grid_id):
    chinese = {"Accept-Language": "zh"}  # the test client asks for English otherwise
    landing = get(client, "/ogc?f=html", HTML, **chinese)
    assert "OGC API 要素服务" in landing and "/ogc/collections?f=html" in landing
    assert f'href="http://testserver/ogc?f=json" type="{JSON}"' in landing
    english = get(client, "/ogc?f=html&lang=en", HTML)
    assert "OGC API – Features" in english and "要素服务" not in english
    listing = get(client, "/ogc/collections?f=html", HTML, **chinese)
    assert f"/ogc/collections/{grid_id}?f=html" in listing and "国土空间规划用地" in listing
    collection = get(client, f"/ogc/collections/{grid_id}?f=html", HTML)
    assert f"/ogc/collections/{grid_id}/items?f=html" in collection and f"{EPSG}4490" in collection
    assert "L.rectangle" in collection  # the extent on the map
    conformance = get(client, "/ogc/conformance?f=html", HTML)
    assert "ogcapi-features-2/1.0/conf/crs" in conformance
    for page in (landing, listing, collection, conformance):
        _local_assets_only(page)


def test_the_items_page_shows_the_features_on_a_small_offline_map(client, grid_id):
    page = get(client, f"/ogc/collections/{grid_id}/items?f=html&limit=5", HTML)
    assert page.count("<tr>") == 6 and "/static/vendor/leaflet/leaflet.js" in page and "L.geoJson" in page
    assert 'id="ogc-next"' in page and "f=html" in re.search(r'id="ogc-next" href="([^"]+)"', page)[1]
    assert re.search(r'rel="?alternate|type="application/geo\+json"', page)
    _local_assets_only(page)
    first = client.get(f"/ogc/collections/{grid_id}/items?limit=1").json()["features"][0]["id"]
    item = get(client, f"/ogc/collections/{grid_id}/items/{first}?f=html", HTML)
    assert "landuse_code" in item and "L.geoJson" in item
    in_gk = get(client, f"/ogc/collections/{grid_id}/items?f=html&limit=5&crs={EPSG}4548", HTML)
    assert 'id="ogc-no-map"' in in_gk and "L.geoJson" not in in_gk


def test_a_browser_gets_html_and_a_gis_client_json_without_f(client):
    assert get(client, "/ogc", HTML, accept="text/html,application/xhtml+xml,*/*;q=0.8").startswith("<!DOCTYPE html>")
    assert get(client, "/ogc", JSON, accept="application/json")["title"]
    assert get(client, "/ogc", JSON)["title"]


def test_layer_features_by_bbox_are_served_as_geojson(client, grid):
    response = client.get(f"/api/v1/layers/{grid.layer_id}/features", params={"bbox": "118.081,24.471,118.084,24.474"})
    assert response.status_code == 200 and response.headers["content-type"] == GEOJSON
    assert response.json()["numberMatched"] == 1


def test_layer_features_beyond_one_page_have_a_next_link_instead_of_being_cut_silently(client, grid):
    page = client.get(f"/api/v1/layers/{grid.layer_id}/features", params={"limit": 8}).json()
    seen = [feature["id"] for feature in page["features"]]
    while page["links"]:
        (link,) = page["links"]
        assert link["rel"] == "next" and link["type"] == GEOJSON
        page = client.get(local(link["href"])).json()
        seen += [feature["id"] for feature in page["features"]]
    assert len(seen) == len(set(seen)) == 20


def test_a_bbox_in_another_crs_is_transformed_as_a_literal_so_the_spatial_index_serves(engine, grid):
    version_id, kind = resolve_version(grid.layer_id, None, engine)
    bbox = BBox.parse("2707000,609000,2709000,611000", served_crs("EPSG:4548"), antimeridian=True)
    _, page = items_query(version_id, kind, bbox=bbox, crs=served_crs("EPSG:4490"))
    with engine.connect() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {page.sql}"), dict(page.parameters)))
    geom_index = re.search(r"Index Scan (?:using|on) (\S*geom\S*)", plan)
    assert geom_index, plan
    assert "st_transform(geom" not in plan.lower() and "st_transform(f.geom" not in plan.lower()
