"""OGC API – Features – Part 3 as a GIS client uses it: queryables and schema per collection from the layer
kind's attribute schema, CQL2 text and JSON filters and simple property filters on items, counted the same as
PostGIS counts them, paged with the filter kept, and bad filters refused with a 400 naming what is wrong."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import text

from data.samples.load import SAMPLES
from layers.importer import import_layer
from layers.store import list_layers

FEATURES_3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf"
CGCS2000 = "http://www.opengis.net/def/crs/EPSG/0/4490"
STATUSES = ["not_started", "in_progress", "done", "done"]
CELLS = [box(118.08 + 0.005 * (i % 5), 24.47 + 0.005 * (i // 5), 118.0845 + 0.005 * (i % 5), 24.4745 + 0.005 * (i // 5))
         for i in range(20)]


@dataclass(frozen=True)
class Grid:
    version_id: int
    collection: str  # its collection id


@pytest.fixture(scope="module")
def grid(engine, tmp_path_factory) -> Grid:
    path = Path(tmp_path_factory.mktemp("ogc-filter")) / "acquisition.geojson"
    features = [{"type": "Feature", "geometry": mapping(cell), "properties": {
        "acquisition_status": STATUSES[i % 4], "demolition_status": "not_needed" if i % 3 == 0 else "in_progress",
        "acquisition_percent": None if i % 7 == 0 else 5.0 * i, "households_remaining": i % 6, "name": f"cell {i}"}}
        for i, cell in enumerate(CELLS)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    report = import_layer(path, "land_acquisition", crs="EPSG:4326", name=f"ogc-filter-{uuid.uuid4().hex[:8]}",
                          engine=engine)
    return Grid(report.version_id, next(layer["slug"] for layer in list_layers() if layer["id"] == report.layer_id))


def postgis_count(engine, grid: Grid, where: str, **parameters) -> int:
    """The count PostGIS gives for a condition written by hand on the stored rows."""
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM layer_features f WHERE f.version_id = :v AND {where}"),
                                  {"v": grid.version_id, **parameters}).scalar_one()


def items(client, grid: Grid, **params):
    response = client.get(f"/ogc/collections/{grid.collection}/items", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_queryables_and_schema_come_from_the_kinds_attribute_schema(client, grid):
    collection = client.get(f"/ogc/collections/{grid.collection}").json()
    links = {link["rel"]: link for link in collection["links"]}
    queryables_link = links["http://www.opengis.net/def/rel/ogc/1.0/queryables"]
    assert queryables_link["type"] == "application/schema+json"
    response = client.get(urlsplit(queryables_link["href"]).path + "?lang=zh")  # the client asks English otherwise
    assert response.status_code == 200 and response.headers["content-type"] == "application/schema+json"
    schema = response.json()
    assert schema["$schema"].startswith("https://json-schema.org/draft/2020-12") and schema["type"] == "object"
    assert schema["additionalProperties"] is False
    properties = schema["properties"]
    assert properties["geometry"]["x-ogc-role"] == "primary-geometry"
    assert properties["acquisition_status"]["type"] == "string"
    assert properties["acquisition_status"]["enum"] == ["not_started", "in_progress", "done"]
    assert properties["acquisition_status"]["title"] == "征地状态"
    assert properties["acquisition_percent"] == {**properties["acquisition_percent"], "type": "number",
                                                 "minimum": 0, "maximum": 100}
    assert properties["households_remaining"]["type"] == "integer" and properties["area_m2"]["type"] == "number"
    assert "name" not in properties  # an untyped column the source brought: not filterable
    english = client.get(f"/ogc/collections/{grid.collection}/queryables?lang=en").json()
    assert english["properties"]["acquisition_status"]["title"] == "land acquisition"
    features = client.get(urlsplit(links["http://www.opengis.net/def/rel/ogc/1.0/schema"]["href"]).path).json()
    assert features["additionalProperties"] is True and set(properties) <= set(features["properties"])
    conformance = client.get("/ogc/conformance").json()["conformsTo"]
    assert {f"{FEATURES_3}/filter", f"{FEATURES_3}/features-filter", f"{FEATURES_3}/queryables",
            "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text"} <= set(conformance)


@pytest.mark.parametrize(("cql", "where"), [
    ("acquisition_status = 'done'", "f.properties ->> 'acquisition_status' = 'done'"),
    ("households_remaining >= 3 AND demolition_status <> 'not_needed'",
     "(f.properties ->> 'households_remaining')::int >= 3 AND f.properties ->> 'demolition_status' <> 'not_needed'"),
    ("acquisition_percent IS NULL OR acquisition_status IN ('not_started')",
     "(f.properties -> 'acquisition_percent' = 'null' OR f.properties ->> 'acquisition_status' = 'not_started')"),
    ("S_INTERSECTS(geometry, BBOX(118.083, 24.473, 118.0895, 24.478)) AND NOT acquisition_status LIKE 'not%'",
     "ST_Intersects(f.geom, ST_MakeEnvelope(118.083, 24.473, 118.0895, 24.478, 4326)) "
     "AND f.properties ->> 'acquisition_status' NOT LIKE 'not%'"),
])
def test_a_text_filter_matches_the_count_postgis_gives(client, engine, grid, cql, where):
    expected = postgis_count(engine, grid, where)
    page = items(client, grid, filter=cql, limit=100)
    assert 0 < page["numberMatched"] == expected == page["numberReturned"] < 20


def test_the_json_encoding_and_a_property_parameter_filter_alike(client, engine, grid):
    expected = postgis_count(engine, grid, "f.properties ->> 'acquisition_status' = 'in_progress'")
    as_json = json.dumps({"op": "=", "args": [{"property": "acquisition_status"}, "in_progress"]})
    assert items(client, grid, filter=as_json, **{"filter-lang": "cql2-json"})["numberMatched"] == expected
    # The spellings an import reads are read here too: 进行中 is in_progress.
    assert items(client, grid, acquisition_status="进行中")["numberMatched"] == expected
    both = items(client, grid, acquisition_status="in_progress", filter="households_remaining > 2")
    assert both["numberMatched"] == postgis_count(
        engine, grid, "f.properties ->> 'acquisition_status' = 'in_progress' "
                      "AND (f.properties ->> 'households_remaining')::int > 2")


def test_next_links_keep_the_filter_until_every_match_is_seen(client, engine, grid):
    cql = "acquisition_status = 'done' OR households_remaining = 0"
    page = items(client, grid, filter=cql, limit=3)
    seen = []
    while True:
        seen += [feature["properties"]["name"] for feature in page["features"]]
        following = [link for link in page["links"] if link["rel"] == "next"]
        if not following:
            break
        parts = urlsplit(following[0]["href"])
        page = client.get(f"{parts.path}?{parts.query}").json()
    expected = postgis_count(engine, grid, "(f.properties ->> 'acquisition_status' = 'done' OR "
                                           "(f.properties ->> 'households_remaining')::int = 0)")
    assert len(seen) == len(set(seen)) == expected > 3


def test_a_geometry_literal_in_cgcs2000_is_read_latitude_first(client, engine, grid):
    assert CGCS2000 in client.get(f"/ogc/collections/{grid.collection}").json()["crs"]
    expected = postgis_count(engine, grid, "ST_Intersects(f.geom, ST_MakeEnvelope(118.083, 24.473, 118.0895, "
                                           "24.478, 4326))")
    page = items(client, grid, filter="S_INTERSECTS(geometry, BBOX(24.473, 118.083, 24.478, 118.0895))",
                 **{"filter-crs": CGCS2000, "crs": CGCS2000})
    assert page["numberMatched"] == expected > 0


@pytest.mark.parametrize(("params", "parameter", "where"), [
    ({"filter": "acquisition_status = "}, "filter", {"position": "1:22"}),
    ({"filter": "name = 'cell 1'"}, "filter", {"property": "name"}),
    ({"filter": "households_remaining = '3'"}, "filter", {"property": "households_remaining"}),
    ({"filter": '{"op": "=", "args": [{"property": "households_remaining"}, 1]', "filter-lang": "cql2-json"},
     "filter", {"position": "1:61"}),
    ({"filter": "acquisition_status = 'done'", "filter-lang": "ecql"}, "filter-lang", {}),
    ({"filter": "S_INTERSECTS(geometry, POINT(118 24))", "filter-crs": "EPSG:9999"}, "filter-crs", {}),
    # A Gauss-Krüger point with a zone-prefixed easting where EPSG:4548 has none: PROJ cannot transform it.
    ({"filter": "S_INTERSECTS(geometry, POINT(2710000 39500000))",
      "filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4548"}, "filter", {"position": "/args/1"}),
    ({"acquisition_status": "finished"}, "acquisition_status", {"property": "acquisition_status"}),
    ({"households_remaining": "many"}, "households_remaining", {"property": "households_remaining"}),
])
def test_a_bad_filter_is_a_400_problem_naming_the_place(client, grid, params, parameter, where):
    response = client.get(f"/ogc/collections/{grid.collection}/items", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/invalid-filter" and problem["parameter"] == parameter
    assert {key: problem.get(key) for key in where} == where
    assert problem["detail"]


def test_what_a_parcel_layer_hides_cannot_be_searched(client, loaded_samples):
    # the samples' parcels by name: other tests add parcel layers of their own, with no availability
    name = next(layer["name"] for layer in json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
                ["layers"] if layer["kind"] == "investment_parcel")
    parcels = next(c for c in client.get("/ogc/collections").json()["collections"] if c["title"] == name)
    queryables = client.get(f"/ogc/collections/{parcels['id']}/queryables").json()["properties"]
    assert {"parcel_code", "landuse_code", "availability", "far_max"} <= set(queryables)
    assert client.get(f"/ogc/collections/{parcels['id']}/schema").json()["additionalProperties"] is False
    for hidden in ("internal_note", "reserve_price_wan", "owner_mobile"):
        response = client.get(f"/ogc/collections/{parcels['id']}/items", params={"filter": f"{hidden} IS NULL"})
        assert response.status_code == 400 and response.json()["property"] == hidden
        assert client.get(f"/ogc/collections/{parcels['id']}/items", params={hidden: "x"}).status_code == 400
    total = client.get(f"/ogc/collections/{parcels['id']}/items", params={"limit": 1}).json()["numberMatched"]
    matched = client.get(f"/ogc/collections/{parcels['id']}/items",
                         params={"filter": "availability = 'open'", "limit": 1}).json()["numberMatched"]
    assert 0 < matched < total
