"""Search (issue 14, point 3): ``GET /api/v1/search?q=`` over the Xiamen samples on a real PostGIS.

Districts and towns/streets come from the shipped code list and the district layer, parcel codes from the
sample layers, proposals only for those who may see them, project codes for anyone (the site only for those
who may see the proposal), coordinates in WGS84 or CGCS2000 Gauss-Krüger in either order; bad input is a
problem a person can act on.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from data.samples.load import SAMPLES
from gis.coordinates import AmbiguousPositionError, read_position
from gis.errors import SpatialInputError

SIMING_POINT = (118.0894, 24.4795)  # on 厦门岛, in 思明区
_TO_GK = Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)


def search(client, q: str, headers: dict | None = None, **params) -> dict:
    response = client.get("/api/v1/search", params={"q": q, **params}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def problem(client, q: str) -> dict:
    response = client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def inside(bbox: list[float], point: tuple[float, float]) -> bool:
    west, south, east, north = bbox
    return west <= point[0] <= east and south <= point[1] <= north


def test_a_district_is_found_by_name_and_by_code_with_the_bounds_of_the_district_layer(client, loaded_samples):
    by_name = search(client, "思明")["results"]
    assert by_name[0]["type"] == "district" and by_name[0]["name"] == "思明区" and by_name[0]["code"] == "350203"
    assert by_name[0]["extent"] == "own" and inside(by_name[0]["bbox"], SIMING_POINT)
    by_code = search(client, "350205")["results"][0]
    assert (by_code["type"], by_code["name"]) == ("district", "海沧区")
    assert not inside(by_code["bbox"], (118.17, 24.48))  # east of 厦门岛, far from 海沧


def test_a_street_is_found_and_the_map_is_sent_to_its_district_which_it_says(client, loaded_samples):
    result = search(client, "鼓浪屿")["results"][0]
    assert (result["type"], result["township_type"], result["name"], result["code"]) == (
        "township", "street", "鼓浪屿街道", "350203012")
    assert result["extent"] == "district" and result["district"] == {"code": "350203", "name": "思明区"}
    assert result["bbox"] == search(client, "思明区")["results"][0]["bbox"]
    town = search(client, "汀溪镇")["results"][0]
    assert (town["township_type"], town["district"]["name"]) == ("town", "同安区")
    # Villages and communities (村居) of the code list are not searched; nothing is invented either.
    assert search(client, "不存在的街道名")["results"] == []


def test_a_parcel_code_finds_its_feature_exact_match_first(client, loaded_samples):
    features = json.loads((SAMPLES / "investment_parcel.geojson").read_text(encoding="utf-8"))["features"]
    sample = features[0]
    code = sample["properties"]["parcel_code"]
    result = search(client, code.lower())["results"][0]
    assert (result["type"], result["code"], result["layer"]["kind"]) == ("feature", code, "investment_parcel")
    ring = sample["geometry"]["coordinates"][0]
    ring = ring[0] if isinstance(ring[0][0], list) else ring
    assert all(inside(result["bbox"], tuple(vertex)) for vertex in ring)
    prefix = search(client, code[:-1], limit=50)["results"]
    assert {r["code"] for r in prefix} >= {code} and all(r["code"].startswith(code[:-1]) for r in prefix)


def test_proposal_names_are_found_only_by_those_who_may_see_the_proposal(client, login, loaded_samples):
    proposals = client.get("/api/v1/proposals", headers=login("ndrc")).json()
    submitted = next(p for p in proposals if p["state"] == "under_review")
    name = submitted["name"]
    official = [r for r in search(client, name, login("dept-water"))["results"] if r["type"] == "proposal"]
    assert any(r["proposal_id"] == submitted["id"] and r["name"] == name and r["extent"] == "own" for r in official)
    public = search(client, name)["results"]
    assert not [r for r in public if r["type"] == "proposal"]
    assert name not in json.dumps(public, ensure_ascii=False)


def test_a_project_code_is_found_by_anyone_but_only_officials_are_sent_to_its_site(client, login, loaded_samples):
    coded = next(p for p in client.get("/api/v1/proposals", headers=login("ndrc")).json() if p["project_code"])
    code = coded["project_code"]
    public = next(r for r in search(client, code)["results"] if r["type"] == "project")
    assert public["code"] == code and public["extent"] == "district" and "proposal_id" not in public
    official = next(r for r in search(client, code, login("ndrc"))["results"] if r["type"] == "project")
    assert official["extent"] == "own" and official["proposal_id"] == coded["id"]
    assert official["bbox"] != public["bbox"]


@pytest.mark.parametrize("text", ["118.0894, 24.4795", "24.4795,118.0894", "24.4795N 118.0894E",
                                  "118.0894 24.4795", "EPSG:4326 118.0894 24.4795"])
def test_wgs84_coordinates_in_either_order_go_to_the_point_and_name_its_district(client, loaded_samples, text):
    result = search(client, text)["results"]
    assert len(result) == 1 and result[0]["type"] == "coordinates"
    assert result[0]["point"] == pytest.approx(list(SIMING_POINT), abs=1e-9)
    assert result[0]["district"]["name"] == "思明区"


def test_gauss_kruger_coordinates_with_or_without_the_zone_number_in_either_order(client, loaded_samples):
    x, y = _TO_GK.transform(*SIMING_POINT)
    for text, crs in ((f"{x:.2f}, {y:.2f}", "EPSG:4548"), (f"{y:.2f} {x:.2f}", "EPSG:4548"),
                      (f"{39_000_000 + x:.2f},{y:.2f}", "EPSG:4527"), (f"EPSG:4548 {x:.2f} {y:.2f}", "EPSG:4548")):
        result = search(client, text)["results"][0]
        assert result["position"]["crs"] == crs, text
        assert result["point"] == pytest.approx(list(SIMING_POINT), abs=1e-6), text
        assert result["district"]["name"] == "思明区"


def test_a_point_at_sea_is_found_with_no_district(client, loaded_samples):
    result = search(client, "118.30, 24.40")["results"][0]
    assert result["type"] == "coordinates" and result["district"] is None


def test_unreadable_searches_are_problems_saying_what_to_type(client, loaded_samples):
    assert problem(client, "   ")["type"] == "/problems/invalid-search"
    ambiguous = problem(client, "24.5, 60")
    assert ambiguous["type"] == "/problems/ambiguous-coordinates" and "hemisphere" in ambiguous["detail"]
    assert problem(client, "500 700")["type"] == "/problems/ambiguous-coordinates"
    outside = problem(client, "EPSG:4548 118.09 24.48")  # degrees named as metres
    assert outside["type"] == "/problems/outside-crs-area" and "degrees" in outside["detail"]
    assert problem(client, "EPSG:999999 1 2")["type"] == "/problems/unknown-crs"
    assert problem(client, "x" * 101)["type"] == "/problems/invalid-request"
    assert client.get("/api/v1/search").status_code == 422


def test_reading_positions_without_a_database():
    assert all(read_position(text) is None for text in ("思明区", "350203-ZS-0001", "350203"))
    swapped = read_position("24.48, 118.09")
    assert (swapped.lon, swapped.lat, swapped.swapped) == (118.09, 24.48, True)
    assert read_position("40 80").lon == 80  # only 80°E, 40°N lies in China
    assert read_position("GCJ02 118.1 24.5").crs == "GCJ02"
    for text in ("10 20", "24.5N 30N", "590000 600000"):
        with pytest.raises(AmbiguousPositionError):
            read_position(text)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.one_of(
    st.text(max_size=40),
    st.builds(lambda crs, a, b, sep: f"{crs}{a}{sep}{b}",
              st.sampled_from(["", "EPSG:4548 ", "EPSG:4326 ", "GCJ02 ", "EPSG:4527 ", "EPSG:4978 ", "EPSG:1 "]),
              st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda v: f"{v:f}"),
              st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda v: f"{v:f}"),
              st.sampled_from([",", " ", "，", ";", "/"])),
))
def test_any_text_is_a_position_no_position_or_a_spatial_input_problem(text):
    try:
        position = read_position(text)
    except SpatialInputError:
        return
    if position is not None:
        assert -180 <= position.lon <= 180 and -90 <= position.lat <= 90
