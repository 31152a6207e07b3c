"""The screening engine's edge cases, each on layers built for it in a database of its own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box, mapping

from gis.area import M2_PER_MU
from layers.importer import import_layer
from projects.screening import Screener, ScreeningRequest, load_screening, store_screening
from projects.settings import ScreeningSettings
from projects.sites import prepare_site

GEOD = Geod(ellps="WGS84")
PLANNING_AREA = box(118.00, 24.40, 118.40, 24.80)
RED_LINE = Polygon(box(118.10, 24.50, 118.14, 24.54).exterior.coords,
                   [box(118.11, 24.51, 118.13, 24.53).exterior.coords])  # an enclave in the middle
UDB = box(118.20, 24.60, 118.30, 24.70)
ZONES = {  # a 2 x 2 grid of land-use zones
    "0701": box(118.20, 24.60, 118.25, 24.65),
    "1001": box(118.25, 24.60, 118.30, 24.65),
    "0101": box(118.20, 24.65, 118.25, 24.70),
    "0901": box(118.25, 24.65, 118.30, 24.70),
}


def true_area(geom: shapely.Geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def write(path: Path, geometries: list[shapely.Geometry], properties: list[dict] | None = None) -> Path:
    properties = properties or [{} for _ in geometries]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": mapping(g)}
        for g, p in zip(geometries, properties, strict=True)
    ]}), encoding="utf-8")
    return path


def circle(lon: float, lat: float, radius_deg: float, vertices: int) -> Polygon:
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    # a wobbly ring so that the polygon is not a simple shape ST_Subdivide could cut trivially
    radii = radius_deg * (1 + 0.05 * np.sin(angles * 37))
    return Polygon(np.column_stack([lon + radii * np.cos(angles), lat + radii * np.sin(angles)]))


BIG_RED_LINE = circle(118.35, 24.45, 0.03, 60_000)


@pytest.fixture(scope="module")
def world(isolated_engine, tmp_path_factory):
    folder = tmp_path_factory.mktemp("world")
    layers = [
        ("district", [PLANNING_AREA], [{"adcode": "350299", "name": "test district"}]),
        ("ecological_red_line", [RED_LINE, BIG_RED_LINE], [{"name": "enclave"}, {"name": "big"}]),
        ("urban_development_boundary", [UDB], None),
        ("land_use", list(ZONES.values()), [{"landuse_code": code} for code in ZONES]),
        ("water_source_protection", [box(118.05, 24.70, 118.07, 24.72),
                                     box(118.03, 24.68, 118.09, 24.74).difference(box(118.05, 24.70, 118.07, 24.72))],
         [{"tier": 1}, {"tier": 2}]),
    ]
    for kind, geometries, properties in layers:
        import_layer(write(folder / f"{kind}.geojson", geometries, properties), kind, name=kind, engine=isolated_engine)
    return isolated_engine


def screen(engine, site: shapely.Geometry, land_use: str = "0701", industry: str = "K70",
           settings: ScreeningSettings | None = None):
    with engine.connect() as connection:
        request = ScreeningRequest(site=prepare_site(mapping(site)), project_type="02", land_use=land_use,
                                   industry=industry)
        return Screener(connection, settings).screen(request)


def by_kind(report, kind: str) -> list:
    return [c for c in report.conflicts if c.layer_kind == kind]


def test_overlap_with_the_red_line_is_blocking_with_true_area(world):
    site = box(118.09, 24.49, 118.105, 24.505)  # corner of the red line
    report = screen(world, site)
    [conflict] = by_kind(report, "ecological_red_line")
    expected = true_area(site.intersection(RED_LINE))
    assert conflict.severity == "blocking" and conflict.department == "natural_resources"
    assert conflict.overlap["m2"] == pytest.approx(expected, rel=1e-3)
    assert conflict.overlap["mu"] == pytest.approx(expected / M2_PER_MU, rel=1e-3)
    assert conflict.overlap["percent_of_site"] == pytest.approx(100 * expected / true_area(site), rel=1e-3)
    assert shapely.geometry.shape(conflict.geometry).area == pytest.approx(site.intersection(RED_LINE).area, rel=1e-6)
    assert report.summary["blocking_count"] >= 1 and report.summary["eligible_for_code"] is False


def test_touching_boundaries_are_not_conflicts(world):
    site = box(118.14, 24.50, 118.16, 24.52)  # shares the red line's east edge
    assert by_kind(screen(world, site), "ecological_red_line") == []


def test_a_site_inside_a_hole_does_not_conflict(world):
    site = box(118.115, 24.515, 118.125, 24.525)
    assert by_kind(screen(world, site), "ecological_red_line") == []


def test_slivers_below_tolerance_are_ignored_and_each_is_listed(world):
    site = box(118.13999999, 24.50, 118.16, 24.52)  # a 1 mm strip (about 2 m²) over the red line's edge
    report = screen(world, site)
    assert by_kind(report, "ecological_red_line") == []
    [sliver] = report.ignored_slivers
    assert (sliver["layer_kind"], sliver["feature_index"], sliver["rule_id"]) == (
        "ecological_red_line", 0, "ecological_red_line.overlap")
    assert 1 < sliver["overlap"]["m2"] < 5 and sliver["reason"]["en"] == "below the absolute tolerance of 5 m²"
    assert report.tolerance == {"sliver_max_m2": 5.0, "sliver_max_percent": 0.05}
    strict = screen(world, site, settings=ScreeningSettings(sliver_max_m2=0, sliver_max_percent=0))
    assert len(by_kind(strict, "ecological_red_line")) == 1 and strict.ignored_slivers == []


def test_a_strip_of_protected_land_on_a_big_site_is_a_conflict_however_small_a_share(world):
    # 3 亩 (about 2,000 m²) of red line on a 5 km² site: 0.04% of it, under the relative tolerance
    site = box(118.0782, 24.50, 118.100009, 24.52)
    report = screen(world, site)
    [conflict] = by_kind(report, "ecological_red_line")
    assert conflict.severity == "blocking" and 1_900 < conflict.overlap["m2"] < 2_100
    assert conflict.overlap["percent_of_site"] < 0.05
    assert report.summary["eligible_for_code"] is False


def test_the_relative_tolerance_still_drops_noise_on_unprotected_layers_and_lists_it(world):
    site = box(118.20, 24.60, 118.250009, 24.65)  # all of zone 0701 and a 1 m strip of industrial zone 1001
    report = screen(world, site, land_use="0701")
    assert by_kind(report, "land_use") == []
    [sliver] = report.ignored_slivers
    assert sliver["layer_kind"] == "land_use" and sliver["overlap"]["m2"] > 1_000
    assert sliver["reason"]["en"] == "below the relative tolerance of 0.05% of the site"


def test_every_layer_has_a_status(world):
    report = screen(world, box(118.09, 24.49, 118.105, 24.505))
    status = {entry["layer_kind"]: entry["status"] for entry in report.layer_status}
    assert status["ecological_red_line"] == "conflict"
    assert status["water_source_protection"] == "clear"
    assert status["flood_risk"] == status["basic_farmland"] == "missing"  # not loaded in this world
    assert status["project_site"] == "clear"
    red_line = next(e for e in report.layer_status if e["layer_kind"] == "ecological_red_line")
    assert red_line["layer_version"] == 1 and red_line["kind_name"]["zh"] == "生态保护红线"


def test_a_screening_that_leaves_other_projects_out_does_not_call_them_clear(world):
    """An impact analysis reads the layers' conflicts only and skips other projects' sites: its report must
    not claim those are clear, and its layers' findings are a full screening's."""
    site = box(118.09, 24.49, 118.105, 24.505)
    with world.connect() as connection:
        request = ScreeningRequest(site=prepare_site(mapping(site)), project_type="02", land_use="0701",
                                   industry="K70")
        layers_only = Screener(connection, other_projects=False).screen(request)
    full = screen(world, site)
    assert "project_site" not in {entry["layer_kind"] for entry in layers_only.layer_status}
    assert layers_only.layer_status == [e for e in full.layer_status if e["layer_kind"] != "project_site"]
    assert [c.rule_id for c in layers_only.conflicts] == [c.rule_id for c in full.conflicts]


def test_a_site_with_no_land_use_zone_under_it_needs_the_planning_department(world):
    site = box(118.16, 24.45, 118.18, 24.47)  # in the planning area, on no land-use zone
    report = screen(world, site)
    [finding] = by_kind(report, "land_use")
    assert (finding.rule_id, finding.severity, finding.department) == (
        "land_use.no_data", "needs_review", "natural_resources")
    assert finding.overlap["percent_of_site"] == pytest.approx(100)
    assert next(e for e in report.layer_status if e["layer_kind"] == "land_use")["status"] == "no_data"
    assert report.summary["no_data_layer_kinds"] == ["land_use"]
    assert "natural_resources" in [d["department"] for d in report.summary["departments_to_review"]]
    half = screen(world, box(118.19, 24.60, 118.21, 24.62))  # half on zone 0701, half on nothing
    [gap] = [c for c in by_kind(half, "land_use") if c.rule_id == "land_use.no_data"]
    assert gap.overlap["m2"] == pytest.approx(true_area(box(118.19, 24.60, 118.20, 24.62)), rel=1e-3)


def test_a_multipolygon_site_gets_conflicts_from_each_part(world):
    west = box(118.09, 24.49, 118.105, 24.505)
    east = box(118.135, 24.535, 118.15, 24.55)
    report = screen(world, MultiPolygon([west, east]))
    [conflict] = by_kind(report, "ecological_red_line")
    expected = true_area(west.intersection(RED_LINE)) + true_area(east.intersection(RED_LINE))
    assert conflict.overlap["m2"] == pytest.approx(expected, rel=1e-3)
    assert shapely.geometry.shape(conflict.geometry).geom_type == "MultiPolygon"


def test_a_polygon_of_60000_vertices_gives_the_right_area(world):
    site = box(118.33, 24.43, 118.40, 24.47)
    [conflict] = by_kind(screen(world, site), "ecological_red_line")
    assert shapely.get_num_coordinates(BIG_RED_LINE) > 50_000
    assert conflict.overlap["m2"] == pytest.approx(true_area(site.intersection(BIG_RED_LINE)), rel=1e-3)


def test_a_site_across_four_zones_gets_one_conflict_per_incompatible_zone(world):
    site = box(118.24, 24.64, 118.26, 24.66)  # the centre of the 2 x 2 grid
    report = screen(world, site, land_use="1001", industry="C39")
    land_use = {c.attributes["landuse_code"]: c.severity for c in by_kind(report, "land_use")}
    # an industrial plant: allowed on industrial land, blocking on residential, commercial and farmland
    assert land_use == {"0701": "blocking", "0101": "blocking", "0901": "blocking"}


def test_a_public_utility_is_allowed_or_reviewed_not_blocked(world):
    site = box(118.24, 24.64, 118.26, 24.66)
    report = screen(world, site, land_use="13", industry="D44")
    severities = {c.attributes["landuse_code"]: c.severity for c in by_kind(report, "land_use")}
    assert severities == {"0701": "needs_review", "0101": "needs_review", "0901": "needs_review"}


def test_urban_construction_outside_the_development_boundary_conflicts(world):
    half_out = box(118.29, 24.62, 118.31, 24.63)
    [conflict] = by_kind(screen(world, half_out, land_use="0701"), "urban_development_boundary")
    assert conflict.relation == "outside"
    assert conflict.overlap["m2"] == pytest.approx(true_area(half_out.difference(UDB)), rel=1e-3)
    assert by_kind(screen(world, box(118.21, 24.61, 118.22, 24.62), land_use="0701"),
                   "urban_development_boundary") == []
    # farmland is not urban construction: no rule
    assert by_kind(screen(world, half_out, land_use="0101"), "urban_development_boundary") == []


def test_linear_infrastructure_outside_the_development_boundary_needs_review_not_blocking(world):
    half_out = box(118.29, 24.62, 118.31, 24.63)
    for land_use, industry in (("1202", "E48"), ("12", "G54"), ("1205", "G57"), ("13", "D44"), ("1311", "N76")):
        report = screen(world, half_out, land_use=land_use, industry=industry)
        [conflict] = by_kind(report, "urban_development_boundary")
        assert (conflict.rule_id, conflict.severity) == ("urban_development_boundary.outside_linear", "needs_review")
        assert "193号" in conflict.follow_up["zh"] and report.summary["blocking_count"] == 0, land_use
    # Stations, plants and a transport site without a linear industry are sites, not lines: still blocking.
    for land_use, industry in (("1208", "G54"), ("1303", "D44"), ("12", "K70"), ("1001", "C39")):
        report = screen(world, half_out, land_use=land_use, industry=industry)
        [conflict] = by_kind(report, "urban_development_boundary")
        assert (conflict.rule_id, conflict.severity) == ("urban_development_boundary.outside", "blocking"), land_use


def test_every_heavily_polluting_industry_is_barred_from_a_tier_2_water_source_zone(world):
    tier_2 = box(118.035, 24.685, 118.045, 24.695)
    # mining, coal, brewing, fermentation, tanning, cement and thermal power (环办函〔2008〕373号)
    for industry in ("B06", "B09", "B10", "C15", "C14", "C19", "C30", "D44"):
        assert [c.severity for c in by_kind(screen(world, tier_2, industry=industry), "water_source_protection")] \
            == ["blocking"], industry
    # metal products are not on the list: the ecology department reviews them
    assert [c.severity for c in by_kind(screen(world, tier_2, industry="C33"), "water_source_protection")] \
        == ["needs_review"]


def test_water_source_tier_1_blocks_and_tier_2_depends_on_the_industry(world):
    tier_1 = box(118.055, 24.705, 118.065, 24.715)
    assert [c.severity for c in by_kind(screen(world, tier_1), "water_source_protection")] == ["blocking"]
    tier_2 = box(118.035, 24.685, 118.045, 24.695)
    clean = by_kind(screen(world, tier_2, industry="K70"), "water_source_protection")
    polluting = by_kind(screen(world, tier_2, industry="C26"), "water_source_protection")
    assert [c.severity for c in clean] == ["needs_review"] and [c.severity for c in polluting] == ["blocking"]
    assert clean[0].follow_up["en"].startswith("environmental impact assessment")


def test_a_stored_screening_keeps_its_layer_versions_after_a_layer_update(world, tmp_path):
    site = box(118.09, 24.49, 118.105, 24.505)
    with world.begin() as connection:
        report = Screener(connection).screen(ScreeningRequest(site=prepare_site(mapping(site)), project_type="02",
                                                               land_use="0701", industry="K70"))
        screening_id = store_screening(connection, report)
    moved = shapely.affinity.translate(RED_LINE, xoff=0.2)
    import_layer(write(tmp_path / "red.geojson", [moved, BIG_RED_LINE]), "ecological_red_line",
                 name="ecological_red_line", engine=world)
    with world.connect() as connection:
        stored = load_screening(connection, screening_id)
    assert [c["layer_version"] for c in stored["conflicts"] if c["layer_kind"] == "ecological_red_line"] == [1]
    assert len(by_kind(screen(world, site), "ecological_red_line")) == 0  # re-screening sees version 2
    import_layer(write(tmp_path / "red.geojson", [RED_LINE, BIG_RED_LINE]), "ecological_red_line",
                 name="ecological_red_line", engine=world)
