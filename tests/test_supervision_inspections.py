"""Double random, one public (双随机、一公开): a seeded draw anyone can re-run from what is published, with
conflicts of interest excluded, on a real PostGIS.
"""

from __future__ import annotations

import pytest
from test_supervision_support import (  # noqa: F401  (people is a fixture)
    API,
    credit_code,
    legacy_project,
    open_item,
    people,
)

PUBLIC = "/api/v1/public/inspection-draws"
LINKED = credit_code(77030001)


@pytest.fixture(scope="module")
def pool(client, people, engine) -> dict:  # noqa: F811
    """A project whose items involve natural resources and water, and inspectors with and without conflicts."""
    code = legacy_project(engine, people, credit=LINKED, name="双随机测试项目")
    open_item(client, people, "natural_resources", code, "site_selection_opinion", "2025-07-01")
    open_item(client, people, "water", code, "soil_water_conservation_plan", "2025-07-01")
    inspectors = {}
    for name, department, links in (("自然资源甲", "natural_resources", []), ("水利乙", "water", []),
                                    ("建设丙", "construction", [LINKED]), ("生态丁", "ecology_environment", []),
                                    ("征收戊", "land_acquisition", []), ("发改己", "ndrc", [])):
        response = client.post(f"{API}/inspectors", headers=people["ndrc"],
                               json={"name": name, "department": department, "linked_credit_codes": links})
        assert response.status_code == 201, response.text
        inspectors[name] = response.json()["id"]
    return {"code": code, "inspectors": inspectors}


def test_inspectors_with_a_conflict_of_interest_are_excluded(client, people, pool) -> None:  # noqa: F811
    draw = client.post(f"{API}/inspection-draws", headers=people["ndrc"], json={
        "title": "2026年第四季度投资项目双随机抽查", "target_count": 500, "inspectors_per_target": 3,
        "seed": "冲突回避测试"})
    assert draw.status_code == 201, draw.text
    body = draw.json()
    ids = pool["inspectors"]
    excluded = set(body["inputs"]["excluded"][pool["code"]])
    # same department as a responsible department (natural resources, water) or linked to the applicant
    assert {ids["自然资源甲"], ids["水利乙"], ids["建设丙"]} <= excluded
    assert not {ids["生态丁"], ids["征收戊"], ids["发改己"]} & excluded
    reasons = body["inputs"]["exclusion_reasons"][pool["code"]]
    assert reasons[str(ids["建设丙"])] == ["linked_to_applicant"]
    target = next(t for t in body["result"] if t["project_code"] == pool["code"])
    drawn = {i["id"] for i in target["inspectors"]}
    assert len(drawn) == 3 and not drawn & {ids["自然资源甲"], ids["水利乙"], ids["建设丙"]}
    for drawn in body["result"]:
        assert not {i["id"] for i in drawn["inspectors"]} & set(body["inputs"]["excluded"][drawn["project_code"]])


def test_anyone_can_rerun_a_published_draw_and_get_the_same_result(client, people, pool) -> None:  # noqa: F811
    made = client.post(f"{API}/inspection-draws", headers=people["ndrc"], json={
        "title": "公开复核测试", "target_count": 3, "inspectors_per_target": 2,
        "seed": "2026-11-25 福彩3D 第318期 527"})
    published = client.get(f"{PUBLIC}/{made.json()['id']}").json()  # no login
    assert published["seed"] == "2026-11-25 福彩3D 第318期 527" and "random.Random(seed)" in published["method"]
    assert published["verification"]["rerun_matches"] is True
    namespace: dict = {}
    exec(published["reproduce_in_python"], namespace)  # the published recipe, run as an outsider would
    inputs = published["inputs"]
    rerun = namespace["draw"](published["seed"], inputs["candidates"], [i["id"] for i in inputs["pool"]],
                              inputs["excluded"], inputs["target_count"], inputs["inspectors_per_target"])
    assert rerun == [(t["project_code"], [i["id"] for i in t["inspectors"]]) for t in published["result"]]
    assert len(published["result"]) == 3 and all(t["project_name"] for t in published["result"])
    listed = client.get(PUBLIC).json()
    assert made.json()["id"] in {d["id"] for d in listed}


def test_the_same_seed_gives_the_same_draw_and_another_seed_another(client, people, pool) -> None:  # noqa: F811
    def draw(seed: str) -> list:
        body = client.post(f"{API}/inspection-draws", headers=people["ndrc"], json={
            "title": "种子测试", "target_count": 4, "inspectors_per_target": 2, "seed": seed}).json()
        return [(t["project_code"], [i["id"] for i in t["inspectors"]]) for t in body["result"]]

    first = draw("seed-A")
    assert draw("seed-A") == first
    assert any(draw(f"seed-{n}") != first for n in range(5))


def test_a_draw_without_a_seed_publishes_the_one_it_made(client, people, pool) -> None:  # noqa: F811
    body = client.post(f"{API}/inspection-draws", headers=people["ndrc"],
                       json={"title": "无种子测试", "target_count": 1}).json()
    assert len(body["seed"]) == 32 and body["verification"]["rerun_matches"] is True


def test_only_the_ndrc_draws_and_manages_the_pool(client, people, pool) -> None:  # noqa: F811
    body = {"title": "越权测试", "target_count": 1}
    assert client.post(f"{API}/inspection-draws", headers=people["water"], json=body).status_code == 403
    assert client.post(f"{API}/inspection-draws", json=body).status_code == 401
    assert client.get(f"{API}/inspectors").status_code == 401
    bad = client.post(f"{API}/inspectors", headers=people["ndrc"],
                      json={"name": "某人", "linked_credit_codes": ["91350200MA00000000"]})
    assert bad.status_code == 422 and bad.json()["field"] == "linked_credit_codes"
    assert client.post(f"{API}/inspection-draws", headers=people["ndrc"],
                       json={**body, "target_count": 0}).status_code == 422
