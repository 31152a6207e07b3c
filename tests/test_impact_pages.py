"""Layer impact reports as the work lists and the report page show them (图层变更影响报告): who sees which
changes, the report's map, the NDRC's audited re-screening that keeps every stored screening; and the rules
page's API: what changed between two rule set versions, the layer kinds linking to the rules in force."""

from __future__ import annotations

import pytest
from impact_support import revised_red_line
from sqlalchemy import text

from layers.rule_diff import diff_rule_sets
from layers.rule_set import SHIPPED_RULES, parse_rule_set, shipped_rule_set

API = "/api/v1"


@pytest.fixture(scope="module")
def never_rescreened(client, login, engine, tmp_path_factory):
    """A report of its own: the run's shared one (``revised_impact``) may have been re-screened already."""
    return revised_red_line(client, login, engine, tmp_path_factory.mktemp("impact-pages"), 70052)


def _changes(client, headers, impact_id: int) -> dict[int, dict]:
    listed = client.get(f"{API}/layer-impacts", headers=headers)
    assert listed.status_code == 200, listed.text
    found = [impact for impact in listed.json() if impact["id"] == impact_id]
    return {change["proposal_id"]: change for impact in found for change in impact["changes"]}


def test_a_department_sees_the_changes_on_its_projects_and_never_on_a_draft(revised_impact, client, login):
    ids, impact_id = revised_impact["ids"], revised_impact["impact_id"]
    everything = _changes(client, login("ndrc"), impact_id)
    assert {everything[ids[name]]["change"] for name in "AC"} == {"changed", "disappeared"}
    assert everything[ids["B"]]["change"] == everything[ids["D"]]["change"] == "appeared"
    mine = _changes(client, login("dept-natural_resources"), impact_id)
    assert set(mine) == {ids[name] for name in "ABC"}, "the applicant's draft is not the bureau's to see"
    assert mine[ids["A"]]["severity"] == "blocking" and mine[ids["A"]]["department"] == "natural_resources"
    assert _changes(client, login("dept-water"), impact_id) == {}
    for path in (f"/layer-impacts/{impact_id}", f"/layer-impacts/{impact_id}/map"):
        assert client.get(API + path, headers=login("dept-water")).status_code == 404
        assert client.get(API + path, headers=revised_impact["applicant"]["headers"]).status_code == 403


def test_the_map_shows_the_affected_sites_and_only_the_features_that_changed(revised_impact, client, login):
    ids, impact_id = revised_impact["ids"], revised_impact["impact_id"]
    answer = client.get(f"{API}/layer-impacts/{impact_id}/map", headers=login("dept-natural_resources"))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/geo+json"
    features = answer.json()["features"]
    sites = {f["properties"]["proposal_id"] for f in features if f["properties"]["role"] == "site"}
    assert sites == {ids[name] for name in "ABC"}
    changed = {(f["properties"]["role"], f["properties"]["feature_index"]) for f in features
               if f["properties"]["role"] != "site"}
    # Feature 0, the same square in both versions, changed nothing; the others are the revision.
    assert changed == {("removed", 1), ("removed", 2), ("added", 1), ("added", 2), ("added", 3)}
    ndrc = client.get(f"{API}/layer-impacts/{impact_id}/map", headers=login("ndrc")).json()["features"]
    assert {f["properties"]["proposal_id"] for f in ndrc if f["properties"]["role"] == "site"} == set(ids.values())


def _screenings(engine, proposal_ids: list[int]) -> dict[str, dict]:
    with engine.connect() as connection:
        return {str(row.id): row.report for row in connection.execute(text(
            "SELECT s.id, s.report FROM screenings s JOIN site_revisions r ON r.id = s.revision_id "
            "WHERE r.proposal_id = ANY(:ids)"), {"ids": proposal_ids})}


def _audited(engine, impact_id: int) -> list[dict]:
    with engine.connect() as connection:
        return connection.execute(text("SELECT after FROM audit_log WHERE action = 'impact_rescreen' "
                                       "AND after->>'impact_id' = :i"), {"i": str(impact_id)}).scalars().all()


def test_rescreening_is_one_audited_action_that_keeps_every_stored_screening(never_rescreened, client, login,
                                                                              engine):
    ids, impact_id = never_rescreened["ids"], never_rescreened["impact_id"]
    before = _screenings(engine, list(ids.values()))
    # Showing the report, its map and its page writes nothing.
    for path in (f"{API}/layer-impacts/{impact_id}", f"{API}/layer-impacts/{impact_id}/map",
                 f"/impacts/{impact_id}?lang=en"):
        assert client.get(path, headers=login("ndrc")).status_code == 200
    assert _screenings(engine, list(ids.values())) == before

    refused = client.post(f"{API}/layer-impacts/{impact_id}/rescreen",
                          headers={**login("dept-natural_resources"), "Accept-Language": "en"})
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert "ndrc" in refused.json()["detail"].lower() and "department" in refused.json()["detail"]
    assert _screenings(engine, list(ids.values())) == before and _audited(engine, impact_id) == []

    done = client.post(f"{API}/layer-impacts/{impact_id}/rescreen", headers=login("ndrc"))
    assert done.status_code == 200, done.text
    answer = done.json()
    rescreened = {entry["proposal_id"]: entry for entry in answer["rescreened"]}
    assert set(rescreened) == {ids[name] for name in "ABD"}
    for name in "ABD":  # screened when the test red line did not exist yet; now it blocks
        entry = rescreened[ids[name]]
        assert entry["before"]["blocking_count"] == 0 and entry["after"]["blocking_count"] >= 1
        assert entry["after"]["screening_id"] != entry["before"]["screening_id"]
    assert answer["not_rescreened"] == [{"proposal_id": ids["C"], "proposal_name": never_rescreened["names"]["C"],
                                         "state": "approved", "project_code": answer["not_rescreened"][0]
                                         ["project_code"], "reason": "coded"}]
    after = _screenings(engine, list(ids.values()))
    assert {key: after[key] for key in before} == before, "no stored screening was rewritten"
    assert set(after) - set(before) == {entry["after"]["screening_id"] for entry in rescreened.values()}
    [entry] = _audited(engine, impact_id)
    assert entry["proposals"] == sorted(rescreened) and entry["kept"] == [ids["C"]]
    assert entry["screenings"] == {str(pid): e["after"]["screening_id"] for pid, e in rescreened.items()}


