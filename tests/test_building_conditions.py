"""Building conditions (建设条件) on a real PostGIS: each department records the ones it is responsible for where
the site lies, the investing entity is checked against the blacklist, and the NDRC sees them all (and what is
missing) before deciding."""

from __future__ import annotations

import pytest
import shapely
from sqlalchemy import text
from test_fresh_approval import applicant_account
from test_proposals import API, create, credit_code, open_review
from test_supervision_support import clean_sites

from gis.area import M2_PER_MU


@pytest.fixture(scope="module")
def applicant(client, login, engine) -> dict:
    return applicant_account(client, login, engine, "applicant-conditions", 70051)


@pytest.fixture(scope="module")
def spots(engine, loaded_samples):
    return (shapely.geometry.shape(site) for site in clean_sites(engine, "350213"))  # 翔安区


@pytest.fixture(scope="module")
def xiangan(client, login, applicant, spots) -> dict:
    """A proposal in 翔安区 under review."""
    proposal = create(client, applicant, next(spots), name="翔安区建设条件测试项目", district_code="350213")
    open_review(client, login, applicant, proposal["id"])
    return proposal


def _conditions(client, login, proposal_id: int, who: str = "ndrc") -> dict:
    response = client.get(f"{API}/proposals/{proposal_id}/conditions", headers=login(who))
    assert response.status_code == 200, response.text
    return response.json()


def _written(engine, proposal_id: int) -> tuple[int, int]:
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT (SELECT count(*) FROM building_conditions WHERE proposal_id = :p), "
            "(SELECT count(*) FROM audit_log WHERE proposal_id = :p)"), {"p": proposal_id}).one()


def test_each_condition_goes_to_the_department_responsible_where_the_site_lies(client, login, xiangan):
    answer = _conditions(client, login, xiangan["id"])
    responsible = {c["condition"]: c["responsible"]["department"] for c in answer["conditions"]}
    assert responsible == {"land_quota": "xiangan_natural_resources", "investing_entity": "ndrc",
                           "funding_source": "finance", "environment": "xiangan_ecology_environment",
                           "soil_water": "xiangan_water", "flood_control": "xiangan_water",
                           "acquisition": "xiangan_land_acquisition"}
    assert answer["missing"] == list(responsible)  # nothing recorded yet
    branch = next(c for c in answer["conditions"] if c["condition"] == "land_quota")["responsible"]
    assert branch["zh"] == "厦门市自然资源和规划局翔安分局" and branch["level"] == "district"


def test_conditions_are_recorded_audited_and_shown_to_the_ndrc(client, login, engine, xiangan):
    path = f"{API}/proposals/{xiangan['id']}/conditions"
    quota = client.post(path, headers=login("dept-xiangan_natural_resources"),
                        json={"condition": "land_quota", "status": "met", "area_m2": 6666.7,
                              "note": "2026年度新增建设用地计划指标"})
    assert quota.status_code == 201, quota.text
    flood = client.post(path, headers=login("dept-xiangan_water"),
                        json={"condition": "flood_control", "status": "pending", "note": "须编制防洪评价报告"})
    assert flood.status_code == 201, flood.text
    funding = client.post(path, headers=login("dept-finance"),
                          json={"condition": "funding_source", "status": "met", "funding_source": "special_bond"})
    assert funding.status_code == 201, funding.text
    entity = client.post(path, headers=login("ndrc"), json={
        "condition": "investing_entity", "status": "met", "entity_name": "厦门翔安投资集团有限公司",
        "entity_credit_code": credit_code(70052)})
    assert entity.status_code == 201, entity.text
    # the NDRC sees every condition before deciding, in the detail and in its list, with what is missing
    detail = client.get(f"{API}/proposals/{xiangan['id']}", headers=login("ndrc")).json()
    shown = {c["condition"]: c["recorded"] for c in detail["building_conditions"]["conditions"]}
    assert shown["land_quota"]["area"] == {"m2": 6666.7, "mu": round(6666.7 / M2_PER_MU, 2), "ha": 0.6667}
    assert shown["land_quota"]["department"]["department"] == "xiangan_natural_resources"
    assert shown["flood_control"]["status"] == "pending" and shown["flood_control"]["note"] == "须编制防洪评价报告"
    assert shown["funding_source"]["funding_source"] == "special_bond"
    assert shown["investing_entity"]["entity_name"] == "厦门翔安投资集团有限公司"
    assert detail["building_conditions"]["missing"] == ["environment", "soil_water", "acquisition"]
    listed = next(p for p in client.get(f"{API}/proposals", headers=login("ndrc")).json() if p["id"] == xiangan["id"])
    assert [m["responsible_zh"] for m in listed["building_conditions"]["missing_names"]] == [
        "厦门市翔安生态环境局", "翔安区水利局", "翔安区土地房屋征收事务中心"]
    with engine.connect() as connection:
        entries = connection.execute(text(
            "SELECT after->>'condition' FROM audit_log WHERE proposal_id = :p AND action = 'building_condition' "
            "ORDER BY id"), {"p": xiangan["id"]}).scalars().all()
    assert entries == ["land_quota", "flood_control", "funding_source", "investing_entity"]
    # a new recording replaces the one in force; the old one stays in the history
    again = client.post(path, headers=login("dept-xiangan_water"),
                        json={"condition": "flood_control", "status": "met", "note": "防洪评价已通过"})
    flood_now = next(c for c in again.json()["conditions"] if c["condition"] == "flood_control")["recorded"]
    assert flood_now["status"] == "met" and flood_now["note"] == "防洪评价已通过"


