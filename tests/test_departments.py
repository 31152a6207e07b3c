"""Departments as data on three levels: the seeded structure, the API's tree, routing of a proposal's review by
the level and district where its site lies, what a department account sees and may do, and migration 0012."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from test_fresh_approval import applicant_account
from test_proposals import API, create, open_review
from test_supervision_support import clean_sites

from gis.audit import verify_chain
from gis.migrate import alembic_config, upgrade_database


@pytest.fixture(scope="module")
def applicant(client, login, engine) -> dict:
    return applicant_account(client, login, engine, "applicant-departments", 70041)


def _square_in(engine, kind: str, district: str) -> shapely.Geometry:
    """A 20 m square around a point inside the largest feature of the newest layer of ``kind`` whose interior
    point lies in ``district`` (GB/T 2260)."""
    with engine.connect() as connection:
        point = shapely.from_wkb(connection.execute(text(
            "SELECT ST_AsBinary(ST_PointOnSurface(f.geom)) FROM layer_features f "
            "JOIN layer_versions v ON v.id = f.version_id JOIN layers l ON l.id = v.layer_id "
            "WHERE l.kind = :kind AND EXISTS (SELECT 1 FROM layer_features d JOIN layer_versions dv "
            "ON dv.id = d.version_id JOIN layers dl ON dl.id = dv.layer_id WHERE dl.kind = 'district' "
            "AND d.properties ->> 'adcode' = :district AND ST_Contains(d.geom, ST_PointOnSurface(f.geom))) "
            "ORDER BY ST_Area(f.geom) DESC LIMIT 1"), {"kind": kind, "district": district}).scalar_one())
    return point.buffer(0.0001, cap_style="square")


@pytest.fixture(scope="module")
def mixed_site(engine, loaded_samples) -> shapely.Geometry:
    """Two squares in 翔安区: one in a flood risk zone (the district answers off the island), one in a river
    management range (protected: the city answers everywhere), both for the water line."""
    return shapely.MultiPolygon([_square_in(engine, "flood_risk", "350213"),
                                 _square_in(engine, "river_management_range", "350213")])


_LOCAL = {"land_use", "urban_development_boundary", "flood_risk", "soil_water_conservation", "land_acquisition"}
"""The layer kinds the districts off the island answer for (layers/departments.toml)."""


def _conflict_kinds(proposal: dict) -> set[str]:
    return {c["layer_kind"] for c in proposal["screening"]["conflicts"]
            if c["severity"] != "info" and c["department"] != "ndrc"}


@pytest.fixture(scope="module")
def xiangan(client, login, applicant, mixed_site) -> dict:
    """A type-01 proposal in 翔安区 under review."""
    proposal = create(client, applicant, mixed_site, name="翔安区部门分派测试项目", district_code="350213",
                      project_type="01", investment_category="financial")
    assert {"flood_risk", "river_management_range"} <= _conflict_kinds(proposal)
    open_review(client, login, applicant, proposal["id"])
    return client.get(f"{API}/proposals/{proposal['id']}", headers=login("ndrc")).json()


def test_the_tree_has_three_levels_with_real_names_and_the_old_slugs(client, loaded_samples):
    tree = client.get(f"{API}/departments").json()
    city = {node["department"]: node for node in tree}
    assert {"ndrc", "natural_resources", "ecology_environment", "water", "land_acquisition",
            "construction"} <= set(city)
    assert all(node["level"] == "city" and node["division_code"] == "350200" for node in city.values())
    assert city["construction"]["zh"] == "厦门市住房和建设局"
    branches = {child["department"]: child for child in city["natural_resources"]["children"]}
    assert len(branches) == 6  # one branch office (分局) per district
    xiangan = branches["xiangan_natural_resources"]
    assert xiangan["zh"] == "厦门市自然资源和规划局翔安分局" and xiangan["level"] == "district"
    assert xiangan["level_zh"] == "区级" and xiangan["division_code"] == "350213"
    assert xiangan["responsibilities"]["layer_kind"]["land_use"] == ["350213"]
    # the city bureau answers for protected land everywhere, and for local concerns on the island
    assert city["natural_resources"]["responsibilities"]["layer_kind"]["ecological_red_line"] == [
        "350203", "350205", "350206", "350211", "350212", "350213"]
    assert city["natural_resources"]["responsibilities"]["layer_kind"]["land_use"] == ["350203", "350206"]
    # towns and streets under the district department whose work they do, named from the division codes
    acquisition = next(c for c in city["land_acquisition"]["children"] if c["department"] == "xiangan_land_acquisition")
    towns = {t["department"]: t for t in acquisition["children"]}
    assert towns["xiangan_maxiang"]["zh"] == "翔安区马巷街道办事处"
    assert towns["xiangan_maxiang"]["level"] == "town" and towns["xiangan_maxiang"]["division_code"] == "350213002"


def test_the_tree_filters_by_level_and_district(client, loaded_samples):
    towns = client.get(f"{API}/departments", params={"level": "town"}).json()
    assert towns and all(t["level"] == "town" and not t["children"] for t in towns)
    in_xiangan = client.get(f"{API}/departments", params={"district": "350213"}).json()
    slugs = {n["department"] for n in in_xiangan} | {c["department"] for n in in_xiangan for c in n["children"]}
    assert {"xiangan_water", "water", "ecology_environment"} <= slugs
    assert not {s for s in slugs if s.startswith("jimei_")}
    refused = client.get(f"{API}/departments", params={"district": "翔安"}, headers={"Accept-Language": "zh"})
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")


def test_a_site_in_xiangan_goes_to_the_district_or_the_city_by_concern(client, login, applicant, xiangan,
                                                                       engine):
    required = set(xiangan["review"]["required"])
    assert "xiangan_water" in required  # flood risk: the district answers off the island
    assert "water" in required  # a river management range is protected: the city answers
    assert {"xiangan_natural_resources", "xiangan_construction"} <= required  # the type-01 site reviews
    # every other conflict too: local concerns to the district, protected land to the city
    expected = {f"xiangan_{c['department']}" if c["layer_kind"] in _LOCAL else c["department"]
                for c in xiangan["screening"]["conflicts"] if c["severity"] != "info" and c["department"] != "ndrc"}
    assert required == expected | {"xiangan_natural_resources", "xiangan_construction"}
    names = {n["department"]: n for n in xiangan["review"]["required_names"]}
    assert names["xiangan_water"]["zh"] == "翔安区水利局" and names["xiangan_water"]["level"] == "district"
    assert names["water"]["level_en"] == "city"
    # the same project on the island goes to the city bureaus
    siming = create(client, applicant, shapely.geometry.shape(next(clean_sites(engine))), name="思明区部门分派测试项目",
                    district_code="350203", project_type="01", investment_category="financial")
    open_review(client, login, applicant, siming["id"])
    island = set(client.get(f"{API}/proposals/{siming['id']}", headers=login("ndrc")).json()["review"]["required"])
    assert {"natural_resources", "construction"} <= island
    assert not {d for d in island if d.startswith("xiangan_")}


def _counts(engine, proposal_id: int) -> tuple[int, int]:
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT (SELECT count(*) FROM opinions WHERE proposal_id = :p), "
            "(SELECT count(*) FROM audit_log WHERE proposal_id = :p)"), {"p": proposal_id}).one()


def test_a_department_of_another_district_or_level_cannot_answer(client, login, engine, xiangan):
    path = f"{API}/proposals/{xiangan['id']}/opinions"
    before = _counts(engine, xiangan["id"])
    other = client.post(path, headers={**login("dept-jimei_water"), "Accept-Language": "zh"},
                        json={"verdict": "agree"})
    assert other.status_code == 403, other.text
    assert "翔安区" in other.json()["detail"] and "翔安区水利局" in other.json()["detail"]
    city = client.post(path, headers={**login("dept-construction"), "Accept-Language": "en"},
                       json={"verdict": "agree"})
    assert city.status_code == 403
    assert "Xiang'an District Construction and Transport Bureau" in city.json()["detail"]
    assert "(city)" in city.json()["detail"]
    assert _counts(engine, xiangan["id"]) == before, "a refused opinion changed something"
    given = client.post(path, headers=login("dept-xiangan_water"), json={"verdict": "agree"})
    assert given.status_code == 201, given.text
    stands = {o["department"] for o in given.json()["review"]["opinions"] if o["stands"]}
    assert stands == {"xiangan_water"}


def test_a_department_sees_exactly_what_is_routed_to_it(client, login, xiangan):
    assert client.get(f"{API}/proposals/{xiangan['id']}", headers=login("dept-jimei_water")).status_code == 404
    assert xiangan["id"] not in [p["id"] for p in client.get(f"{API}/proposals",
                                                              headers=login("dept-jimei_water")).json()]
    assert client.get(f"{API}/proposals/{xiangan['id']}", headers=login("dept-xiangan_construction")).status_code == 200
    queue = client.get(f"{API}/review-queue", headers=login("dept-xiangan_construction")).json()
    assert xiangan["id"] in [item["id"] for item in queue]
    assert xiangan["id"] not in [item["id"] for item in client.get(f"{API}/review-queue",
                                                                    headers=login("dept-construction")).json()]


def test_a_coded_project_is_every_departments_to_supervise(client, login, loaded_samples):
    """Its approval items go to departments its review never reached: each of them opens the project (the
    supervision page reads it), while a proposal still in review stays with those it is routed to."""
    coded = [p for p in client.get(f"{API}/proposals", headers=login("ndrc")).json() if p["project_code"]]
    assert coded
    for department in ("dept-ecology_environment", "dept-jimei_water"):
        for project in coded:
            answer = client.get(f"{API}/projects/{project['project_code']}", headers=login(department))
            assert answer.status_code == 200 and answer.json()["proposal"]["id"] == project["id"], department


def test_an_account_names_a_department_of_the_table(engine, loaded_samples):
    from projects.accounts import AccountError, create_account

    with engine.connect() as connection, pytest.raises(AccountError):
        create_account(connection, username="dept-nowhere", secret="departments-test", role="department",
                       department="nowhere_water")


_OLD_ROWS = """
INSERT INTO accounts (id, username, role, department, secret_hash) VALUES
    (901, 'old-water', 'department', 'water', 'x'), (902, 'old-applicant', 'applicant', NULL, 'x');
