"""The in-memory overlay of light sites gives the answers of the overlay in PostGIS: the same features with the
same areas, the same outside parts, the same reports; and a land-use plan's zones and the part on none still
make up the site on long thin tilted sites."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box, mapping
from sqlalchemy import text

from gis.errors import SpatialInputError
from gis.memory_overlay import COVERAGE_CHECK_PIECES, _union, overlay_in_memory
from gis.overlay import overlay_site
from layers.kept_versions import kept_versions
from projects.screening import Screener, ScreeningRequest
from projects.sites import prepare_site


@pytest.fixture(scope="module")
def kept(engine, loaded_samples):
    """A screener on the kept snapshot, one on the same versions in PostGIS, and the kept pieces by version."""
    with engine.connect() as connection:
        in_memory = Screener(connection)
        in_postgis = Screener(connection, versions=in_memory.versions, rules=in_memory.rules)
        assert in_memory.snapshot is not None and in_postgis.snapshot is None
        yield in_memory, in_postgis, {version: kept.pieces for version, kept in
                                       kept_versions(connection, in_memory.snapshot).items()}


@pytest.fixture(scope="module")
def anchors(engine, loaded_samples) -> list[tuple[float, float]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            "SELECT ST_X(ST_PointOnSurface(f.geom)), ST_Y(ST_PointOnSurface(f.geom)) FROM layer_features f "
            "JOIN layer_versions v ON v.id = f.version_id JOIN layers l ON l.id = v.layer_id "
            "WHERE l.kind = 'land_use' ORDER BY f.version_id, f.id"))]


def site_shape(anchor: tuple[float, float], length_m: float, width_m: float, bearing: float) -> shapely.Polygon:
    lon, lat = anchor
    half_lon, half_lat = 0.5 * length_m / (111_320 * np.cos(np.radians(lat))), 0.5 * width_m / 110_574
    return shapely.affinity.rotate(box(lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat), bearing,
                                   origin=(lon, lat))


def assert_same_overlay(kept, shape: shapely.Polygon) -> None:
    in_memory, _, pieces = kept
    site = prepare_site(mapping(shape))
    versions = [v.version_id for v in in_memory.versions if v.kind != "district"]
    outside_of = {"planning area": [v.version_id for v in in_memory.versions_by_kind["district"]],
                  **{f"v{version}": [version] for version in versions}}
    expected = overlay_site(in_memory.connection, site.wkb, versions, outside_of)
    hits, outside = overlay_in_memory(site.geometry, {v: pieces[v] for v in versions},
                                      {name: {v: pieces[v] for v in vs} for name, vs in outside_of.items()})
    assert sorted((o.version_id, o.feature_id) for o in expected.overlaps) == sorted(
        (hit.version_id, hit.feature_id) for hit in hits)
    areas = {(o.version_id, o.feature_id): o.area_m2 for o in expected.overlaps}
    for hit in hits:
        assert hit.area_m2 == pytest.approx(areas[(hit.version_id, hit.feature_id)], rel=1e-9, abs=1e-4)
        assert hit.area_m2 <= site.area_m2 * (1 + 1e-9)
        assert shapely.geometry.shape(hit.geometry).is_valid
    assert outside.keys() == expected.outside.keys()
    for name, part in outside.items():
        assert part.area_m2 == pytest.approx(expected.outside[name].area_m2, rel=1e-9, abs=1e-4)
    for version in (v.version_id for v in in_memory.versions_by_kind["land_use"]):  # a plan is a partition
        on_zones = sum(hit.area_m2 for hit in hits if hit.version_id == version)
        off = outside[f"v{version}"].area_m2 if f"v{version}" in outside else 0
        assert on_zones + off == pytest.approx(site.area_m2, rel=1e-6)


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(anchor=st.integers(0, 10**6), size=st.floats(30, 2_000), ratio=st.floats(0.2, 1), bearing=st.floats(0, 90))
def test_compact_sites_overlay_as_in_postgis(kept, anchors, anchor, size, ratio, bearing):
    assert_same_overlay(kept, site_shape(anchors[anchor % len(anchors)], size, size * ratio, bearing))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(anchor=st.integers(0, 10**6), length=st.floats(5_000, 30_000), width=st.floats(8, 60),
       bearing=st.floats(0, 180))
def test_long_thin_tilted_sites_overlay_as_in_postgis(kept, anchors, anchor, length, width, bearing):
    assert_same_overlay(kept, site_shape(anchors[anchor % len(anchors)], length, width, bearing))


@pytest.mark.parametrize("index", range(0, 400, 20))
def test_a_light_site_gets_the_report_postgis_gives(engine, anchors, index):
    request = ScreeningRequest(site=prepare_site(mapping(site_shape(anchors[index], 600, 400, 30))),
                               project_type="02", land_use="1001", industry="C39")
    with engine.connect() as connection:
        in_memory = Screener(connection)
        try:
            report = in_memory.screen(request).to_dict()
        except SpatialInputError as error:
            report = {"refused": error.slug}
        # the versions the screening ended on (other tests import layers meanwhile), overlaid in PostGIS
        in_postgis = Screener(connection, versions=in_memory.versions, rules=in_memory.rules)
        try:
            expected = in_postgis.screen(request).to_dict()
        except SpatialInputError as error:
            expected = {"refused": error.slug}
    assert report == expected


@pytest.mark.parametrize("overlap", [0.0, 0.3])
def test_many_pieces_unite_as_a_general_union_does(overlap):
    """Over :data:`COVERAGE_CHECK_PIECES` pieces, a coverage (a grid of zones) is united by its edges, and
    pieces that overlap are not taken for one."""
    pieces = np.array([box(118 + i * 0.001, 24.5 + j * 0.001, 118 + (i + 1 + overlap) * 0.001,
                           24.5 + (j + 1 + overlap) * 0.001) for i in range(12) for j in range(12)], dtype=object)
    assert len(pieces) > COVERAGE_CHECK_PIECES
    assert bool(shapely.coverage_is_valid(pieces)) is (overlap == 0)
    united = _union(pieces)
    assert united.is_valid and united.equals(shapely.union_all(pieces))
