"""Input CRS handling: names, GCJ-02, reprojection to WGS84 and the area-of-use check (no database)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Point, Polygon, box

from gis.crs import (
    CGCS2000,
    CGCS2000_GK_117E,
    WGS84,
    check_area_of_use,
    parse_crs,
    to_wgs84,
    to_wgs84_checked,
)
from gis.errors import SpatialInputError, UnknownCrsError
from gis.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02

GEOD = Geod(ellps="WGS84")
XIAMEN_LON, XIAMEN_LAT = 118.1, 24.5


def _xiamen_points(n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20240601)
    return rng.uniform(117.8, 118.5, n), rng.uniform(24.3, 24.9, n)


def _metres(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def _to_4548(lon: float, lat: float) -> tuple[float, float]:
    return Transformer.from_crs(WGS84, CGCS2000_GK_117E, always_xy=True).transform(lon, lat)


# ------------------------------------------------------------------------------------------------- GCJ-02


def test_gcj02_round_trip_over_xiamen_is_below_one_metre() -> None:
    lon, lat = _xiamen_points()
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert _metres(lon, lat, back_lon, back_lat).max() < 1.0


def test_gcj02_offset_over_xiamen_is_a_few_hundred_metres() -> None:
    lon, lat = _xiamen_points()
    offset = _metres(lon, lat, *wgs84_to_gcj02(lon, lat))
    assert offset.min() > 300.0
    assert offset.max() < 700.0


@pytest.mark.parametrize(("lon", "lat"), [(2.35, 48.85), (139.69, 35.69), (-74.0, 40.7), (151.2, -33.9)])
def test_gcj02_is_wgs84_outside_china(lon: float, lat: float) -> None:
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert (glon, glat) == (lon, lat)


# ------------------------------------------------------------------------------------------------ parse_crs


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("EPSG:4490", CGCS2000),
        ("epsg:4548", CGCS2000_GK_117E),
        ("4326", WGS84),
        (" EPSG:4326 ", WGS84),
        ("urn:ogc:def:crs:EPSG::4490", CGCS2000),
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "OGC:CRS84"),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", "OGC:CRS84"),
        ("EPSG:4527", "EPSG:4527"),
        ("EPSG:3857", "EPSG:3857"),
    ],
)
def test_parse_crs_normalises_epsg_names(text: str, label: str) -> None:
    parsed = parse_crs(text)
    assert parsed.label == label
    assert not parsed.is_gcj02


@pytest.mark.parametrize("text", ["GCJ02", "gcj02", "GCJ-02", "gcj-02", "Gcj_02"])
def test_parse_crs_knows_gcj02_spellings(text: str) -> None:
    parsed = parse_crs(text)
    assert parsed.label == "GCJ02"
    assert parsed.is_gcj02
    assert parsed.crs.to_epsg() == 4326


@pytest.mark.parametrize("text", [None, "", "   "])
def test_parse_crs_defaults_to_wgs84(text: str | None) -> None:
    assert parse_crs(text).label == WGS84
    assert parse_crs(text, default=CGCS2000).label == CGCS2000


@pytest.mark.parametrize("text", ["EPSG:999999", "FOO", "BD-09", "EPSG:4978", "EPSG:5773"])
def test_parse_crs_refuses_unknown_or_non_horizontal(text: str) -> None:
    with pytest.raises(UnknownCrsError) as info:
        parse_crs(text)
    assert info.value.slug == "unknown-crs"
    assert text in str(info.value.detail)


# ------------------------------------------------------------------------------------------------- to_wgs84


def test_to_wgs84_from_gauss_kruger_117e() -> None:
    x, y = _to_4548(XIAMEN_LON, XIAMEN_LAT)
    assert 500_000 < x < 700_000  # x is the easting, although EPSG:4548 lists northing first
    back = to_wgs84(Point(x, y), parse_crs("EPSG:4548"))
    assert back.x == pytest.approx(XIAMEN_LON, abs=1e-7)
    assert back.y == pytest.approx(XIAMEN_LAT, abs=1e-7)


def test_to_wgs84_keeps_array_shape_and_missing_entries() -> None:
    x, y = _to_4548(XIAMEN_LON, XIAMEN_LAT)
    geoms = np.array([Polygon([(x, y), (x + 100, y), (x + 100, y + 100), (x, y)]), None], dtype=object)
    out = to_wgs84(geoms, parse_crs("EPSG:4548"))
    assert out.shape == (2,)
    assert out[1] is None
    assert out[0].exterior.coords[0] == pytest.approx((XIAMEN_LON, XIAMEN_LAT), abs=1e-7)


def test_to_wgs84_undoes_gcj02() -> None:
    lon, lat = _xiamen_points(50)
    glon, glat = wgs84_to_gcj02(lon, lat)
    out = to_wgs84(shapely.points(glon, glat), parse_crs("GCJ02"))
    assert _metres(lon, lat, shapely.get_x(out), shapely.get_y(out)).max() < 1.0


def test_to_wgs84_from_wgs84_drops_z_and_changes_nothing_else() -> None:
    out = to_wgs84(Point(XIAMEN_LON, XIAMEN_LAT, 12.0), parse_crs("EPSG:4326"))
    assert not out.has_z
    assert (out.x, out.y) == (XIAMEN_LON, XIAMEN_LAT)


def test_to_wgs84_from_cgcs2000_is_within_centimetres() -> None:
    out = to_wgs84(Point(XIAMEN_LON, XIAMEN_LAT), parse_crs(CGCS2000))
    assert _metres(XIAMEN_LON, XIAMEN_LAT, out.x, out.y) < 0.05


def test_to_wgs84_checked_checks_first() -> None:
    with pytest.raises(SpatialInputError) as info:
        to_wgs84_checked(Point(XIAMEN_LAT, XIAMEN_LON), parse_crs(CGCS2000))
    assert info.value.slug == "lat-lon-swapped"
    out = to_wgs84_checked(Point(*_to_4548(XIAMEN_LON, XIAMEN_LAT)), parse_crs(CGCS2000_GK_117E))
    assert (out.x, out.y) == pytest.approx((XIAMEN_LON, XIAMEN_LAT), abs=1e-7)


# ---------------------------------------------------------------------------------------- check_area_of_use


def _site(lon: float = XIAMEN_LON, lat: float = XIAMEN_LAT) -> Polygon:
    return box(lon, lat, lon + 0.01, lat + 0.01)


@pytest.mark.parametrize("crs", [WGS84, CGCS2000, "GCJ02", "OGC:CRS84"])
def test_xiamen_passes_in_geographic_crs(crs: str) -> None:
    check_area_of_use(_site(), parse_crs(crs))


def test_xiamen_passes_in_gauss_kruger() -> None:
    x, y = _to_4548(XIAMEN_LON, XIAMEN_LAT)
    check_area_of_use(box(x, y, x + 500, y + 500), parse_crs(CGCS2000_GK_117E))


def test_xiamen_east_edge_passes_in_gauss_kruger() -> None:
    # Xiang'an reaches 118.5°E, the edge of EPSG:4548's area of use; lapping over it is fine.
    x, y = _to_4548(118.52, 24.6)
    check_area_of_use(Point(x, y), parse_crs(CGCS2000_GK_117E))


def test_swapped_lat_lon_is_named_as_such() -> None:
    with pytest.raises(SpatialInputError) as info:
        check_area_of_use(Point(24.48, 118.09), parse_crs(WGS84))
    error = info.value
    assert error.slug == "lat-lon-swapped"
    assert "(24.48, 118.09)" in str(error.detail)
    assert "longitude first" in str(error.detail)
    assert error.location == (24.48, 118.09)
    assert error.extra["feature_index"] == 0


def test_swapped_feature_index_is_reported() -> None:
    geoms = np.array([_site(), None, _site(), shapely.transform(_site(), lambda xy: xy[:, ::-1])], dtype=object)
    with pytest.raises(SpatialInputError) as info:
        check_area_of_use(geoms, parse_crs(CGCS2000))
    assert info.value.slug == "lat-lon-swapped"
    assert info.value.extra["feature_index"] == 3
    assert "feature 3" in str(info.value.detail)


def test_swapped_easting_northing_in_gauss_kruger() -> None:
    x, y = _to_4548(XIAMEN_LON, XIAMEN_LAT)
    with pytest.raises(SpatialInputError) as info:
        check_area_of_use(Point(y, x), parse_crs(CGCS2000_GK_117E))
    assert info.value.slug == "lat-lon-swapped"
    assert "easting" in str(info.value.detail)


def test_zero_in_gauss_kruger_is_outside_the_area() -> None:
    with pytest.raises(SpatialInputError) as info:
        check_area_of_use(Point(0, 0), parse_crs(CGCS2000_GK_117E))
    error = info.value
    assert error.slug == "outside-crs-area"
    assert "EPSG:4548" in str(error.detail)
    assert "115.5°E to 118.5°E" in str(error.detail)
    assert error.location == (0.0, 0.0)


def test_first_offending_point_is_located() -> None:
    crs = parse_crs(CGCS2000_GK_117E)
    x, y = _to_4548(XIAMEN_LON, XIAMEN_LAT)
    stray = Polygon([(x, y), (x + 100, y), (3_000_000, 100), (x, y)])
    with pytest.raises(SpatialInputError) as info:
        check_area_of_use(np.array([box(x, y, x + 1, y + 1), stray], dtype=object), crs)
    assert info.value.slug == "outside-crs-area"
    assert info.value.extra["feature_index"] == 1
    assert info.value.location == (3_000_000.0, 100.0)


def test_zone_prefix_gets_a_hint() -> None:
    x, y = _to_4548(XIAMEN_LON, XIAMEN_LAT)
    with pytest.raises(SpatialInputError) as info:
        check_area_of_use(Point(39_000_000 + x, y), parse_crs(CGCS2000_GK_117E))
    assert "EPSG:4527" in str(info.value.detail)
    check_area_of_use(Point(39_000_000 + x, y), parse_crs("EPSG:4527"))


def test_projected_metres_in_a_geographic_crs_get_a_hint() -> None:
    with pytest.raises(SpatialInputError) as info:
        check_area_of_use(Point(*_to_4548(XIAMEN_LON, XIAMEN_LAT)), parse_crs(CGCS2000))
    assert info.value.slug == "outside-crs-area"
    assert "projected metres" in str(info.value.detail)


def test_gcj02_outside_china_is_refused() -> None:
    with pytest.raises(SpatialInputError) as info:
        check_area_of_use(Point(2.35, 48.85), parse_crs("GCJ02"))
    assert info.value.slug == "outside-crs-area"
    assert "mainland China" in str(info.value.detail)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_non_finite_coordinates_are_refused() -> None:
    nan_ring = Polygon([(118.1, 24.5), (118.2, 24.5), (float("nan"), 24.6), (118.1, 24.5)])
    with pytest.raises(SpatialInputError) as info:
        check_area_of_use(np.array([_site(), nan_ring], dtype=object), parse_crs(WGS84))
    assert info.value.slug == "non-finite-coordinate"
    assert info.value.extra["feature_index"] == 1


def test_missing_and_empty_geometries_are_left_to_validation() -> None:
    check_area_of_use(np.array([None, Polygon(), _site()], dtype=object), parse_crs(CGCS2000))