INSERT INTO proposals (id, name, applicant_organisation, credit_code, district_code, industry, project_type,
    investment_category, total_investment_wan, land_use, state, owner_id)
    VALUES (901, '迁移前的项目', '厦门迁移测试有限公司', '91350203MA0000000X', '350213', 'O80', '03', 'small_social',
            100, '07', 'under_review', 902);
INSERT INTO site_revisions (id, proposal_id, revision, is_current, source_crs, area_m2, geom) VALUES
    (901, 901, 1, true, 'EPSG:4326', 100,
     ST_Multi(ST_GeomFromText('POLYGON((118.2 24.6, 118.201 24.6, 118.201 24.601, 118.2 24.6))', 4326)));
INSERT INTO opinions (proposal_id, revision_id, department, author_id, verdict, conditions)
    VALUES (901, 901, 'water', 901, 'agree', '[]');
INSERT INTO markings (proposal_id, revision_id, department, author_id, note, geom)
    VALUES (901, 901, 'water', 901, '河道', ST_GeomFromText('POINT(118.2 24.6)', 4326));
INSERT INTO audit_log (proposal_id, actor_id, actor, action, after)
    VALUES (901, 901, 'old-water (department/water)', 'opinion', '{"department": "water"}');
"""


def test_migration_0012_keeps_every_row_and_the_chain(empty_database):
    with empty_database() as url:
        upgrade_database(url, "0011")
        owner = create_engine(url, poolclass=NullPool)
        try:
            with owner.begin() as connection:
                for statement in filter(str.strip, _OLD_ROWS.split(";")):
                    connection.execute(text(statement))

            def rows() -> tuple:
                with owner.connect() as connection:
                    return tuple(connection.execute(text(q)).all() for q in (
                        "SELECT id, department FROM accounts ORDER BY id",
                        "SELECT id, department, verdict FROM opinions ORDER BY id",
                        "SELECT id, department, note FROM markings ORDER BY id",
                        "SELECT id, entry_hash FROM audit_log ORDER BY id"))

            written = rows()
            upgrade_database(url)
            assert rows() == written
            with owner.connect() as connection:
                assert verify_chain(connection).intact
                # the old slug is the city bureau's row now
                assert connection.execute(text("SELECT d.level FROM accounts a JOIN departments d "
                                               "ON d.slug = a.department WHERE a.id = 901")).scalar_one() == "city"
            verified = subprocess.run(
                [Path(sys.executable).with_name("blueprint"), "audit", "verify"], capture_output=True, text=True,
                env={**os.environ, "DATABASE_URL": url, "BLUEPRINT_ALLOW_PRIVILEGED_ROLE": "1"})
            assert verified.returncode == 0, verified.stdout + verified.stderr
            command.downgrade(alembic_config(url), "0011")
            assert rows() == written
            with owner.connect() as connection:
                assert connection.execute(text("SELECT to_regclass('departments')")).scalar_one() is None
            upgrade_database(url)
            assert rows() == written
        finally:
            owner.dispose()


def test_the_shipped_structure_names_every_rule_line_and_layer_kind():
    """Every layer kind a rule belongs to has its row in the responsibility table, of the rule's own line."""
    from layers.departments import seed
    from layers.rule_set import shipped_rule_set

    lines = {r.concern: r.department for r in seed().responsibilities if r.district_code == "350203"}
    for rule in shipped_rule_set().rules:
        if rule.department.value != "ndrc":
            assert lines[rule.kind] == rule.department.value, rule.rule_id

