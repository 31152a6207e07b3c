"""CQL2 filters translated to SQL and run in PostGIS over a layer's features: every filter keeps exactly the
features the same condition keeps when checked by hand, literals never reach the SQL text, and a bad filter
says where it is wrong."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pyproj
import pytest
from shapely.geometry import box, mapping, shape
from sqlalchemy import text

from gis.cql2 import FilterError, parse, to_sql
from gis.crs import CRS84_SERVED, ServedCrs, served_crs
from layers.importer import ImportReport, import_layer
from layers.queryables import queryables

STATUSES = ["not_started", "in_progress", "done", "done"]
# A 5 × 4 grid of 500 m blocks on Xiamen island (WGS84); feature i is at column i % 5, row i // 5.
CELLS = [box(118.08 + 0.005 * (i % 5), 24.47 + 0.005 * (i // 5), 118.0845 + 0.005 * (i % 5), 24.4745 + 0.005 * (i // 5))
         for i in range(20)]


def properties(i: int) -> dict:
    return {
        "acquisition_status": STATUSES[i % 4],
        "demolition_status": "not_needed" if i % 3 == 0 else "in_progress",
        "acquisition_percent": None if i % 7 == 0 else 5.0 * i,
        "households_remaining": i % 6,
        "name": f"cell {i}",
    }


@pytest.fixture(scope="module")
def grid(engine, tmp_path_factory) -> ImportReport:
    path = Path(tmp_path_factory.mktemp("cql2")) / "acquisition.geojson"
    features = [{"type": "Feature", "properties": properties(i), "geometry": mapping(cell)}
                for i, cell in enumerate(CELLS)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return import_layer(path, "land_acquisition", crs="EPSG:4326", name=f"cql2-{uuid.uuid4().hex[:8]}",
                        engine=engine)


def matching(engine, grid: ImportReport, expression, crs: ServedCrs = CRS84_SERVED) -> set[int]:
    """The feature indexes a filter keeps, run in PostGIS."""
    sql = to_sql(expression, queryables("land_acquisition"), crs)
    with engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT f.feature_index FROM layer_features f WHERE f.version_id = :v AND {sql.sql}"),
            {"v": grid.version_id, **sql.parameters}).scalars()
        return set(rows)


def by_hand(condition) -> set[int]:
    return {i for i in range(20) if condition(properties(i), CELLS[i])}


WINDOW = box(118.083, 24.473, 118.0895, 24.478)

CASES = [
    ("acquisition_status = 'done'", lambda p, c: p["acquisition_status"] == "done"),
    ("acquisition_status <> 'done'", lambda p, c: p["acquisition_status"] != "done"),
    ("households_remaining > 3", lambda p, c: p["households_remaining"] > 3),
    ("households_remaining <= 1 OR acquisition_percent >= 90",
     lambda p, c: p["households_remaining"] <= 1 or (p["acquisition_percent"] or 0) >= 90),
    ("NOT (acquisition_status = 'done') AND demolition_status = 'in_progress'",
     lambda p, c: p["acquisition_status"] != "done" and p["demolition_status"] == "in_progress"),
    ("acquisition_status LIKE 'not%'", lambda p, c: p["acquisition_status"].startswith("not")),
    ("demolition_status LIKE '%\\_needed'", lambda p, c: p["demolition_status"].endswith("_needed")),
    ("acquisition_status IN ('in_progress', 'not_started')",
     lambda p, c: p["acquisition_status"] in ("in_progress", "not_started")),
    ("households_remaining NOT IN (0, 5)", lambda p, c: p["households_remaining"] not in (0, 5)),
    ("acquisition_percent BETWEEN 20 AND 40", lambda p, c: p["acquisition_percent"] is not None
     and 20 <= p["acquisition_percent"] <= 40),
    ("acquisition_percent IS NULL", lambda p, c: p["acquisition_percent"] is None),
    ("acquisition_percent IS NOT NULL AND acquisition_percent < 30",
     lambda p, c: p["acquisition_percent"] is not None and p["acquisition_percent"] < 30),
    ("area_m2 > 0", lambda p, c: True),
    ("S_INTERSECTS(geometry, POLYGON((118.083 24.473, 118.0895 24.473, 118.0895 24.478, 118.083 24.478, "
     "118.083 24.473)))", lambda p, c: c.intersects(WINDOW)),
    ("S_INTERSECTS(geometry, BBOX(118.083, 24.473, 118.0895, 24.478)) AND acquisition_status = 'done'",
     lambda p, c: c.intersects(WINDOW) and p["acquisition_status"] == "done"),
    ("S_WITHIN(geometry, BBOX(118.079, 24.469, 118.0905, 24.4801))",
     lambda p, c: c.within(box(118.079, 24.469, 118.0905, 24.4801))),
    ("S_INTERSECTS(geometry, POINT(118.0822 24.4722))", lambda p, c: c.intersects(shape(
        {"type": "Point", "coordinates": [118.0822, 24.4722]}))),
    ("S_DISJOINT(geometry, BBOX(118.083, 24.473, 118.0895, 24.478))", lambda p, c: c.disjoint(WINDOW)),
    ("TRUE", lambda p, c: True),
]


@pytest.mark.parametrize(("filter_text", "condition"), CASES, ids=[case[0][:60] for case in CASES])
def test_a_text_filter_keeps_what_the_condition_keeps(engine, grid, filter_text, condition):
    expected = by_hand(condition)
    assert matching(engine, grid, parse(filter_text)) == expected
    assert expected, "a case that keeps nothing proves nothing"


def test_the_json_encoding_gives_the_same_features_as_the_text(engine, grid):
    expression = {"op": "and", "args": [
        {"op": "in", "args": [{"property": "acquisition_status"}, ["done", "in_progress"]]},
        {"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [[
            [118.083, 24.473], [118.0895, 24.473], [118.0895, 24.478], [118.083, 24.478], [118.083, 24.473]]]}]},
    ]}
    same = parse("acquisition_status IN ('done', 'in_progress') AND S_INTERSECTS(geometry, "
                 "POLYGON((118.083 24.473, 118.0895 24.473, 118.0895 24.478, 118.083 24.478, 118.083 24.473)))")
    found = matching(engine, grid, parse(json.dumps(expression), "cql2-json"))
    assert found == matching(engine, grid, same) == by_hand(
        lambda p, c: p["acquisition_status"] in ("done", "in_progress") and c.intersects(WINDOW))


def test_literals_in_other_crs_are_read_in_their_axis_order(engine, grid):
    expected = by_hand(lambda p, c: c.intersects(WINDOW))
    # EPSG:4326 and EPSG:4490 (CGCS2000) list latitude first.
    lat_first = "S_INTERSECTS(geometry, BBOX(24.473, 118.083, 24.478, 118.0895))"
    assert matching(engine, grid, parse(lat_first), served_crs("EPSG:4326")) == expected
    assert matching(engine, grid, parse(lat_first), served_crs("EPSG:4490")) == expected
    # EPSG:4548 (CGCS2000 / 3-degree Gauss-Krüger CM 117°E): northing, easting, in metres.
    to_gk = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True)
    (x0, x1), (y0, y1) = to_gk.transform([118.083, 118.0895], [24.473, 24.478])
    ring = ", ".join(f"{n} {e}" for e, n in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
    gk = parse(f"S_INTERSECTS(geometry, POLYGON(({ring})))")
    assert matching(engine, grid, gk, served_crs("EPSG:4548")) == expected


def test_values_are_bind_parameters_and_never_part_of_the_sql(engine, grid):
    sneaky = "acquisition_status = 'done''; DROP TABLE layers; --'"
    sql = to_sql(parse(sneaky), queryables("land_acquisition"))
    assert "DROP" not in sql.sql and "done" not in sql.sql
    assert matching(engine, grid, parse(sneaky)) == set()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM layers")).scalar_one() > 0


@pytest.mark.parametrize(("filter_text", "language", "position", "named", "words"), [
    ("acquisition_status = ", "cql2-text", "1:22", None, "line 1, column 22"),
    ("acquisition_status == 'done'", "cql2-text", "1:21", None, "column 21"),
    ('{"op": "=", "args": [', "cql2-json", "1:21", None, "column 21"),
    ("name = 'cell 1'", "cql2-text", "/args/0", "name", "not a queryable"),
    ("\"acquisition_status') OR TRUE --\" = 'x'", "cql2-text", "/args/0", "acquisition_status') OR TRUE --",
     "not a queryable"),
    ("acquisition_status = 1", "cql2-text", "/", "acquisition_status", "type mismatch"),
    ("households_remaining = '3'", "cql2-text", "/", "households_remaining", "type mismatch"),
    ("households_remaining LIKE '3%'", "cql2-text", "/", "households_remaining", "LIKE compares text"),
    ("acquisition_status BETWEEN 'a' AND 'b'", "cql2-text", "/", "acquisition_status", "BETWEEN compares numbers"),
    ("acquisition_status IN (1, 2)", "cql2-text", "/", "acquisition_status", "IN lists"),
    ("CASEI(acquisition_status) = 'done'", "cql2-text", "/args/0", None, "not supported"),
    ("households_remaining + 1 > 3", "cql2-text", "/args/0", None, "not supported"),
    ("S_INTERSECTS(acquisition_status, POINT(118 24))", "cql2-text", "/args/0", "acquisition_status",
     "not a geometry"),
    ("S_INTERSECTS(geometry, POLYGON((118 24, 119 25, 119 24, 118 25, 118 24)))", "cql2-text", "/args/1", None,
     "not valid"),
    ('{"op": "and", "args": [{"op": "=", "args": [{"property": "households_remaining"}, 1]}]}', "cql2-json", "/",
     None, "at least two"),
    ('"done"', "cql2-json", "/", None, "expected a condition"),
])
def test_a_bad_filter_says_what_and_where(filter_text, language, position, named, words):
    with pytest.raises(FilterError) as raised:
        to_sql(parse(filter_text, language), queryables("land_acquisition"))
    error = raised.value
    assert words in str(error)
    assert error.position == position
    assert error.property == named


@pytest.mark.parametrize("filter_text", [
    "(" * 5000 + "acquisition_status = 'done'" + ")" * 5000,  # crashed the whole process inside cql2's parser
    "NOT " * 3000 + "acquisition_status = 'done'",
])
def test_a_filter_nested_absurdly_deep_is_refused_not_fatal(filter_text):
    with pytest.raises(FilterError, match="nest"):
        to_sql(parse(filter_text), queryables("land_acquisition"))


def test_brackets_inside_quoted_text_do_not_count_as_nesting(engine, grid):
    assert matching(engine, grid, parse("acquisition_status = '" + "(" * 500 + "'")) == set()
    quoted = json.dumps({"op": "=", "args": [{"property": "acquisition_status"}, "\"" + "[" * 500]})
    assert matching(engine, grid, parse(quoted, "cql2-json")) == set()


def test_the_literal_is_transformed_never_the_column():
    sql = to_sql(parse("S_WITHIN(geometry, BBOX(24.47, 118.08, 24.48, 118.09))"), queryables("land_acquisition"),
                 served_crs("EPSG:4490")).sql
    assert sql == "ST_Within(f.geom, ST_Transform(ST_GeomFromWKB(CAST(:cql2_0 AS bytea), 4490), 4326))"
