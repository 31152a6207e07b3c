"""GeoJSON parsing, validity messages, site requirements and batch validation (no database)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

from gis.errors import SpatialInputError
from gis.geometry import (
    GeometryIssue,
    count_vertices,
    describe_invalidity,
    parse_geojson_geometry,
    require_site,
    subdivide,
    to_multipolygon,
    validate_polygons,
)

# Two triangles meeting in a cross at (118.1, 24.5): the classic hand-drawn mistake.
BOW_TIE = Polygon([(118.0, 24.4), (118.2, 24.6), (118.2, 24.4), (118.0, 24.6), (118.0, 24.4)])
SQUARE = box(118.0, 24.4, 118.2, 24.6)
SQUARE_RING = [[118.0, 24.4], [118.2, 24.4], [118.2, 24.6], [118.0, 24.6], [118.0, 24.4]]


# ---------------------------------------------------------------------------------------------- GeoJSON


def test_parses_a_geometry_a_feature_and_a_one_feature_collection() -> None:
    geometry = {"type": "Polygon", "coordinates": [SQUARE_RING]}
    feature = {"type": "Feature", "properties": {"name": "site"}, "geometry": geometry}
    collection = {"type": "FeatureCollection", "features": [feature]}
    for obj in (geometry, feature, collection, json.dumps(collection)):
        assert parse_geojson_geometry(obj).equals(SQUARE)


def test_parses_multipolygon_with_hole_and_drops_z() -> None:
    hole = [[118.05, 24.45, 3.0], [118.1, 24.45, 3.0], [118.1, 24.5, 3.0], [118.05, 24.45, 3.0]]
    geom = parse_geojson_geometry({"type": "MultiPolygon", "coordinates": [[SQUARE_RING, hole]]})
    assert isinstance(geom, MultiPolygon)
    assert not geom.has_z
    assert len(geom.geoms[0].interiors) == 1


def test_parses_a_geometry_collection() -> None:
    text = json.dumps({"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "coordinates": [SQUARE_RING]}, {"type": "Point", "coordinates": [118.1, 24.5]},
    ]})
    geom = parse_geojson_geometry(text)
    assert isinstance(geom, GeometryCollection)
    assert [g.geom_type for g in geom.geoms] == ["Polygon", "Point"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "not valid JSON"),
        ('{"type": "Polygon", "coordinates": [[[118, 24.4]', "not valid JSON"),
        ("[118.1, 24.5]", "expected a GeoJSON object"),
        ("null", "expected a GeoJSON object"),
        ('{"coordinates": []}', "no 'type'"),
        ('{"type": "polygon", "coordinates": []}', "did you mean 'Polygon'"),
        ('{"type": "Circle", "coordinates": [118.1, 24.5]}', "unknown type"),
        ('{"type": "Polygon"}', "no 'coordinates'"),
        ('{"type": "Polygon", "coordinates": [[[118, 24.4], [118.2, 24.4], [118.2, 24.6]]]}', "at least 4"),
        ('{"type": "Polygon", "coordinates": [[[118, 24.4], [118.2, 24.4], [118.2, 24.6], [118, 24.6]]]}',
         "not closed"),
        ('{"type": "Polygon", "coordinates": [[118, 24.4], [118.2, 24.4], [118.2, 24.6], [118, 24.4]]}',
         "found a number where a position"),
        ('{"type": "Polygon", "coordinates": [[[[118, 24.4], [118.2, 24.4], [118.2, 24.6], [118, 24.4]]]]}',
         "found a list of lists"),
        ('{"type": "Point", "coordinates": ["118.1", 24.5]}', "must be a number"),
        ('{"type": "Point", "coordinates": [true, 24.5]}', "must be a number"),
        ('{"type": "Point", "coordinates": [NaN, 24.5]}', "NaN"),
        ('{"type": "Point", "coordinates": [1e999, 24.5]}', "not a finite number"),
        ('{"type": "Point", "coordinates": [118.1]}', "position must be [x, y]"),
        ('{"type": "LineString", "coordinates": [[118.1, 24.5]]}', "at least 2 positions"),
        ('{"type": "MultiPolygon", "coordinates": 5}', "expected a list of polygons"),
        ('{"type": "GeometryCollection", "geometries": {}}', "'geometries' list"),
        ('{"type": "Feature", "properties": {}}', "no 'geometry'"),
        ('{"type": "FeatureCollection", "features": []}', "exactly one feature, got 0"),
        ('{"type": "FeatureCollection", "features": [{"type": "Point", "coordinates": [1, 2]}]}',
         "expected a Feature"),
        ('{"type": "FeatureCollection"}', "'features' list"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_malformed_geojson_is_refused_with_a_reason(text: str, words: str) -> None:
    with pytest.raises(SpatialInputError) as info:
        parse_geojson_geometry(text)
    assert info.value.slug == "malformed-geojson"
    assert words in str(info.value.detail)


def test_malformed_geojson_names_the_path() -> None:
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [SQUARE_RING, [[1, 2]]]}}
    with pytest.raises(SpatialInputError) as info:
        parse_geojson_geometry({"type": "FeatureCollection", "features": [feature]})
    assert info.value.extra["path"] == "$.features[0].geometry.coordinates[1]"
    assert "ring 1" in str(info.value.detail)


def test_null_feature_geometry_is_empty() -> None:
    with pytest.raises(SpatialInputError) as info:
        parse_geojson_geometry({"type": "Feature", "properties": {}, "geometry": None})
    assert info.value.slug == "empty-geometry"


# ---------------------------------------------------------------------------------------------- invalidity


def test_valid_geometry_has_no_issue() -> None:
    assert describe_invalidity(SQUARE) is None


def test_bow_tie_self_intersects_at_the_crossing() -> None:
    issue = describe_invalidity(BOW_TIE)
    assert issue is not None
    assert str(issue.reason) == "ring 0 self-intersects at 118.1, 24.5"
    assert issue.location == pytest.approx((118.1, 24.5))


def test_multipolygon_names_the_polygon() -> None:
    issue = describe_invalidity(MultiPolygon([box(117.0, 24.0, 117.1, 24.1), BOW_TIE]))
    assert issue is not None
    assert str(issue.reason).startswith("polygon 1, ring 0 self-intersects at 118.1, 24.5")


@pytest.mark.parametrize(
    ("wkt", "words"),
    [
        ("POLYGON((0 0,10 0,10 10,0 10,0 0),(20 20,21 20,21 21,20 20))", "ring 1 is a hole lying outside"),
        ("POLYGON((0 0,10 0,10 10,0 10,0 0),(1 1,5 1,5 5,1 5,1 1),(2 2,3 2,3 3,2 2))",
         "ring 2 is a hole inside another hole"),
        ("POLYGON((0 0,10 0,10 10,0 10,0 0),(0 5,5 0,10 5,5 10,0 5))", "cut its interior into separate pieces"),
        ("POLYGON((0 0,10 0,10 10,5 0,0 10,0 0))", "ring 0 touches itself at 5, 0"),
        ("POLYGON((0 0,1 0,0 0,0 0))", "ring 0 has too few distinct points"),
        ("POLYGON((0 0,10 0,10 10,0 10,0 0),(-1 5,5 4,5 6,-1 5))", "ring 0 and ring 1 cross"),
        ("MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((5 5,15 5,15 15,5 15,5 5)))",
         "polygon 0 and polygon 1 overlap at 5, 10"),
        ("MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((1 1,2 1,2 2,1 1)))", "polygon 1 lies inside polygon 0"),
    ],
)
def test_invalidity_is_described_in_words(wkt: str, words: str) -> None:
    issue = describe_invalidity(shapely.from_wkt(wkt))
    assert issue is not None
    assert words in str(issue.reason)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_non_finite_coordinate_is_described() -> None:
    issue = describe_invalidity(Polygon([(0, 0), (1, 0), (float("nan"), 1), (0, 0)]))
    assert issue is not None
    assert str(issue.reason) == "ring 0 has a coordinate that is not a finite number (NaN or infinity)"
    assert issue.location is None


def test_issue_to_dict() -> None:
    assert GeometryIssue(3, "empty geometry").to_dict() == {"index": 3, "reason": "empty geometry", "location": None}
    assert GeometryIssue(0, "x", (1.0, 2.0)).to_dict()["location"] == [1.0, 2.0]


# ---------------------------------------------------------------------------------------------- conversion


def test_to_multipolygon() -> None:
    assert to_multipolygon(SQUARE).equals(MultiPolygon([SQUARE]))
    other = box(0, 0, 1, 1)
    collection = GeometryCollection([SQUARE, MultiPolygon([other])])
    assert list(to_multipolygon(collection).geoms) == [SQUARE, other]
    with pytest.raises(SpatialInputError) as info:
        to_multipolygon(GeometryCollection([SQUARE, Point(0, 0)]))
    assert info.value.slug == "not-polygonal"
    assert "Point" in str(info.value.detail)


def test_count_vertices_counts_closing_points() -> None:
    assert count_vertices(SQUARE) == 5
    assert count_vertices(MultiPolygon([SQUARE, box(0, 0, 1, 1)])) == 10
    assert count_vertices(None) == 0


# ---------------------------------------------------------------------------------------------- require_site


def test_require_site_returns_a_multipolygon() -> None:
    site = require_site(SQUARE)
    assert isinstance(site, MultiPolygon)
    assert site.equals(SQUARE)


def test_require_site_refuses_a_bow_tie() -> None:
    with pytest.raises(SpatialInputError) as info:
        require_site(BOW_TIE)
    error = info.value
    assert error.slug == "self-intersection"
    assert "ring 0 self-intersects at 118.1, 24.5" in str(error.detail)
    assert error.location == pytest.approx((118.1, 24.5))


@pytest.mark.parametrize("geom", [None, Polygon(), MultiPolygon(), GeometryCollection()])
def test_require_site_refuses_empty(geom: Polygon | None) -> None:
    with pytest.raises(SpatialInputError) as info:
        require_site(geom)
    assert info.value.slug == "empty-geometry"


@pytest.mark.parametrize(("geom", "name"), [(LineString([(0, 0), (1, 1)]), "LineString"), (Point(1, 1), "Point")])
def test_require_site_refuses_non_polygons(geom: LineString | Point, name: str) -> None:
    with pytest.raises(SpatialInputError) as info:
        require_site(geom)
    assert info.value.slug == "not-polygonal"
    assert f"got {name}" in str(info.value.detail)


def test_require_site_refuses_a_hole_outside_its_shell() -> None:
    shell = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    with pytest.raises(SpatialInputError) as info:
        require_site(Polygon(shell, [[(20, 20), (21, 20), (21, 21), (20, 20)]]))
    assert info.value.slug == "invalid-geometry"
    assert "ring 1 is a hole lying outside its outer ring" in str(info.value.detail)
    assert info.value.location == (20.0, 20.0)


def test_require_site_refuses_overlapping_collection_members() -> None:
    with pytest.raises(SpatialInputError) as info:
        require_site(GeometryCollection([SQUARE, box(118.1, 24.5, 118.3, 24.7)]))
    assert info.value.slug == "self-intersection"
    assert "polygon 0 and polygon 1 overlap" in str(info.value.detail)


def test_require_site_refuses_too_many_vertices() -> None:
    circle = Point(118.1, 24.5).buffer(0.01, quad_segs=100)
    with pytest.raises(SpatialInputError) as info:
        require_site(circle, max_vertices=100)
    error = info.value
    assert error.slug == "too-many-vertices"
    assert error.extra == {"vertices": 401, "limit": 100}
    assert "401" in str(error.detail) and "100" in str(error.detail)
    assert require_site(circle, max_vertices=401).equals(circle)


# ---------------------------------------------------------------------------------------------- validate_polygons


def _batch() -> np.ndarray:
    return np.array(
        [
            SQUARE,  # 0 fine
            None,  # 1 missing
            LineString([(0, 0), (1, 1)]),  # 2 not polygonal
            BOW_TIE,  # 3 repairable
            Polygon(),  # 4 empty
            shapely.from_wkt("POLYGON((0 0,1 0,0 0,0 0))"),  # 5 collapses to nothing when repaired
            MultiPolygon([box(0, 0, 10, 10), box(5, 5, 15, 15)]),  # 6 overlapping parts, repairable
        ],
        dtype=object,
    )


def test_validate_polygons_reports_every_problem_by_index() -> None:
    report = validate_polygons(_batch())
    assert not report.ok
    assert [(i.index, str(i.reason).split(" at ")[0]) for i in report.issues] == [
        (1, "empty geometry"),
        (2, "not a polygon (got LineString)"),
        (3, "ring 0 self-intersects"),
        (4, "empty geometry"),
        (5, "ring 0 has too few distinct points"),
        (6, "polygon 0 and polygon 1 overlap"),
    ]
    assert report.issues[2].location == pytest.approx((118.1, 24.5))
    assert report.repaired == []
    assert isinstance(report.geometries[0], MultiPolygon)
    assert list(report.geometries[1:]) == [None] * 6


def test_validate_polygons_repairs_what_it_can() -> None:
    report = validate_polygons(_batch(), repair=True)
    assert [i.index for i in report.repaired] == [3, 6]
    assert str(report.repaired[0].reason) == "ring 0 self-intersects at 118.1, 24.5"
    assert [i.index for i in report.issues] == [1, 2, 4, 5]
    assert str(report.issues[-1].reason).endswith("repair left no polygon")
    bow_tie = report.geometries[3]
    assert isinstance(bow_tie, MultiPolygon) and bow_tie.is_valid and len(bow_tie.geoms) == 2
    assert report.geometries[6].area == pytest.approx(175.0)
    assert report.geometries[5] is None


def test_validate_polygons_accepts_a_clean_batch() -> None:
    squares = shapely.box(np.arange(1000.0), 0.0, np.arange(1000.0) + 0.5, 0.5)
    report = validate_polygons(squares)
    assert report.ok
    assert report.geometries.shape == (1000,)
    assert all(isinstance(g, MultiPolygon) for g in report.geometries)
    assert shapely.equals(report.geometries, squares).all()


def long_ring(vertices: int = 500) -> list[list[float]]:
    angle = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    ring = np.c_[118.1 + 0.01 * np.cos(angle), 24.5 + 0.01 * np.sin(angle)].tolist()
    return [*ring, ring[0]]


@pytest.mark.parametrize(("position", "message"), [
    ([True, 24.5], "a coordinate must be a number, got true (at $.coordinates[0][7][0])"),
    (["118.1", 24.5], "a coordinate must be a number, got the string '118.1' (at $.coordinates[0][7][0])"),
    ([118.1, float("nan")], "not a finite number (at $.coordinates[0][7])"),
    ([118.1], "a position must be [x, y] with two numbers"),
])
def test_a_long_ring_is_checked_position_by_position_like_a_short_one(position, message):
    ring = long_ring()
    ring[7] = position
    with pytest.raises(SpatialInputError) as raised:
        parse_geojson_geometry({"type": "Polygon", "coordinates": [ring]})
    assert message in str(raised.value)


def test_a_long_ring_keeps_every_vertex_and_drops_third_coordinates():
    ring = long_ring()
    polygon = parse_geojson_geometry({"type": "Polygon", "coordinates": [ring]})
    assert shapely.get_num_coordinates(polygon) == len(ring)
    assert list(polygon.exterior.coords) == [tuple(position) for position in ring]
    with_z = parse_geojson_geometry({"type": "Polygon", "coordinates": [[[*p, 3.0] for p in ring]]})
    assert with_z.equals_exact(polygon, 0) and not with_z.has_z


def _wavy_ring(x: float, y: float, radius: float, vertices: int) -> np.ndarray:
    angle = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    wavy = radius * (1 + 0.05 * np.sin(angle * 40))
    return np.c_[x + wavy * np.cos(angle), y + wavy * np.sin(angle)]


@pytest.mark.parametrize("shape", ["holed disc and a comb", "comb cut along its teeth"])
def test_subdivide_tiles_the_site_exactly_with_small_valid_parts(shape):
    # a comb whose teeth's edges lie on the first cuts: a cut along an edge leaves lines, which are dropped
    comb = shapely.union_all([box(0, 0, 4, 1), *(box(i, 1, i + 1, 3) for i in range(0, 4, 2))])
    comb = shapely.segmentize(comb, 0.01)
    if shape == "holed disc and a comb":
        disc = Polygon(_wavy_ring(10, 10, 3, 5_000), [_wavy_ring(10, 10, 1, 700)[::-1]])
        geometry = MultiPolygon([disc, *shapely.get_parts(comb)])
    else:
        geometry = comb
    assert geometry.is_valid and shapely.get_num_coordinates(geometry) > 1_000
    parts = subdivide(geometry, 128)
    assert len(parts) > 1
    assert all(isinstance(part, Polygon) and part.is_valid for part in parts)
    assert max(shapely.get_num_coordinates(parts)) <= 128
    assert sum(part.area for part in parts) == pytest.approx(geometry.area, rel=1e-12)  # no overlaps, no gaps
    assert shapely.union_all(parts).symmetric_difference(geometry).area < 1e-12 * geometry.area
