"""What a new layer version changes (图层更新影响分析): conflicts that appear, disappear or change area on
live proposals and coded projects, in the departments' work lists, re-screened on request (on Dask:
tests/test_batch_workers.py)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box, mapping
from sqlalchemy import text
from test_fresh_approval import applicant_account, create, spots  # noqa: F401 (a fixture)
from test_proposals import open_review

from gis.area import ellipsoidal_area_m2
from layers.importer import import_layer
from projects.impact import analyse_and_store, compute_impact, plan_impact

API = "/api/v1"


def _halves(site: shapely.Geometry) -> tuple[shapely.Geometry, shapely.Geometry]:
    west, south, east, north = site.bounds
    middle = (west + east) / 2
    return box(west, south, middle, north), box(middle, south, east, north)


def _red_line(path: Path, parts: list[shapely.Geometry]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": f"影响分析测试红线 {n}", "redline_type": "生态功能极重要区"},
         "geometry": mapping(part.buffer(0))} for n, part in enumerate(parts)]}))
    return path


@pytest.fixture(scope="module")
def revised(client, login, engine, spots, tmp_path_factory):  # noqa: F811 (the fixture)
    """Three projects and a test red line revised once: version 2 covers all of A's site where version 1
    covered half, reaches B's east half, and leaves C (coded while version 1 did not exist yet) free."""
    applicant = applicant_account(client, login, engine, f"applicant-impact-{uuid.uuid4().hex[:6]}", 70041)
    sites = {name: next(spots) for name in "ABC"}
    proposals = {name: create(client, applicant, site) for name, site in sites.items()}
    open_review(client, login, applicant, proposals["A"]["id"])
    open_review(client, login, applicant, proposals["C"]["id"])
    approved = client.post(f"{API}/proposals/{proposals['C']['id']}/actions", json={"action": "approve"},
                           headers=login("ndrc"))
    assert approved.status_code == 200, approved.text
    folder = tmp_path_factory.mktemp("impact")
    name = f"影响分析测试红线 {uuid.uuid4().hex[:6]}"
    first = import_layer(_red_line(folder / "v1.geojson", [_halves(sites["A"])[0], sites["C"]]),
                         "ecological_red_line", name=name, engine=engine)
    second = import_layer(_red_line(folder / "v2.geojson", [sites["A"], _halves(sites["B"])[1]]),
                          "ecological_red_line", name=name, engine=engine)
    assert (first.layer_id, first.version, second.version) == (second.layer_id, 1, 2)
    ids = {name: proposal["id"] for name, proposal in proposals.items()}
    return {"layer_id": second.layer_id, "ids": ids, "sites": sites, "applicant": applicant}


def _by_proposal(changes: list[dict]) -> dict[int, dict]:
    return {change["proposal_id"]: change for change in changes}


def test_the_new_version_changes_what_it_covers_and_nothing_else(revised, engine):
    impact = compute_impact(engine, plan_impact(engine, revised["layer_id"], 2), in_process=True)
    ids, sites = revised["ids"], revised["sites"]
    changes = _by_proposal(impact["changes"])
    assert set(changes) == set(ids.values()), "only the three test sites are touched"
    a, b, c = (changes[ids[name]] for name in "ABC")  # areas as reported: m² to 0.01
    assert a["change"] == "changed" and a["severity"] == "blocking" and a["department"] == "natural_resources"
    assert a["old_m2"] == pytest.approx(ellipsoidal_area_m2(_halves(sites["A"])[0]), abs=0.01)
    assert a["new_m2"] == pytest.approx(ellipsoidal_area_m2(sites["A"]), abs=0.01)
    assert b["change"] == "appeared" and b["old_m2"] == 0
    assert b["new_m2"] == pytest.approx(ellipsoidal_area_m2(_halves(sites["B"])[1]), abs=0.01)
    assert c["change"] == "disappeared" and c["project_code"] and c["new_m2"] == 0
    assert impact["against_version"] == 1 and impact["sites_checked"] >= 3
    assert impact["summary"]["by_change"] == {"appeared": {"blocking": 1}, "changed": {"blocking": 1},
                                              "disappeared": {"blocking": 1}}
    assert impact["summary"]["rule_set_version"] == 1  # the analysis names the rules and versions it applied
    assert [revised["layer_id"], 2] in impact["summary"]["layer_versions"]


def test_a_new_layer_is_compared_with_nothing(revised, engine):
    impact = compute_impact(engine, plan_impact(engine, revised["layer_id"], 1), in_process=True)
    assert impact["against_version"] is None
    changes = _by_proposal(impact["changes"])
    assert {changes[revised["ids"][name]]["change"] for name in "AC"} == {"appeared"}
    assert revised["ids"]["B"] not in changes


