"""The Xiamen sample generator (data/samples/generate.py): deterministic, valid, and its proposals really
conflict with what they say. No database: the files are read back with shapely and pyproj only."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from data.samples.generate import generate, main
from data.samples.geo import load_base, load_districts_wgs84, to_lonlat
from layers.land_use import URBAN_CONSTRUCTION_CLASSES, Compatibility, first_level
from layers.rule_set import shipped_rule_set

COMMITTED = Path(__file__).resolve().parent.parent / "data" / "samples" / "xiamen"
GEOD = Geod(ellps="WGS84")
TO_EQUAL_AREA = Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)  # WGS 84 / EASE-Grid 2.0
FROM_GK = Transformer.from_crs("EPSG:4548", "EPSG:4326", always_xy=True)
PLAIN_KINDS = ("ecological_red_line", "basic_farmland", "water_source_protection", "river_management_range",
               "flood_risk", "soil_water_conservation", "land_acquisition")


def _transform(geom: shapely.Geometry, transformer: Transformer) -> shapely.Geometry:
    return shapely.transform(geom, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1])))


def _equal_area(geom: shapely.Geometry) -> float:
    return float(shapely.area(_transform(geom, TO_EQUAL_AREA)))


class Samples:
    """A generated sample folder read back: every layer in WGS84 lon/lat with its properties."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.layers: dict[str, tuple[list[shapely.Geometry], list[dict[str, Any]]]] = {}
        for entry in self.manifest["files"]:
            if entry["source"] != "synthetic":
                continue
            features = json.loads((folder / entry["file"]).read_text(encoding="utf-8"))["features"]
            geoms = [shapely.geometry.shape(f["geometry"]) for f in features]
            if entry["crs"] == "EPSG:4548":
                geoms = [_transform(g, FROM_GK) for g in geoms]
            self.layers[entry["kind"]] = (geoms, [f["properties"] for f in features])

    def geoms(self, kind: str) -> list[shapely.Geometry]:
        return self.layers[kind][0]

    def props(self, kind: str) -> list[dict[str, Any]]:
        return self.layers[kind][1]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    folder = tmp_path_factory.mktemp("samples-a")
    generate(folder, scale=1, seed=20241)
    return Samples(folder)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_same_seed_gives_byte_identical_files(samples: Samples, tmp_path: Path) -> None:
    generate(tmp_path, scale=1, seed=20241)
    assert _files(tmp_path) == _files(samples.folder)


def test_the_committed_samples_are_what_the_generator_makes(samples: Samples) -> None:
    """data/samples/xiamen is the scale-1, seed-20241 set: regenerate it (python -m data.samples.generate
    --out data/samples/xiamen) whenever the generator or its inputs change."""
    assert _files(COMMITTED) == _files(samples.folder)