def _changed_rules() -> str:
    """The shipped rules with the flood rule's severity and follow-up changed, the soil and water rule gone,
    a rule added, one compatibility pair and one polluting industry changed."""
    source = SHIPPED_RULES.read_text(encoding="utf-8")
    shipped = shipped_rule_set()
    [flood] = shipped.for_kind("flood_risk")
    [soil] = shipped.for_kind("soil_water_conservation")
    blocks = source.split("[[rules]]")
    kept = [block for block in blocks if f'id = "{soil.rule_id}"' not in block]
    source = "[[rules]]".join(kept)
    start = source.index(f'id = "{flood.rule_id}"')
    end = source.index("[[rules]]", start)
    flood_block = source[start:end].replace(f'severity = "{flood.severity.value}"', 'severity = "blocking"')
    flood_block = flood_block.replace(flood.follow_up.en, "move the site out of the flood zone")
    source = source[:start] + flood_block + source[end:]
    source = source.replace('"07" = { needs_review = ["08", "09", "16"] }', '"07" = { needs_review = ["08", "16"] }')
    source = source.replace('"C32", "D44"]', '"C32", "C33", "D44"]')
    return source + '''
[[rules]]
id = "flood_risk.info_note"
kind = "flood_risk"
relation = "overlaps"
severity = "info"
department = "water"
message = { zh = "选址位于洪涝风险区", en = "site lies in a flood risk zone" }
'''


def test_the_diff_names_rules_by_id_added_removed_and_what_changed_in_them():
    old = shipped_rule_set()
    new = parse_rule_set(_changed_rules(), version=2)
    [flood] = old.for_kind("flood_risk")
    [soil] = old.for_kind("soil_water_conservation")
    diff = diff_rule_sets(old, new)
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert [rule["id"] for rule in diff["added"]] == ["flood_risk.info_note"]
    assert [rule["id"] for rule in diff["removed"]] == [soil.rule_id]
    changed = {rule["id"]: rule for rule in diff["changed"]}.pop(flood.rule_id)
    assert set(changed["fields"]) == {"severity", "follow_up"}
    # The rules that name the polluting industries changed with the list, in that field only.
    polluting = old.polluting_industries
    assert {rule["id"]: set(rule["fields"]) for rule in diff["changed"] if rule["id"] != flood.rule_id} == {
        rule.rule_id: {field for field, divisions in (("industries", rule.applies_to_industries),
                                                      ("excluded_industries", rule.excludes_industries))
                       if divisions == polluting}
        for rule in old.rules if polluting in (rule.applies_to_industries, rule.excludes_industries)}
    assert changed["fields"]["severity"] == {"old": flood.severity.value, "new": "blocking"}
    assert changed["fields"]["follow_up"]["new"]["en"] == "move the site out of the flood zone"
    assert diff["land_use_compatibility"] == [{"intended": "07", "planned": "09", "old": "needs_review",
                                               "new": "blocking"}]
    assert diff["polluting_industries"] == {"added": ["C33"], "removed": []}
    same = diff_rule_sets(old, shipped_rule_set())
    assert same["added"] == same["removed"] == same["changed"] == same["land_use_compatibility"] == []


def test_the_rule_set_api_compares_versions_and_the_layer_kinds_link_to_the_rules(client):
    first = client.get(f"{API}/rule-sets/1/diff")
    assert first.status_code == 200 and first.json()["from_version"] is None
    assert len(first.json()["added"]) == len(shipped_rule_set().rules)  # the first version: every rule is new
    itself = client.get(f"{API}/rule-sets/1/diff", params={"against": 1}).json()
    assert itself["added"] == itself["changed"] == itself["removed"] == []
    missing = client.get(f"{API}/rule-sets/1/diff", params={"against": 999}, headers={"Accept-Language": "en"})
    assert missing.status_code == 404 and "999" in missing.json()["detail"]
    kinds = client.get(f"{API}/layer-kinds").json()
    red_line = next(kind for kind in kinds if kind["kind"] == "ecological_red_line")
    links = {link["rel"]: link["href"] for link in red_line["rule_set_links"]}
    version = red_line["rule_set_version"]
    assert links == {"history": "/api/v1/rule-sets", "describedby": f"/rules?version={version}",
                     "rule-set": f"/api/v1/rule-sets/{version}"}
    assert client.get(links["describedby"] + "&lang=en").status_code == 200
