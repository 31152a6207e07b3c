"""True ground areas on the WGS84 ellipsoid, and m² / 亩 / hectare figures (no database)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import LineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from gis.area import M2_PER_HECTARE, M2_PER_MU, AreaFigures, ellipsoidal_area_m2, ellipsoidal_areas_m2

SQUARE = box(118.1, 24.5, 118.11, 24.51)  # 0.01° × 0.01° at 24.5°N, about 1.01 km × 1.11 km
HOLE = box(118.102, 24.502, 118.104, 24.504)


def _equal_area_m2(geom: BaseGeometry, crs: str | CRS) -> float:
    """Independent figure: planar area after projecting to an equal-area CRS.

    Edges are densified to 1e-5° (about 1 m) first, so the projected polygon follows the lon/lat straight
    edges that the platform measures."""
    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    densified = shapely.segmentize(geom, 0.00001)
    return shapely.transform(densified, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))).area


@pytest.mark.parametrize(
    "crs",
    [
        "EPSG:6933",  # WGS 84 / NSIDC EASE-Grid 2.0 Global, cylindrical equal-area
        CRS.from_proj4("+proj=aea +lat_1=24 +lat_2=25 +lat_0=24.5 +lon_0=118.1 +datum=WGS84 +units=m"),
    ],
)
def test_square_matches_an_equal_area_projection(crs: str | CRS) -> None:
    expected = _equal_area_m2(SQUARE, crs)
    assert ellipsoidal_area_m2(SQUARE) == pytest.approx(expected, rel=1e-6)
    assert 1.10e6 < expected < 1.15e6


def test_holes_are_subtracted() -> None:
    with_hole = Polygon(SQUARE.exterior.coords, [HOLE.exterior.coords])
    assert ellipsoidal_area_m2(with_hole) == pytest.approx(ellipsoidal_area_m2(SQUARE) - ellipsoidal_area_m2(HOLE))
    assert ellipsoidal_area_m2(with_hole) == pytest.approx(_equal_area_m2(with_hole, "EPSG:6933"), rel=1e-6)


def test_ring_orientation_does_not_matter() -> None:
    # A clockwise shell with a clockwise hole (box() rings are counter-clockwise): the hole is still subtracted.
    clockwise = Polygon(SQUARE.exterior.coords[::-1], [HOLE.exterior.coords[::-1]])
    assert not shapely.is_ccw(clockwise.exterior) and not shapely.is_ccw(clockwise.interiors[0])
    assert ellipsoidal_area_m2(clockwise) == pytest.approx(ellipsoidal_area_m2(SQUARE) - ellipsoidal_area_m2(HOLE))


def test_multipolygons_are_summed() -> None:
    other = box(118.2, 24.5, 118.21, 24.51)
    assert ellipsoidal_area_m2(MultiPolygon([SQUARE, other])) == pytest.approx(
        ellipsoidal_area_m2(SQUARE) + ellipsoidal_area_m2(other)
    )


@pytest.mark.parametrize("geom", [None, Polygon(), LineString([(118.1, 24.5), (118.2, 24.5)])])
def test_nothing_polygonal_has_no_area(geom: BaseGeometry | None) -> None:
    assert ellipsoidal_area_m2(geom) == 0.0


def test_area_figures_convert_units() -> None:
    figures = AreaFigures.from_m2(M2_PER_HECTARE)
    assert figures.hectares == 1.0
    assert figures.mu == pytest.approx(15.0)  # 1 公顷 = 15 亩
    assert AreaFigures.from_m2(M2_PER_MU).mu == pytest.approx(1.0)
    assert round(M2_PER_MU, 2) == 666.67


def test_area_figures_are_rounded_for_display() -> None:
    assert AreaFigures.from_m2(1234.56789).as_dict() == {"m2": 1234.57, "mu": 1.8519, "hectares": 0.123457}


GREENWAY = Polygon([(118.115, 24.49), (118.1643559326, 24.4954262304), (118.1643559326, 24.4954985801),
                    (118.115, 24.4900723497)])  # 5 km × 8 m, tilted


def test_a_vertex_on_an_edge_does_not_change_the_area() -> None:
    # An overlay adds vertices where the site's edges cross feature boundaries; the area must not move.
    (x0, y0), (x1, y1) = GREENWAY.exterior.coords[0], GREENWAY.exterior.coords[1]
    split = Polygon([(x0, y0), (x0 + 0.37 * (x1 - x0), y0 + 0.37 * (y1 - y0)), *GREENWAY.exterior.coords[1:-1]])
    assert ellipsoidal_area_m2(split) == pytest.approx(ellipsoidal_area_m2(GREENWAY), rel=1e-12)
    assert ellipsoidal_area_m2(GREENWAY) == pytest.approx(_equal_area_m2(GREENWAY, "EPSG:6933"), rel=1e-6)


def test_a_zero_width_leftover_has_no_area() -> None:
    # What an overlay leaves of a thin tilted site covered by two polygons that share a boundary across it.
    west, east = box(118.0, 24.4, 118.14, 24.6), box(118.14, 24.4, 118.3, 24.6)
    pieces = shapely.union(GREENWAY.intersection(west), GREENWAY.intersection(east))
    assert ellipsoidal_area_m2(GREENWAY.difference(pieces)) < 0.001
    assert ellipsoidal_area_m2(pieces) == pytest.approx(ellipsoidal_area_m2(GREENWAY), rel=1e-9)


def test_bulk_areas_match_each_polygon_and_an_equal_area_projection() -> None:
    from pathlib import Path

    import geopandas as gpd

    from gis.crs import parse_crs, to_wgs84

    path = Path(__file__).resolve().parent.parent / "data/samples/xiamen/xiamen_districts_cnmaps_gcj02.geojson"
    districts = to_wgs84(gpd.read_file(path).geometry.values, parse_crs("GCJ02"))
    squares = np.array([Polygon([(x, 24.5), (x + 0.001, 24.5), (x + 0.001, 24.501), (x, 24.501)])
                        for x in np.linspace(118.0, 118.4, 50)], dtype=object)
    for geoms in (districts, squares, np.concatenate([districts, squares])):
        bulk = ellipsoidal_areas_m2(geoms)
        np.testing.assert_allclose(bulk, [ellipsoidal_area_m2(g) for g in geoms], rtol=1e-12)
    projected = [_equal_area_m2(g, "EPSG:6933") for g in squares]
    np.testing.assert_allclose(ellipsoidal_areas_m2(squares), projected, rtol=1e-6)
    # whole districts, up to 0.3° tall: the centroid-latitude measure holds to 1e-5
    np.testing.assert_allclose(ellipsoidal_areas_m2(districts), [_equal_area_m2(d, "EPSG:6933") for d in districts],
                               rtol=1e-5)
