"""Site selection (智能选址) on layers built for it, where the right candidates are known."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import box, mapping
from sqlalchemy import text

from gis.area import M2_PER_MU
from gis.errors import SpatialInputError
from layers.importer import import_layer
from projects.selection import AreaRange, SelectionRequest, Selector
from projects.sites import prepare_site

GEOD = Geod(ellps="WGS84")
WEST, EAST = box(118.00, 24.40, 118.20, 24.80), box(118.20, 24.40, 118.40, 24.80)
UDB = box(118.00, 24.40, 118.40, 24.60)
# Land-use zones: (name, class, geometry). About 0.002° x 0.002° is 4.5 ha at 24.5°N.
ZONES = [
    ("clear", "1001", box(118.100, 24.500, 118.102, 24.502)),
    ("flooded", "1001", box(118.110, 24.500, 118.112, 24.502)),
    ("pair_west", "1001", box(118.120, 24.500, 118.121, 24.502)),  # two halves of one site
    ("pair_east", "1001", box(118.121, 24.500, 118.122, 24.502)),
    ("half_red", "1001", box(118.130, 24.500, 118.134, 24.502)),  # its east half is red line
    ("housing", "0701", box(118.140, 24.500, 118.142, 24.502)),  # incompatible with industry
    ("commerce_in_red", "0901", box(118.150, 24.500, 118.152, 24.502)),
    ("outside_udb", "1001", box(118.100, 24.700, 118.102, 24.702)),
    ("east", "1001", box(118.300, 24.500, 118.302, 24.502)),
    # a block of 6 x 2 touching commercial zones of about 1.1 ha each: one connected piece of 13.5 ha
    *((f"block_{column}_{row}", "0901", box(118.050 + 0.001 * column, 24.500 + 0.001 * row,
                                           118.051 + 0.001 * column, 24.501 + 0.001 * row))
      for column in range(6) for row in range(2)),
]
BLOCK = box(118.050, 24.500, 118.056, 24.502)
RED_LINE = [box(118.132, 24.500, 118.134, 24.502), box(118.149, 24.499, 118.153, 24.503)]
FLOOD = box(118.111, 24.500, 118.112, 24.502)
PARCEL = box(118.160, 24.500, 118.162, 24.502)


def true_area(geom: shapely.Geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def write(path: Path, geometries: list, properties: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": mapping(g)}
        for g, p in zip(geometries, properties, strict=True)]}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def world(isolated_engine, tmp_path_factory):
    folder = tmp_path_factory.mktemp("selection")
    parcel = {"parcel_code": "T-ZS-0001", "landuse_code": "1001", "acquisition_status": "in_progress",
              "demolition_status": "not_started", "availability": "open"}
    layers = [
        ("district", [WEST, EAST], [{"adcode": "350291", "name": "west"}, {"adcode": "350292", "name": "east"}]),
        ("land_use", [z[2] for z in ZONES], [{"landuse_code": z[1]} for z in ZONES]),
        ("ecological_red_line", RED_LINE, [{}, {}]),
        ("urban_development_boundary", [UDB], [{}]),
        ("flood_risk", [FLOOD], [{"risk_level": "high"}]),
        ("investment_parcel", [PARCEL], [parcel]),
        ("land_acquisition", [PARCEL], [{"acquisition_status": "in_progress", "demolition_status": "not_started"}]),
    ]
    for kind, geometries, properties in layers:
        import_layer(write(folder / f"{kind}.geojson", geometries, properties), kind, name=kind,
                     engine=isolated_engine)
    with isolated_engine.connect() as connection:
        ids = connection.execute(text(
            "SELECT f.id FROM layer_features f JOIN layer_versions v ON v.id = f.version_id "
            "JOIN layers l ON l.id = v.layer_id WHERE l.kind = 'land_use' ORDER BY f.feature_index")).scalars()
        return isolated_engine, dict(zip([z[0] for z in ZONES], ids, strict=True))


def select(engine, land_use: str = "1001", area: AreaRange | None = None, **options):
    request = SelectionRequest(project_type="02", land_use=land_use, industry="C39",
                               area=area or AreaRange.of(3, 6, "ha"), **options)
    with engine.connect() as connection:
        return Selector(connection).select(request)


def zone_id(ids: dict[str, int], name: str) -> str:
    return f"Z{ids[name]:012d}-001"


def test_candidates_are_ranked_by_what_stands_in_their_way(world):
    engine, ids = world
    result = select(engine)
    order = [c.id for c in result.candidates]
    clear = sorted(zone_id(ids, name) for name in ("clear", "pair_west", "half_red", "east"))
    assert order[:4] == clear  # nothing in their way: ties broken by id
    assert order[4] == zone_id(ids, "flooded")  # one department (water) must review the flood risk
    parcel = result.candidates[5]
    assert parcel.source == "investment_parcel" and parcel.parcel["parcel_code"] == "T-ZS-0001"
    assert len(order) == 6  # housing is incompatible, the commerce zone is red line, one zone is outside the UDB
    flooded = result.candidates[4]
    assert [r["rule_id"] for r in flooded.reasons] == ["flood_risk.overlap"]
    assert flooded.reasons[0]["department"] == "water"
    assert flooded.reasons[0]["percent_of_site"] == pytest.approx(50, rel=1e-3)
    # the parcel: its acquisition is unfinished and no land-use zone lies under it
    assert {r["rule_id"] for r in parcel.reasons} >= {"land_acquisition.unfinished", "land_use.no_data",
                                                      "investment_parcel.status"}
    status = next(r for r in parcel.reasons if r["rule_id"] == "investment_parcel.status")
    assert "征地状态为进行中" in status["message"]["zh"]
    for candidate in result.candidates:  # the full report: nothing blocking remains
        assert candidate.report["summary"]["blocking_count"] == 0
        assert candidate.rank == result.candidates.index(candidate) + 1
    assert result.reason is None
    assert {v["kind"] for v in result.layer_versions} >= {"land_use", "ecological_red_line"}
    assert result.rule_set["version"] == 1


def test_the_best_is_the_best_of_all_candidates_when_the_first_ones_by_id_are_not_clear(world):
    """Findings are computed for the first candidates by id first: here the parcel and the flooded zone,
    neither clear, so the clear pair further on must still be found and ranked first."""
    engine, ids = world
    area = prepare_site(mapping(box(118.105, 24.495, 118.165, 24.505)))  # the parcel, flooded, pair, half red
    everyone = [c.id for c in select(engine, search_area=area, limit=10).candidates]
    assert everyone[:2] == [zone_id(ids, "pair_west"), zone_id(ids, "half_red")]
    assert [c.id for c in select(engine, search_area=area, limit=1).candidates] == everyone[:1]
    assert [c.id for c in select(engine, search_area=area, limit=3).candidates] == everyone[:3]


def test_touching_zones_make_one_site(world):
    engine, ids = world
    pair = next(c for c in select(engine).candidates if c.id == zone_id(ids, "pair_west"))
    assert pair.zone_count == 2
    expected = true_area(box(118.120, 24.500, 118.122, 24.502))
    assert pair.area["m2"] == pytest.approx(expected, rel=1e-3)
    assert shapely.geometry.shape(pair.geometry).area == pytest.approx(0.002 * 0.002, rel=1e-9)


def test_blocking_layers_are_subtracted_exactly(world):
    engine, ids = world
    half = next(c for c in select(engine).candidates if c.id == zone_id(ids, "half_red"))
    left = box(118.130, 24.500, 118.132, 24.502)
    assert half.area["m2"] == pytest.approx(true_area(left), rel=1e-3)
    assert shapely.geometry.shape(half.geometry).symmetric_difference(left).area < 1e-12
    assert not any(c["layer_kind"] == "ecological_red_line" for c in half.report["conflicts"])


def test_the_districts_filter_keeps_only_their_land(world):
    engine, ids = world
    west = {c.id for c in select(engine, districts=("350291",)).candidates}
    east = {c.id for c in select(engine, districts=("350292",)).candidates}
    assert zone_id(ids, "east") not in west and east == {zone_id(ids, "east")}
    with pytest.raises(SpatialInputError) as refused:
        select(engine, districts=("350299",))
    assert refused.value.slug == "invalid-parameter"


def test_a_search_area_clips_the_zones_it_crosses(world):
    engine, ids = world
    area = prepare_site(mapping(box(118.0995, 24.499, 118.1015, 24.503)))  # the west three quarters of "clear"
    [candidate] = select(engine, search_area=area, area=AreaRange.of(2, 6, "ha")).candidates
    assert candidate.id == zone_id(ids, "clear")
    assert candidate.area["m2"] == pytest.approx(true_area(box(118.100, 24.500, 118.1015, 24.502)), rel=1e-3)


def test_the_area_range_in_mu(world):
    engine, ids = world
    assert AreaRange.of(45, 90, "mu") == AreaRange(45 * 10_000 / 15, 90 * 10_000 / 15)
    assert AreaRange.of(1, 1, "mu").min_m2 == pytest.approx(666.6667, abs=1e-4)
    single = true_area(box(118.100, 24.500, 118.102, 24.502)) / M2_PER_MU  # about 67 亩
    # a range just around one 4.5 ha zone: the single zones, not the 9 ha or the group-of-two sites
    result = select(engine, area=AreaRange.of(single - 1, single + 1, "mu"))
    assert zone_id(ids, "clear") in {c.id for c in result.candidates}
    assert all(single - 1 <= c.area["mu"] <= single + 1 for c in result.candidates)
    assert result.parameters["area_range"]["min"]["mu"] == pytest.approx(single - 1, abs=1e-3)
    with pytest.raises(SpatialInputError):
        AreaRange.of(90, 45, "mu")
    with pytest.raises(SpatialInputError):
        AreaRange.of(1, 2, "acre")


def test_no_candidate_when_every_compatible_zone_is_inside_the_red_line(world):
    engine, _ = world
    area = prepare_site(mapping(box(118.148, 24.498, 118.154, 24.504)))
    result = select(engine, land_use="0901", search_area=area)
    assert result.candidates == [] and result.considered["compatible_zones"] == 1
    assert "生态保护红线" in result.reason["zh"] and "ecological protection red line" in result.reason["en"]


def test_no_candidate_when_none_is_large_enough(world):
    engine, _ = world
    result = select(engine, area=AreaRange.of(10, 20, "ha"), districts=("350291",))
    assert result.candidates == []
    assert "largest contiguous piece is 44," in result.reason["en"] and "最大的连片用地" in result.reason["zh"]


def test_no_candidate_when_no_zone_is_compatible(world):
    engine, _ = world
    result = select(engine, land_use="0101", districts=("350292",))
    assert result.candidates == [] and "compatible" in result.reason["en"]


def test_the_same_inputs_give_the_same_result(world):
    engine, _ = world
    first, second = select(engine).to_dict(), select(engine).to_dict()
    for result in (first, second):
        for candidate in result["candidates"]:
            candidate["report"].pop("screening_id")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_the_select_command_prints_the_table_and_json(world):
    engine, ids = world
    command = [sys.executable, "-m", "cli.main", "select", "--min", "45", "--max", "90", "--unit", "mu",
               "--district", "350291", "--lang", "en"]
    environment = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    table = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120,
                           cwd=Path(__file__).parent.parent)
    assert table.returncode == 0, table.stderr
    assert zone_id(ids, "clear") in table.stdout and "Water" in table.stdout and "rule set version 1" in table.stdout
    as_json = subprocess.run([*command, "--json"], capture_output=True, text=True, env=environment, timeout=120,
                             cwd=Path(__file__).parent.parent)
    result = json.loads(as_json.stdout)
    assert [c["id"] for c in result["candidates"]] == [c.id for c in select(
        engine, area=AreaRange.of(45, 90, "mu"), districts=("350291",)).candidates]
    refused = subprocess.run([*command[:-2], "--unit", "acre"], capture_output=True, text=True, env=environment,
                             timeout=120, cwd=Path(__file__).parent.parent)
    assert refused.returncode == 2 and "acre" in refused.stderr


def test_the_api_finds_sites_on_the_samples_and_refuses_bad_requests_in_both_languages(client, loaded_samples):
    body = {"project_type": "02", "land_use": "1001", "industry": "C39", "area_min": 2, "area_max": 5,
            "area_unit": "ha", "districts": ["350213"], "limit": 3}
    response = client.post("/api/v1/site-selections", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["parameters"]["area_range"]["min"]["m2"] == 20_000
    assert {"land_use", "ecological_red_line"} <= {v["kind"] for v in result["layer_versions"]}
    for rank, candidate in enumerate(result["candidates"], start=1):
        assert candidate["rank"] == rank and 20_000 <= candidate["area"]["m2"] <= 50_000
        assert candidate["report"]["summary"]["blocking_count"] == 0
    assert result["candidates"] or result["reason"]
    wrong = client.post("/api/v1/site-selections", json={**body, "area_min": 6})
    assert wrong.status_code == 422 and "the area range must be two positive numbers" in wrong.json()["detail"]
    chinese = client.post("/api/v1/site-selections", json={**body, "districts": ["999999"]},
                          headers={"Accept-Language": "zh"})
    assert chinese.status_code == 422 and "没有行政区代码为999999的区" in chinese.json()["detail"]


def test_a_connected_piece_larger_than_the_range_is_cut_into_sites_of_the_range(world):
    engine, _ = world
    area = prepare_site(mapping(BLOCK.buffer(0.0005)))
    result = select(engine, land_use="0901", search_area=area, area=AreaRange.of(2, 5, "ha"))
    sites = [shapely.geometry.shape(c.geometry) for c in result.candidates]
    assert len(sites) >= 2 and result.considered["compatible_zones"] == 12
    for candidate, site in zip(result.candidates, sites, strict=True):
        assert 20_000 <= candidate.area["m2"] <= 50_000 and candidate.zone_count >= 2
        assert len(shapely.get_parts(site)) == 1 and BLOCK.buffer(1e-9).covers(site)  # contiguous, on the block
    assert sum(a.intersection(b).area for i, a in enumerate(sites) for b in sites[i + 1:]) < 1e-12  # disjoint
