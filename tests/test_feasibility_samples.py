"""The samples' work plans and joint feasibility reviews (data/samples/feasibility_history.py), as a newcomer
finds them after ``samples load``: every project approved on the platform has its plan, one government-invested
project has a finished joint review that decided its study's item, another one waits for a department.
"""

from __future__ import annotations

import json

from sqlalchemy import text

from data.samples.feasibility_history import INVITED, study_pdf
from data.samples.load import SAMPLES

MANIFEST = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
CODED = [f["properties"]["name"] for f in json.loads((SAMPLES / MANIFEST["proposals"]).read_text(encoding="utf-8"))[
    "features"] if f["properties"]["sample_state"] == "approved"]


def test_every_sample_coded_on_the_platform_has_its_work_plan(client, engine, login, loaded_samples) -> None:
    with engine.connect() as connection:
        codes = connection.execute(text(
            "SELECT project_code FROM proposals WHERE name = ANY(:names) AND project_code IS NOT NULL"),
            {"names": CODED}).scalars().all()
    assert len(codes) == len(CODED)
    for code in codes:
        plan = client.get(f"/api/v1/projects/{code}/work-plan", headers=login("ndrc"))
        assert plan.status_code == 200, plan.text
        assert plan.json()["tasks"]


def test_one_sample_review_is_decided_and_one_waits_for_a_department(client, engine, login, loaded_samples) -> None:
    with engine.connect() as connection:
        codes = connection.execute(text(
            "SELECT p.project_code FROM feasibility_reviews r JOIN proposals p ON p.id = r.proposal_id "
            "WHERE p.name = ANY(:names) ORDER BY r.received_on"), {"names": CODED}).scalars().all()
    assert len(codes) == 2
    finished, waiting = (client.get(f"/api/v1/projects/{code}/feasibility-review", headers=login("ndrc")).json()
                         for code in codes)
    decided = finished["reviews"][0]
    assert decided["decision"]["item_result"] == "approved_with_conditions" and decided["outstanding"] == []
    assert sorted(d["department"] for d in decided["invited"]) == sorted(INVITED)
    study = client.get(decided["study"]["url"], headers=login("dept-construction"))
    assert study.status_code == 200 and study.content.startswith(b"%PDF-")
    item = client.get(f"/api/v1/supervision/items/{decided['item_id']}", headers=login("ndrc")).json()
    assert item["item_type"] == "feasibility_study_approval" and item["result"] == "approved_with_conditions"
    under_way = waiting["reviews"][0]
    assert under_way["decision"] is None and under_way["outstanding"] == ["natural_resources"]
    assert waiting["may"]["decide"] is False


def test_the_sample_study_is_the_same_pdf_on_every_load() -> None:
    assert study_pdf("样例项目") == study_pdf("样例项目") and study_pdf("样例项目").startswith(b"%PDF-")
