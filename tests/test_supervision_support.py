"""Shared set-up of the supervision tests (no tests here): accounts of their own, coded projects registered
through the real services, and small helpers. Imported by the ``test_supervision_*`` modules.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import shapely
from shapely.geometry import box, mapping
from sqlalchemy import Engine, text

from layers.departments import Department
from projects.accounts import Account, Role, account_by_username, create_account
from projects.credit_code import make_credit_code, organization_code_check_character
from projects.proposals import ProposalInput, register_legacy_project
from projects.sites import prepare_site

API = "/api/v1/supervision"
SECRET = "supervision-tests"
APPLICANT_CREDIT = make_credit_code("91350206" + "77010001" + organization_code_check_character("77010001"))
_serials = itertools.count(810001)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def credit_code(serial: int) -> str:
    """A valid unified social credit code of a Xiamen (湖里区) company."""
    body = f"{serial:08d}"
    return make_credit_code("91350206" + body + organization_code_check_character(body))


@dataclass
class People:
    """The tests' own accounts and their Authorization headers, by short name: admin, ndrc, applicant and
    each department's value (natural_resources, water, ...)."""

    accounts: dict[str, Account]
    headers: dict[str, dict[str, str]]

    def __getitem__(self, name: str) -> dict[str, str]:
        return self.headers[name]


_SPECS: dict[str, dict[str, Any]] = {
    "admin": {"role": Role.ADMIN},
    "ndrc": {"role": Role.NDRC},
    "applicant": {"role": Role.APPLICANT, "organisation": "厦门监管测试有限公司", "credit_code": APPLICANT_CREDIT},
    **{d.value: {"role": Role.DEPARTMENT, "department": d} for d in Department if d is not Department.NDRC},
}


@pytest.fixture(scope="module")
def people(engine: Engine, client: Any) -> People:
    """Accounts ``sv-<name>`` (created once per run, reused by every module) logged in over HTTP."""
    accounts = {}
    with engine.begin() as connection:
        for name, spec in _SPECS.items():
            username = f"sv-{name}"
            accounts[name] = account_by_username(connection, username) or create_account(
                connection, username=username, secret=SECRET, **spec)
    headers = {}
    for name in accounts:
        response = client.post("/api/v1/auth/token", json={"username": f"sv-{name}", "secret": SECRET})
        assert response.status_code == 200, response.text
        headers[name] = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return People(accounts, headers)


_sites = itertools.count()


def site_box(west: float, south: float, size: float = 0.002) -> dict[str, Any]:
    """A square site, WGS84 GeoJSON (``size`` 0.002° is about 200 m a side)."""
    return mapping(box(west, south, west + size, south + size))


