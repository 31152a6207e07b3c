"""The attributes a layer kind's rules read are checked at import: normalised when readable, else refused.

On a database of its own: a district, then each import under test, then a screening of a site inside it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import box, mapping
from sqlalchemy import Engine, text

from layers.attributes import AttributeType
from layers.catalogue import LAYER_KINDS
from layers.importer import AttributeRejectedError, import_layer
from layers.rule_set import shipped_rule_set
from projects.screening import Screener, ScreeningRequest
from projects.sites import prepare_site

PLANNING_AREA = box(118.00, 24.40, 118.40, 24.80)


def write(path: Path, geometries: list[shapely.Geometry], properties: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": mapping(g)}
        for g, p in zip(geometries, properties, strict=True)
    ]}, ensure_ascii=False), encoding="utf-8")
    return path


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(connection.execute(text(
            "SELECT (SELECT count(*) FROM layers), (SELECT count(*) FROM layer_versions), "
            "(SELECT count(*) FROM layer_features)")).one())


def stored_properties(engine: Engine, version_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return connection.execute(text("SELECT properties FROM layer_features WHERE version_id = :v "
                                       "ORDER BY feature_index"), {"v": version_id}).scalars().all()


def screen(engine: Engine, site: shapely.Geometry, industry: str = "K70") -> list[tuple[str, str]]:
    with engine.connect() as connection:
        request = ScreeningRequest(site=prepare_site(mapping(site)), project_type="02", land_use="0701",
                                   industry=industry)
        report = Screener(connection).screen(request)
    return sorted((conflict.rule_id, conflict.severity) for conflict in report.conflicts
                  if conflict.layer_kind in ("water_source_protection", "land_acquisition"))


@pytest.fixture(scope="module")
def world(isolated_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("attributes")
    import_layer(write(folder / "district.geojson", [PLANNING_AREA], [{"adcode": "350299"}]), "district",
                 name="district", engine=isolated_engine)
    return isolated_engine


def test_a_water_zone_with_tier_written_as_text_imports_as_tier_1_and_blocks(world, tmp_path):
    zones = [box(118.05, 24.70, 118.07, 24.72), box(118.10, 24.70, 118.12, 24.72)]
    path = write(tmp_path / "water.geojson", zones, [{"name": "水库一级区", "tier": "1"}, {"tier": "二级"}])
    report = import_layer(path, "water_source_protection", name="water", engine=world)
    assert stored_properties(world, report.version_id) == [{"name": "水库一级区", "tier": 1}, {"name": None, "tier": 2}]
    assert [change.to_dict() for change in report.normalised] == [
        {"attribute": "tier", "value": "1", "normalised": 1, "count": 1, "features": [0]},
        {"attribute": "tier", "value": "二级", "normalised": 2, "count": 1, "features": [1]},
    ]
    assert report.to_dict()["normalised"][0]["normalised"] == 1
    assert screen(world, box(118.055, 24.705, 118.065, 24.715)) == [("water_source_protection.tier_1", "blocking")]
    assert screen(world, box(118.105, 24.705, 118.115, 24.715)) == [("water_source_protection.tier_2", "needs_review")]


def test_acquisition_statuses_in_chinese_produce_their_conflicts(world, tmp_path):
    parcels = [box(118.20, 24.50, 118.21, 24.51), box(118.22, 24.50, 118.23, 24.51)]
    path = write(tmp_path / "acquisition.geojson", parcels, [
        {"acquisition_status": "进行中", "demolition_status": "未开始"},
        {"acquisition_status": "已完成", "demolition_status": "进行中"},
    ])
    report = import_layer(path, "land_acquisition", name="acquisition", engine=world)
    assert stored_properties(world, report.version_id) == [
        {"acquisition_status": "in_progress", "demolition_status": "not_started"},
        {"acquisition_status": "done", "demolition_status": "in_progress"},
    ]
    assert screen(world, box(118.202, 24.502, 118.208, 24.508)) == [("land_acquisition.unfinished", "needs_review")]
    assert screen(world, box(118.222, 24.502, 118.228, 24.508)) == [
        ("land_acquisition.demolition_unfinished", "needs_review")]


def test_an_unknown_value_is_refused_with_its_feature_attribute_and_allowed_values(world, tmp_path):
    zones = [box(118.30, 24.70, 118.31, 24.71), box(118.32, 24.70, 118.33, 24.71), box(118.34, 24.70, 118.35, 24.71)]
    path = write(tmp_path / "bad-water.geojson", zones, [{"tier": 1}, {"tier": "准保护区"}, {"name": "no tier"}])
    before = counts(world)
    with pytest.raises(AttributeRejectedError) as raised:
        import_layer(path, "water_source_protection", name="bad water", engine=world)
    assert counts(world) == before
    error = raised.value
    assert error.slug == "invalid-attributes" and error.extra["issue_count"] == 2
    assert [(issue["index"], issue["attribute"], issue["value"]) for issue in error.extra["issues"]] == [
        (1, "tier", "准保护区"), (2, "tier", None)]
    assert "feature 1: tier = '准保护区' is not allowed" in str(error.detail)
    allowed = str(error.extra["issues"][0]["allowed"])
    assert "一级保护区" in allowed and "二级保护区" in allowed


def test_a_missing_required_attribute_and_a_code_outside_the_classification_are_refused(world, tmp_path):
    zone = [box(118.30, 24.60, 118.31, 24.61)]
    before = counts(world)
    with pytest.raises(AttributeRejectedError, match="no feature has the attribute 'acquisition_status'"):
        import_layer(write(tmp_path / "a.geojson", zone, [{"demolition_status": "done"}]), "land_acquisition",
                     name="no status", engine=world)
    with pytest.raises(AttributeRejectedError, match="landuse_code = '0799x' is not allowed"):
        import_layer(write(tmp_path / "lu.geojson", zone, [{"landuse_code": "0799x"}]), "land_use",
                     name="bad land use", engine=world)
    with pytest.raises(AttributeRejectedError, match="grade = 16 is not allowed.*from 1 to 15"):
        import_layer(write(tmp_path / "farm.geojson", zone, [{"grade": 16}]), "basic_farmland",
                     name="bad farmland", engine=world)
    assert counts(world) == before


def test_land_use_codes_that_lost_a_zero_or_are_written_as_names_are_normalised(world, tmp_path):
    zones = [box(118.30 + 0.01 * k, 24.50, 118.305 + 0.01 * k, 24.505) for k in range(3)]
    path = write(tmp_path / "land-use.geojson", zones,
                 [{"landuse_code": 701}, {"landuse_code": "城镇住宅用地"}, {"landuse_code": "工业用地"}])
    report = import_layer(path, "land_use", name="land use", engine=world)
    assert [p["landuse_code"] for p in stored_properties(world, report.version_id)] == ["0701", "0701", "1001"]
    assert {(change.value, change.normalised) for change in report.normalised} == {
        (701, "0701"), ("城镇住宅用地", "0701"), ("工业用地", "1001")}


def test_every_attribute_a_rule_reads_is_declared_with_the_values_the_rule_expects():
    for kind in LAYER_KINDS.values():
        declared = {attribute.name: attribute for attribute in kind.attributes}
        for rule in shipped_rule_set().for_kind(kind.slug):
            for name, values in rule.feature_filter.items():
                attribute = declared[name]
                assert attribute.required and attribute.type is AttributeType.CODE, (kind.slug, name)
                assert values <= set(attribute.values), (rule.rule_id, values - set(attribute.values))
    assert LAYER_KINDS["land_use"].attributes[0].type is AttributeType.LAND_USE_CODE


def test_the_import_command_says_what_it_normalised_and_lists_what_it_refuses(world, tmp_path):
    url = world.url.render_as_string(hide_password=False)
    run = [sys.executable, "-m", "cli.main", "layers", "import", "--kind", "land_acquisition"]
    zone = [box(118.36, 24.60, 118.37, 24.61)]
    good = write(tmp_path / "cli.geojson", zone, [{"acquisition_status": "进行中", "demolition_status": "未启动"}])
    bad = write(tmp_path / "cli-bad.geojson", zone, [{"acquisition_status": "征收完毕", "demolition_status": "done"}])
    results = [subprocess.run([*run, str(path)], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "DATABASE_URL": url}, cwd=Path(__file__).parent.parent)
               for path in (good, bad)]
    assert results[0].returncode == 0, results[0].stderr
    assert "normalised acquisition_status '进行中' -> 'in_progress' (1 features)" in results[0].stdout
    assert results[1].returncode == 2
    assert "feature 0: acquisition_status = '征收完毕' is not allowed" in results[1].stderr
