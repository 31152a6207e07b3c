"""The conflict rules as versioned data (规则集版本): the shipped file is today's rules, a city changes a
severity without code, every screening names the version it used, bad files are refused whole."""

from __future__ import annotations

import subprocess
import sys

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import text
from test_screening_engine import PLANNING_AREA, write

from layers.importer import import_layer
from layers.rule_set import RuleSetError, parse_rule_set, rule_set_in_force, shipped_rule_set, store_rule_set
from projects.screening import Screener, ScreeningRequest, load_screening, store_screening
from projects.sites import prepare_site

FLOOD = box(118.10, 24.50, 118.12, 24.52)
SITE = box(118.105, 24.505, 118.115, 24.515)


@pytest.fixture(scope="module")
def world(isolated_engine, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules-world")
    import_layer(write(folder / "district.geojson", [PLANNING_AREA], [{"adcode": "350299", "name": "test"}]),
                 "district", name="district", engine=isolated_engine)
    import_layer(write(folder / "flood.geojson", [FLOOD], [{"risk_level": "high"}]), "flood_risk", name="flood",
                 engine=isolated_engine)
    return isolated_engine


def screen(engine):
    with engine.begin() as connection:
        request = ScreeningRequest(site=prepare_site(mapping(SITE)), project_type="02", land_use="0701",
                                   industry="K70")
        report = Screener(connection).screen(request)
        return report, store_screening(connection, report)


def test_the_shipped_file_holds_every_rule_of_every_kind():
    rules = shipped_rule_set()
    assert rules.version == 1 and len(rules.rules) == 15
    assert {rule.kind for rule in rules.rules} == {
        "land_use", "ecological_red_line", "basic_farmland", "urban_development_boundary",
        "water_source_protection", "river_management_range", "flood_risk", "soil_water_conservation",
        "land_acquisition"}
    red_line = rules.for_kind("ecological_red_line")[0]
    assert red_line.severity.value == "blocking" and red_line.protected
    assert {"B06", "C15", "C14", "D44"} <= rules.polluting_industries
    assert rules.compatibility("13", "10").value == "allowed" and rules.compatibility("07", "01").value == "blocking"


def test_a_city_changes_a_severity_and_each_screening_names_its_rules(world):
    with world.connect() as connection:
        assert rule_set_in_force(connection).version == 1  # the migration stored the shipped file
    before, before_id = screen(world)
    [flood] = [c for c in before.conflicts if c.layer_kind == "flood_risk"]
    assert flood.severity == "needs_review" and before.rule_set == {"version": 1, "digest": shipped_rule_set().digest}

    stricter = shipped_rule_set().source.replace(
        'id = "flood_risk.overlap"\nkind = "flood_risk"\nrelation = "overlaps"\nseverity = "needs_review"',
        'id = "flood_risk.overlap"\nkind = "flood_risk"\nrelation = "overlaps"\nseverity = "blocking"')
    assert stricter != shipped_rule_set().source
    with world.begin() as connection:
        assert store_rule_set(connection, stricter, "test").version == 2
    after, _ = screen(world)
    [flood] = [c for c in after.conflicts if c.layer_kind == "flood_risk"]
    assert flood.severity == "blocking" and after.summary["eligible_for_code"] is False
    assert after.rule_set["version"] == 2
    with world.connect() as connection:  # the old report still says what it applied then
        assert load_screening(connection, before_id)["rule_set"]["version"] == 1
    with world.begin() as connection:
        assert store_rule_set(connection, stricter, "test again").version == 2  # the same text: no new version


def test_a_bad_rules_file_is_refused_whole_naming_the_rule(world):
    source = shipped_rule_set().source
    cases = {
        source.replace('severity = "blocking"', 'severity = "fatal"', 1): "rule 3 (ecological_red_line.overlap)",
        source.replace("tier = [1]", "tier = [3]"): "allowed values",
        source.replace('kind = "flood_risk"', 'kind = "floods"'): "not a layer kind",
        source + "\n[[rules]\n": "not a TOML file",
    }
    for bad, said in cases.items():
        with pytest.raises(RuleSetError, match=said.replace("(", r"\(").replace(")", r"\)")):
            parse_rule_set(bad)
    with world.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM rule_sets")).scalar_one()
    with pytest.raises(RuleSetError), world.begin() as connection:
        store_rule_set(connection, next(iter(cases)), "test")
    with world.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM rule_sets")).scalar_one() == count


def test_the_command_line_loads_exports_and_lists_versions(world, tmp_path, monkeypatch):
    env = {"DATABASE_URL": world.url.render_as_string(hide_password=False)}
    run = lambda *args: subprocess.run([sys.executable, "-m", "cli.main", "rules", *args], capture_output=True,  # noqa: E731
                                       text=True, env={**__import__("os").environ, **env})
    exported = run("export")
    assert exported.returncode == 0 and "[[rules]]" in exported.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text(exported.stdout.replace('department = "water"', 'department = "weather"', 1))
    refused = run("load", str(broken))
    assert refused.returncode == 2 and "weather" in refused.stderr
    history = run("history")
    assert history.returncode == 0 and history.stdout.splitlines()[-1].startswith("version 1 ")