def test_another_seed_gives_other_layers(samples: Samples, tmp_path: Path) -> None:
    assert main(["--scale", "1", "--seed", "7", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "land_use.geojson").read_bytes() != (samples.folder / "land_use.geojson").read_bytes()


def test_geopackage_output_is_reproducible_too(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    generate(first, fmt="gpkg")
    generate(second, fmt="gpkg")
    assert _files(first) == _files(second)
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert {e["file"].rsplit(".", 1)[1] for e in manifest["layers"]} == {"gpkg"}


def test_the_manifest_lists_every_file_with_its_crs_and_count(samples: Samples) -> None:
    manifest = samples.manifest
    assert sorted(e["file"] for e in manifest["files"]) == sorted(
        p.name for p in samples.folder.iterdir() if p.name != "manifest.json")
    assert {e["kind"] for e in manifest["layers"]} == set(PLAIN_KINDS) | {
        "land_use", "urban_development_boundary", "investment_parcel"}
    assert manifest["proposals"] == "proposals.geojson"
    crs = {e["kind"]: e["crs"] for e in manifest["files"]}
    assert crs["basic_farmland"] == "EPSG:4490" and crs["soil_water_conservation"] == "EPSG:4548"
    assert crs["district"] == "GCJ02" and crs["land_use"] == "EPSG:4326"
    for entry in manifest["files"]:
        assert set(entry) == {"file", "kind", "name", "crs", "feature_count", "source"}
        if entry["source"] == "synthetic":
            assert entry["feature_count"] == len(samples.geoms(entry["kind"])) > 0


def test_the_real_inputs_are_copied_unchanged(samples: Samples) -> None:
    for entry in samples.manifest["files"]:
        if entry["source"] == "real":
            assert (samples.folder / entry["file"]).read_bytes() == (COMMITTED / entry["file"]).read_bytes()


def test_every_geometry_is_a_valid_polygon_within_the_districts(samples: Samples) -> None:
    districts = shapely.union_all([g for _, g in load_districts_wgs84().values()])
    xmin, ymin, xmax, ymax = districts.bounds
    for kind, (geoms, _) in samples.layers.items():
        for geom in geoms:
            assert geom.geom_type in ("Polygon", "MultiPolygon"), kind
            assert geom.is_valid and not geom.is_empty, kind
            gx0, gy0, gx1, gy1 = geom.bounds
            assert xmin <= gx0 and ymin <= gy0 and gx1 <= xmax and gy1 <= ymax, kind


def test_land_use_zones_tile_the_district_land(samples: Samples) -> None:
    zones = samples.geoms("land_use")
    assert 1800 <= len(zones) <= 2000
    land = shapely.union_all([to_lonlat(g) for g in load_base().district_land.values()])
    union = shapely.union_all(zones)
    assert shapely.coverage_is_valid(np.array(zones, dtype=object))  # edge-matched: no overlap, no sliver
    total, covered = sum(_equal_area(z) for z in zones), _equal_area(union)
    assert total - covered < 1.0  # m²: float noise only
    assert _equal_area(shapely.intersection(union, land)) >= 0.99 * _equal_area(land)
    codes = [p["zone_code"] for p in samples.props("land_use")]
    assert len(set(codes)) == len(codes)


def test_land_use_mix_follows_the_city(samples: Samples) -> None:
    props = samples.props("land_use")
    areas = [_equal_area(g) for g in samples.geoms("land_use")]

    def share(district: str, classes: tuple[str, ...]) -> float:
        inside = [(a, p["landuse_code"][:2]) for a, p in zip(areas, props, strict=True)
                  if p["district_code"] == district]
        return sum(a for a, c in inside if c in classes) / sum(a for a, _ in inside)

    urban = ("07", "08", "09", "10", "11", "12", "13", "14")
    assert share("350203", urban) > 0.7 and share("350206", urban) > 0.7
    assert share("350212", ("01", "03")) > 0.5
    industrial = {p["district_code"] for p in props if p["landuse_code"] == "1001"}
    assert {"350205", "350211", "350213"} <= industrial


def test_red_line_has_an_enclave_and_water_tiers_do_not_overlap(samples: Samples) -> None:
    red = samples.geoms("ecological_red_line")
    assert any(len(p.interiors) for g in red for p in shapely.get_parts(g))
    assert {p["category"] for p in samples.props("ecological_red_line")} == {
        "水源涵养", "生物多样性维护", "水土保持", "海岸生态稳定"}
    water = list(zip(samples.geoms("water_source_protection"), samples.props("water_source_protection"),
                     strict=True))
    tier1 = shapely.union_all([g for g, p in water if p["tier"] == 1])
    for geom, props in water:
        if props["tier"] == 2:
            assert any(len(p.interiors) for p in shapely.get_parts(geom))
            assert _equal_area(shapely.intersection(geom, tier1)) < 1.0


def test_basic_farmland_lies_on_farmland_zones_mostly_in_tongan_and_xiangan(samples: Samples) -> None:
    farmland = samples.props("basic_farmland")
    share = sum(p["district_code"] in ("350212", "350213") for p in farmland) / len(farmland)
    assert share > 0.7
    assert all(isinstance(p["grade"], int) and 1 <= p["grade"] <= 15 for p in farmland)
    zones = samples.geoms("land_use")
    codes = np.array([p["landuse_code"] for p in samples.props("land_use")])
    tree = shapely.STRtree(zones)
    for parcel in samples.geoms("basic_farmland"):
        hit = tree.query(parcel.representative_point(), predicate="intersects")
        assert all(c.startswith("01") for c in codes[hit])


def test_investment_parcels_cover_every_district_and_status(samples: Samples) -> None:
    parcels = samples.props("investment_parcel")
    assert len(parcels) >= 40
    assert {p["district_code"] for p in parcels} == {"350203", "350205", "350206", "350211", "350212", "350213"}
    combos = {(p["acquisition_status"], p["demolition_status"], p["availability"]) for p in parcels}
    assert combos == set(itertools.product(("not_started", "in_progress", "done"),
                                           ("not_needed", "not_started", "in_progress", "done"),
                                           ("open", "reserved", "transferred")))
    csv = (samples.folder / "xiamen_admin_codes_china-division-2.7.0.csv").read_text(encoding="utf-8")
    streets = {line.split(",")[2].strip('"'): line.split(",")[3] for line in csv.splitlines()
               if line.startswith("street,")}
    for p in parcels:
        named = [s for s in streets if s in p["location"]]
        assert named and streets[named[0]] == p["district_code"], p["location"]
        assert 0 <= p["acquisition_percent"] <= 100
        assert (p["acquisition_percent"] == 100) == (p["acquisition_status"] == "done")
        assert (p["households_remaining"] == 0) == (p["demolition_status"] in ("not_needed", "done"))
        assert p["supply_method"] in ("挂牌出让", "招标出让", "拍卖出让", None)


_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code_ok(code: str) -> bool:
    """GB 32100-2015 check character, and GB 11714-1997 check digit of the organisation code inside."""
    if len(code) != 18 or any(c not in _USCC for c in code):
        return False
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    if _USCC[(31 - sum(w * _USCC.index(c) for w, c in zip(weights, code, strict=False)) % 31) % 31] != code[17]:
        return False
    value = [int(c) if c.isdigit() else ord(c) - 55 for c in code[8:16]]
    digit = 11 - sum(w * v for w, v in zip([3, 7, 9, 10, 5, 8, 4, 2], value, strict=True)) % 11
    return {10: "X", 11: "0"}.get(digit, str(digit)) == code[16]


def test_the_check_used_here_is_the_standards() -> None:
    assert _credit_code_ok("91350100M000100Y43")  # the example code widely cited for GB 32100-2015
    assert not _credit_code_ok("91350100M000100Y44")


def test_every_credit_code_passes_both_checks(samples: Samples) -> None:
    codes = [p["credit_code"] for p in samples.props("proposals")]
    assert all(_credit_code_ok(c) for c in codes), codes
    # An applicant may come back with another project, under its own code: a code always names one applicant.
    pairs = {(p["applicant"], p["credit_code"]) for p in samples.props("proposals")}
    assert len({code for _, code in pairs}) == len(pairs) < len(codes)


def _conflicts(samples: Samples, index: int) -> set[str]:
    """The layer kinds a proposal's site really overlaps (by positive area), by the platform's rules."""
    site, props = samples.geoms("proposals")[index], samples.props("proposals")[index]
    found = {kind for kind in PLAIN_KINDS
             if any(shapely.area(shapely.intersection(site, g)) > 0 for g in samples.geoms(kind))}
    udb = shapely.union_all(samples.geoms("urban_development_boundary"))
    if first_level(props["land_use"]) in URBAN_CONSTRUCTION_CLASSES and shapely.area(site - udb) > 0:
        found.add("urban_development_boundary")
    for zone, zone_props in zip(samples.geoms("land_use"), samples.props("land_use"), strict=True):
        if (shipped_rule_set().compatibility(props["land_use"], zone_props["landuse_code"]) is not Compatibility.ALLOWED
                and shapely.area(shapely.intersection(site, zone)) > 0):
            found.add("land_use")
    others = [g for i, g in enumerate(samples.geoms("proposals")) if i != index]
    if any(shapely.area(shapely.intersection(site, g)) > 0 for g in others):
        found.add("project_site")
    return found


def test_each_proposal_conflicts_with_exactly_what_it_expects(samples: Samples) -> None:
    for index, props in enumerate(samples.props("proposals")):
        assert _conflicts(samples, index) == set(props["expected"]), props["name"]


def test_proposals_hit_every_kind_of_conflict_at_least_twice(samples: Samples) -> None:
    props = samples.props("proposals")
    sites = samples.geoms("proposals")
    assert len(props) >= 36
    counts = {kind: sum(kind in p["expected"] for p in props) for kind in (
        *PLAIN_KINDS, "urban_development_boundary", "land_use", "project_site")}
    assert min(counts.values()) >= 2, counts
    assert {p["district_code"] for p in props if not p["expected"]} == {
        "350203", "350205", "350206", "350211", "350212", "350213"}

    water = list(zip(samples.geoms("water_source_protection"), samples.props("water_source_protection"),
                     strict=True))
    tier1 = [g for g, p in water if p["tier"] == 1]
    tier2 = [g for g, p in water if p["tier"] == 2]

    def overlaps(site: shapely.Geometry, geoms: list[shapely.Geometry]) -> bool:
        return any(shapely.area(shapely.intersection(site, g)) > 0 for g in geoms)

    assert sum(overlaps(s, tier1) for s in sites) >= 2
    polluting = shipped_rule_set().polluting_industries
    assert sum(overlaps(s, tier2) and not overlaps(s, tier1) and p["industry"] in polluting
               for s, p in zip(sites, props, strict=True)) >= 2
    residential = [g for g, p in zip(samples.geoms("land_use"), samples.props("land_use"), strict=True)
                   if p["landuse_code"].startswith("07")]
    assert sum(p["land_use"].startswith("10") and overlaps(s, residential) and p["expected"] == ["land_use"]
               for s, p in zip(sites, props, strict=True)) >= 2


def test_proposal_sites_are_1_to_30_hectares_with_one_multipolygon(samples: Samples) -> None:
    sites = samples.geoms("proposals")
    hectares = [abs(GEOD.geometry_area_perimeter(s)[0]) / 1e4 for s in sites]
    assert all(1.0 <= ha <= 30.0 for ha in hectares), hectares
    assert sum(s.geom_type == "MultiPolygon" for s in sites) >= 1
    props = samples.props("proposals")
    assert all(p["project_type"] in ("01", "02", "03") for p in props)
    assert all(p["investment_category"] in ("financial", "general_social", "small_social") for p in props)
    assert len({p["name"] for p in props}) == len(props)