def test_a_blacklisted_investing_entity_is_refused_with_the_lists_reason(client, login, engine, xiangan):
    code = credit_code(70053)
    assert client.post(f"{API}/credit", headers=login("admin"), json={
        "list_kind": "black", "credit_code": code, "entity_name": "厦门失信投资有限公司",
        "reason": "拒不履行法院判决", "source": "信用中国（厦门）", "valid_from": "2026-01-01"}).status_code == 201
    before = _written(engine, xiangan["id"])
    refused = client.post(f"{API}/proposals/{xiangan['id']}/conditions", headers={**login("ndrc"),
                                                                                  "Accept-Language": "zh"},
                          json={"condition": "investing_entity", "status": "met",
                                "entity_name": "厦门失信投资有限公司", "entity_credit_code": code})
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "/problems/blacklisted-entity"
    assert "拒不履行法院判决" in refused.json()["detail"] and "信用中国（厦门）" in refused.json()["detail"]
    assert _written(engine, xiangan["id"]) == before


def test_a_department_records_only_its_own_conditions_where_it_answers(client, login, engine, xiangan):
    path = f"{API}/proposals/{xiangan['id']}/conditions"
    before = _written(engine, xiangan["id"])
    for who, condition in (("dept-natural_resources", "land_quota"),  # the city bureau: the branch answers here
                           ("dept-jimei_water", "flood_control"),  # another district
                           ("dept-xiangan_water", "land_quota")):  # another line
        refused = client.post(path, headers={**login(who), "Accept-Language": "en"},
                              json={"condition": condition, "status": "met", "note": "x", "area_m2": 10})
        assert refused.status_code == 403, (who, refused.text)
        assert "Xiang'an" in refused.json()["detail"]
    bad = client.post(path, headers=login("dept-xiangan_natural_resources"),
                      json={"condition": "land_quota", "status": "met", "area_m2": -5})
    assert bad.status_code == 422 and bad.json()["field"] == "area_m2"
    assert client.post(path, headers=login("dept-xiangan_water"),
                       json={"condition": "soil_water", "status": "done", "note": "x"}).status_code == 422
    assert client.post(path, headers=login("dept-xiangan_water"),
                       json={"condition": "soil_water", "status": "met"}).json()["field"] == "note"
    assert client.post(path, headers=login("ndrc"),
                       json={"condition": "nothing", "status": "met"}).status_code == 422
    assert _written(engine, xiangan["id"]) == before


def test_conditions_are_settled_before_the_decision_only(client, login, applicant, spots):
    draft = create(client, applicant, next(spots), name="草稿建设条件测试项目", district_code="350213")
    refused = client.post(f"{API}/proposals/{draft['id']}/conditions", headers=login("dept-xiangan_water"),
                          json={"condition": "soil_water", "status": "met", "note": "x"})
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/illegal-transition"
