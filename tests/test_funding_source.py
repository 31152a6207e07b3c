"""The funding source (资金来源) of a proposal: stored and shown when given, refused when unknown."""

from __future__ import annotations

import pytest
import shapely
from sqlalchemy import text
from test_proposals import credit_code, proposal_body
from test_supervision_support import clean_sites

from projects.accounts import Role, create_account

API = "/api/v1/proposals"
SECRET = "funding-source-secret"


@pytest.fixture(scope="module")
def applicant(login, engine, loaded_samples) -> dict:
    code = credit_code(70091)
    with engine.begin() as connection:
        create_account(connection, username="applicant-funding", secret=SECRET, role=Role.APPLICANT,
                       organisation="厦门测试科技有限公司", credit_code=code)
    return {"headers": login("applicant-funding", SECRET), "credit_code": code}


def proposal_count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM proposals")).scalar_one()


def test_the_funding_source_is_kept_and_an_unknown_one_refused(client, applicant, engine):
    sites = clean_sites(engine)
    body = proposal_body(shapely.geometry.shape(next(sites)), applicant["credit_code"], funding_source="special_bond")
    created = client.post(API, json=body, headers=applicant["headers"])
    assert created.status_code == 201, created.text
    assert client.get(f"{API}/{created.json()['id']}", headers=applicant["headers"]).json()["funding_source"] == \
        "special_bond"
    before = proposal_count(engine)
    wrong = client.post(API, json={**body, "funding_source": "lottery"}, headers=applicant["headers"])
    assert wrong.status_code == 422 and wrong.json()["field"] == "funding_source"
    assert proposal_count(engine) == before
    unasked = client.post(API, json={**body, "site": shapely.geometry.mapping(shapely.geometry.shape(next(sites)))}
                          | {"funding_source": None}, headers=applicant["headers"])
    assert unasked.status_code == 201 and unasked.json()["funding_source"] is None