def test_a_boundary_that_shrinks_leaves_the_site_outside_its_new_version_only(revised, engine, tmp_path):
    """An outside rule reads each version of the layer on its own: where the two versions are screened
    together for their overlaps, the part of A outside the new boundary would be inside the old one."""
    site = revised["sites"]["A"]
    west, _ = _halves(site)
    name = f"影响分析测试城镇开发边界 {uuid.uuid4().hex[:6]}"
    for number, area in enumerate((site, west), start=1):
        path = tmp_path / f"udb{number}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": name}, "geometry": mapping(area)}]}))
        report = import_layer(path, "urban_development_boundary", name=name, engine=engine)
    changes = _by_proposal(compute_impact(engine, plan_impact(engine, report.layer_id, 2), in_process=True)["changes"])
    assert set(changes) == {revised["ids"]["A"]}, "every other site is outside both versions alike"
    outside = changes[revised["ids"]["A"]]
    assert (outside["change"], outside["rule_id"]) == ("appeared", "urban_development_boundary.outside")
    assert outside["new_m2"] == pytest.approx(ellipsoidal_area_m2(_halves(site)[1]), abs=0.01)


def test_the_work_lists_and_the_rescreening_of_what_it_names(revised, client, login, engine):
    impact_id = analyse_and_store(engine, revised["layer_id"], 2, "test", in_process=True)
    ids = revised["ids"]
    listed = client.get(f"{API}/layer-impacts", headers=login("dept-natural_resources")).json()
    mine = next(impact for impact in listed if impact["id"] == impact_id)
    # B is a draft, which only its applicant and the NDRC see (projects.access.can_view_proposal).
    assert {change["proposal_id"] for change in mine["changes"]} == {ids["A"], ids["C"]}
    everything = client.get(f"{API}/layer-impacts/{impact_id}", headers=login("ndrc")).json()
    assert {change["proposal_id"] for change in everything["changes"]} == set(ids.values())
    water = client.get(f"{API}/layer-impacts", headers=login("dept-water")).json()
    assert impact_id not in {impact["id"] for impact in water}  # none of it is the water bureau's
    assert client.get(f"{API}/layer-impacts", headers=revised["applicant"]["headers"]).status_code == 403
    assert client.get(f"{API}/layer-impacts/{impact_id}", headers=login("dept-water")).status_code == 404

    with engine.connect() as connection:
        before = connection.execute(text("SELECT s.id, s.report FROM screenings s JOIN site_revisions r "
                                         "ON r.id = s.revision_id WHERE r.proposal_id = :p"),
                                    {"p": ids["A"]}).all()
    assert client.post(f"{API}/layer-impacts/{impact_id}/rescreen",
                       headers=login("dept-natural_resources")).status_code == 403
    done = client.post(f"{API}/layer-impacts/{impact_id}/rescreen", headers=login("ndrc"))
    assert done.status_code == 200, done.text
    rescreened = {entry["proposal_id"]: entry["blocking_count"] for entry in done.json()["rescreened"]}
    assert set(rescreened) == {ids["A"], ids["B"]}, "the coded project keeps its screenings"
    assert all(count >= 1 for count in rescreened.values())
    with engine.connect() as connection:
        after = dict(connection.execute(text("SELECT s.id, s.report FROM screenings s JOIN site_revisions r "
                                             "ON r.id = s.revision_id WHERE r.proposal_id = :p"),
                                        {"p": ids["A"]}).all())
        audited = connection.execute(text("SELECT count(*) FROM audit_log WHERE action = 'impact_rescreen' "
                                          "AND after->>'impact_id' = :i"), {"i": str(impact_id)}).scalar_one()
    assert all(after[row.id] == row.report for row in before) and len(after) > len(before)
    assert audited == 1


def test_an_impact_report_is_history(revised, engine, owner_engine):
    impact_id = analyse_and_store(engine, revised["layer_id"], 2, "test", in_process=True)
    for who in (engine, owner_engine):
        with pytest.raises(Exception, match="append-only|permission denied"), who.begin() as connection:
            connection.execute(text("UPDATE layer_impact_changes SET new_m2 = 0 WHERE impact_id = :i"),
                               {"i": impact_id})


def test_each_change_is_filed_under_the_department_answering_for_it_in_the_sites_district(engine, loaded_samples):
    """A flood-risk change on a 翔安 site is 翔安区水利局's work (the district answers for flood risk off the
    island), one on a 思明 site the city water bureau's; a red-line change is the city bureau's everywhere."""
    from projects.impact import routed_to_departments

    with engine.connect() as connection:
        proposals = dict(connection.execute(text(
            "SELECT DISTINCT ON (district_code) district_code, id FROM proposals "
            "WHERE district_code IN ('350213', '350203') ORDER BY district_code, id")).all())
        routed = {kind: routed_to_departments(connection, {
            "layer_kind": kind, "summary": {},
            "changes": [{"proposal_id": proposal_id, "change": "appeared", "rule_id": "rule", "severity": "blocking",
                         "department": line, "old_m2": 0.0, "new_m2": 10.0}
                        for proposal_id in proposals.values()]}) for kind, line in (
            ("flood_risk", "water"), ("ecological_red_line", "natural_resources"))}
    assert {change["proposal_id"]: change["department"] for change in routed["flood_risk"]["changes"]} == {
        proposals["350213"]: "xiangan_water", proposals["350203"]: "water"}
    assert routed["flood_risk"]["summary"]["departments"] == ["water", "xiangan_water"]
    assert {change["department"] for change in routed["ecological_red_line"]["changes"]} == {"natural_resources"}
