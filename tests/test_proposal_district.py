"""所在区 from the site: a proposal filed without a district gets the district holding the largest part of its
site, which then routes its review and gives its code's region; a site in no district is refused."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import box, mapping
from sqlalchemy import text
from test_fresh_approval import applicant_account
from test_proposals import proposal_body
from test_supervision_support import clean_sites

API = "/api/v1"


@pytest.fixture(scope="module")
def applicant(client, login, engine) -> dict:
    return applicant_account(client, login, engine, "applicant-district", 70071)


def _count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM proposals")).scalar_one()


def _inside_district(engine, code: str) -> shapely.Geometry:
    """A 20 m square around a point inside district ``code`` of the sample district layer (WGS84)."""
    with engine.connect() as connection:
        point = shapely.from_wkb(connection.execute(text(
            "SELECT ST_AsBinary(ST_PointOnSurface(f.geom)) FROM layer_features f JOIN layer_versions v "
            "ON v.id = f.version_id JOIN layers l ON l.id = v.layer_id WHERE l.kind = 'district' "
            "AND f.properties ->> 'adcode' = :code ORDER BY v.version DESC LIMIT 1"), {"code": code}).scalar_one())
    return point.buffer(0.0001, cap_style="square")


def test_a_proposal_without_a_district_gets_the_district_its_site_lies_in(client, applicant, engine,
                                                                         loaded_samples) -> None:
    jimei = shapely.geometry.shape(next(clean_sites(engine, "350211")))
    for code, site in (("350211", jimei), ("350213", _inside_district(engine, "350213"))):
        body = proposal_body(site, applicant["credit_code"], name="所在区由选址确定测试项目")
        del body["district_code"]
        made = client.post(f"{API}/proposals", json=body, headers=applicant["headers"])
        assert made.status_code == 201, made.text
        assert made.json()["district_code"] == code


def test_the_largest_part_decides_and_a_given_district_is_kept(client, applicant, engine) -> None:
    small, large = _inside_district(engine, "350206"), _inside_district(engine, "350205").buffer(0.0001)
    body = proposal_body(shapely.MultiPolygon([small, large]), applicant["credit_code"], name="跨区选址测试项目")
    del body["district_code"]
    assert client.post(f"{API}/proposals", json=body,
                       headers=applicant["headers"]).json()["district_code"] == "350205"
    given = client.post(f"{API}/proposals", json={**body, "district_code": "350206"}, headers=applicant["headers"])
    assert given.json()["district_code"] == "350206"


def test_a_site_in_no_district_cannot_take_its_district_from_the_site(client, applicant, engine) -> None:
    before = _count(engine)
    body = {**proposal_body(box(118.0, 24.0, 118.001, 24.001), applicant["credit_code"]), "district_code": None}
    refused = client.post(f"{API}/proposals", json=body, headers={**applicant["headers"], "Accept-Language": "en"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "district_code" and "lies in no district" in refused.json()["detail"]
    assert _count(engine) == before


def test_a_district_the_site_does_not_lie_in_is_refused_and_nothing_is_written(client, applicant,
                                                                                engine) -> None:
    in_jimei = _inside_district(engine, "350211")
    before = _count(engine)
    body = proposal_body(in_jimei, applicant["credit_code"], name="所在区不符测试项目")  # declares 思明区
    refused = client.post(f"{API}/proposals", json=body, headers={**applicant["headers"], "Accept-Language": "zh"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "district_code"
    assert "思明区" in refused.json()["detail"] and "集美区（350211，占100.0%）" in refused.json()["detail"]
    assert _count(engine) == before
    # a site moved to another district is refused too, and the proposal keeps its site
    made = client.post(f"{API}/proposals", json={**body, "district_code": "350211"}, headers=applicant["headers"])
    assert made.status_code == 201, made.text
    moved = client.post(f"{API}/proposals/{made.json()['id']}/sites", json={"site": mapping(_inside_district(
        engine, "350213"))}, headers={**applicant["headers"], "Accept-Language": "en"})
    assert moved.status_code == 422, moved.text
    assert "does not lie in the district given (集美区) but in 翔安区 (350213, 100.0%)" in moved.json()["detail"]
    revisions = client.get(f"{API}/proposals/{made.json()['id']}", headers=applicant["headers"]).json()["revisions"]
    assert len(revisions) == 1