def next_site() -> dict[str, Any]:
    """A fresh 200 m square in rural 同安区, on a grid of its own so that test sites never overlap."""
    n = next(_sites)
    return site_box(118.05 + (n % 20) * 0.003, 24.78 + (n // 20) * 0.003)


def legacy_project(engine: Engine, people: People, *, category: str = "small_social", total: float = 1000,
                   site: dict[str, Any] | None = None, credit: str | None = None,
                   name: str = "同安区监管测试项目") -> str:
    """A coded project registered by the NDRC under a fresh legacy code (2019) in 同安区; returns its code."""
    code = f"2019-350212-47-01-{next(_serials):06d}"
    data = ProposalInput(name=name, applicant_organisation="厦门监管测试有限公司",
                         credit_code=credit or credit_code(77020001), district_code="350212", industry="K70",
                         project_type="01", investment_category=category,
                         total_investment_wan=Decimal(str(total)), land_use="0702")
    with engine.begin() as connection:
        register_legacy_project(connection, people.accounts["ndrc"], code, data, prepare_site(site or next_site()))
    return code


def open_item(client: Any, people: People, who: str, code: str, item_type: str, accepted_on: str,
              **extra: Any) -> dict[str, Any]:
    response = client.post(f"{API}/items", headers=people[who],
                           json={"project_code": code, "item_type": item_type, "accepted_on": accepted_on, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def decide(client: Any, people: People, who: str, item_id: int, decided_on: str, number: str | None,
           result: str = "approved") -> dict[str, Any]:
    response = client.post(f"{API}/items/{item_id}/decision", headers=people[who],
                           json={"decided_on": decided_on, "result": result, "document_number": number})
    assert response.status_code == 200, response.text
    return response.json()


CLEAN_LAYER_KINDS = ("ecological_red_line", "basic_farmland", "water_source_protection", "river_management_range",
                     "flood_risk", "soil_water_conservation", "land_acquisition")


def clean_sites(engine: Engine, district: str = "350203") -> Iterator[dict[str, Any]]:
    """40 m squares on residential land inside the development boundary in ``district`` (GB/T 2260; 思明区 by
    default), away from every other layer and every existing site: sites that screen without blocking
    conflicts (needs the loaded samples). The zones are taken largest first, the next when one is used up."""
    with engine.connect() as connection:
        zones = [shapely.from_wkb(wkb) for wkb in connection.execute(text(f"""
            SELECT ST_AsBinary(f.geom) FROM layer_features f
            JOIN layer_versions v ON v.id = f.version_id JOIN layers l ON l.id = v.layer_id
            WHERE l.kind = 'land_use' AND f.properties->>'landuse_code' LIKE '07%'
              AND EXISTS (SELECT 1 FROM layer_features d JOIN layer_versions dv ON dv.id = d.version_id
                          JOIN layers dl ON dl.id = dv.layer_id
                          WHERE dl.kind = 'district' AND d.properties->>'adcode' = :district
                            AND ST_Contains(d.geom, f.geom))
              AND EXISTS (SELECT 1 FROM layer_features b JOIN layer_versions bv ON bv.id = b.version_id
                          JOIN layers bl ON bl.id = bv.layer_id
                          WHERE bl.kind = 'urban_development_boundary' AND ST_Contains(b.geom, f.geom))
              AND NOT EXISTS (SELECT 1 FROM layer_features o JOIN layer_versions ov ON ov.id = o.version_id
                              JOIN layers ol ON ol.id = ov.layer_id
                              WHERE ol.kind IN {CLEAN_LAYER_KINDS} AND ST_Intersects(o.geom, f.geom))
              AND NOT EXISTS (SELECT 1 FROM site_revisions r WHERE ST_Intersects(r.geom, f.geom))
            ORDER BY ST_Area(f.geom) DESC LIMIT 40"""), {"district": district}).scalars()]
    for zone in zones:
        inner = zone.buffer(-0.0005)
        if inner.is_empty:
            continue
        west, south, east, north = inner.bounds
        for i in itertools.count():
            x, y = west + (i % 50) * 0.0006, south + (i // 50) * 0.0006
            if y > north:
                break
            spot = box(x, y, x + 0.0004, y + 0.0004)
            if inner.contains(spot):
                yield mapping(spot)


def national_project(client: Any, people: People, site: dict[str, Any], *, category: str = "small_social",
                     total: float = 600) -> str:
    """A proposal of the tests' applicant taken through the real review to its national code."""
    body = {"name": "监管测试社区服务中心", "applicant_organisation": "厦门监管测试有限公司",
            "credit_code": APPLICANT_CREDIT, "district_code": None, "industry": "O80", "project_type": "03",
            "investment_category": category, "total_investment_wan": total, "land_use": "0702", "site": site}
    proposal = client.post("/api/v1/proposals", json=body, headers=people["applicant"])
    assert proposal.status_code == 201, proposal.text
    pid = proposal.json()["id"]
    assert client.post(f"/api/v1/proposals/{pid}/actions", json={"action": "submit"},
                       headers=people["applicant"]).status_code == 200
    started = client.post(f"/api/v1/proposals/{pid}/actions", json={"action": "start_review"}, headers=people["ndrc"])
    for department in started.json()["review"]["required"]:
        assert client.post(f"/api/v1/proposals/{pid}/opinions", json={"verdict": "agree"},
                           headers=people[department]).status_code == 201
    approved = client.post(f"/api/v1/proposals/{pid}/actions", json={"action": "approve"}, headers=people["ndrc"])
    assert approved.status_code == 200, approved.text
    return approved.json()["project_code"]
