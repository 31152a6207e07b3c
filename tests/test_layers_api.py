"""The layers API and the idempotent sample load on the Xiamen samples."""

from __future__ import annotations

from sqlalchemy import text

from data.samples.load import load_samples

API = "/api/v1/layers"


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("layers", "layer_versions", "layer_features", "proposals", "site_revisions", "accounts")}


def test_loading_the_samples_twice_duplicates_nothing(engine, loaded_samples, demo_secrets_file):
    before = table_counts(engine)
    lines = list(load_samples(secrets_file=demo_secrets_file))
    assert table_counts(engine) == before
    assert all("reused" in line for line in lines if "features" in line)


def test_layers_lists_every_kind_with_versions_extent_and_crs(client, loaded_samples):
    layers = client.get(API).json()
    kinds = {layer["kind"] for layer in layers}
    assert {"district", "land_use", "ecological_red_line", "basic_farmland", "urban_development_boundary",
            "water_source_protection", "river_management_range", "flood_risk", "soil_water_conservation",
            "land_acquisition", "investment_parcel"} <= kinds
    districts = next(layer for layer in layers if layer["kind"] == "district")
    assert districts["feature_count"] == 6 and districts["source_crs"] == "GCJ02" and districts["crs"] == "EPSG:4326"
    west, south, east, north = districts["extent"]
    assert 117.8 < west < east < 118.6 and 24.3 < south < north < 25.0
    assert districts["versions"][0]["version"] == 1 and districts["department"] == "natural_resources"


def test_features_are_rfc7946_geojson_filtered_by_bbox_and_paged(client, loaded_samples):
    land_use = next(layer for layer in client.get(API).json() if layer["kind"] == "land_use")
    page = client.get(f"{API}/{land_use['id']}/features", params={"limit": 5, "offset": 0})
    assert page.headers["content-type"].startswith("application/geo+json")
    body = page.json()
    assert body["type"] == "FeatureCollection" and body["numberReturned"] == 5
    assert body["numberMatched"] == land_use["feature_count"]
    lon, lat = body["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 117 < lon < 119 and 24 < lat < 25  # longitude first
    small = client.get(f"{API}/{land_use['id']}/features", params={"bbox": "118.08,24.44,118.10,24.46"}).json()
    assert 0 < small["numberMatched"] < land_use["feature_count"]
    next_page = client.get(f"{API}/{land_use['id']}/features", params={"limit": 5, "offset": 5}).json()
    assert {f["id"] for f in next_page["features"]}.isdisjoint({f["id"] for f in body["features"]})


def test_bad_requests_are_problem_details(client, loaded_samples):
    for params in ({"bbox": "1,2,3"}, {"bbox": "118,24,117,25"}, {"bbox": "a,b,c,d"}, {"limit": 0}):
        response = client.get(f"{API}/1/features", params=params)
        assert response.status_code in (400, 422) and response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"]
    missing = client.get(f"{API}/999999/features")
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    assert "/api/v1/screenings" in client.get("/openapi.json").json()["paths"]



def test_layer_kinds_publish_the_attributes_their_rules_read(client):
    kinds = {kind["kind"]: kind for kind in client.get("/api/v1/layer-kinds").json()}
    [tier] = kinds["water_source_protection"]["attributes"]
    assert tier["name"] == "tier" and tier["type"] == "code" and tier["required"] is True
    assert [value["value"] for value in tier["values"]] == [1, 2] and tier["aliases"]["一级"] == 1
    statuses = {attribute["name"]: attribute for attribute in kinds["land_acquisition"]["attributes"]}
    assert {"value": "in_progress", "zh": "进行中", "en": "in progress"} in statuses["acquisition_status"]["values"]
    assert statuses["demolition_status"]["aliases"]["无需"] == "not_needed"
    [land_use] = kinds["land_use"]["attributes"]
    assert land_use["type"] == "land_use_code" and {"value": "0701", "zh": "城镇住宅用地", "en": "urban housing"} \
        in land_use["values"]
    [grade] = kinds["basic_farmland"]["attributes"]
    assert (grade["type"], grade["minimum"], grade["maximum"]) == ("integer", 1, 15)
