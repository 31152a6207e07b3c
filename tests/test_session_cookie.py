"""The pages' session: an HttpOnly SameSite cookie the API accepts besides the bearer header, every write it
authenticates refused unless it comes from the platform's own pages, and a logout that ends it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from fastapi.testclient import TestClient
from test_proposals import credit_code, proposal_body
from test_supervision_support import clean_sites

from projects.accounts import Role, create_account

API = "/api/v1"
OWN = {"Origin": "http://testserver"}
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
CODE = credit_code(70061)
SECRET = "cookie-session-secret"


@pytest.fixture(scope="module")
def applicant(engine, loaded_samples) -> str:
    with engine.begin() as connection:
        create_account(connection, username="applicant-cookie", secret=SECRET, role=Role.APPLICANT,
                       organisation="厦门会话测试有限公司", credit_code=CODE)
    return "applicant-cookie"


@pytest.fixture
def browser(client, applicant) -> Iterator[TestClient]:
    """A client of its own that keeps cookies like a browser, logged in through the pages' session."""
    with TestClient(client.app) as own:
        answer = own.post(f"{API}/auth/session", json={"username": applicant, "secret": SECRET}, headers=OWN)
        assert answer.status_code == 200, answer.text
        yield own


def proposal_count(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM proposals").scalar_one()


def test_the_session_cookie_is_httponly_and_strict_and_its_token_never_reaches_a_script(client, applicant):
    with TestClient(client.app) as own:
        answer = own.post(f"{API}/auth/session", json={"username": applicant, "secret": SECRET},
                          headers=SAME_ORIGIN)
        cookie = answer.headers["set-cookie"].lower()
        assert answer.status_code == 200 and "httponly" in cookie and "samesite=strict" in cookie
        assert "access_token" not in answer.json() and answer.json()["organisation"] == "厦门会话测试有限公司"
        # A new tab opened by URL sends the cookie: the account is known without any header.
        assert own.get(f"{API}/me").json()["username"] == applicant
        wrong = own.post(f"{API}/auth/session", json={"username": applicant, "secret": "wrong-secret"}, headers=OWN)
        assert wrong.status_code == 401 and "set-cookie" not in wrong.headers


def test_a_login_from_another_site_is_refused(client, applicant):
    with TestClient(client.app) as own:
        for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {}):
            answer = own.post(f"{API}/auth/session", json={"username": applicant, "secret": SECRET},
                              headers=headers)
            assert answer.status_code == 403 and answer.json()["type"] == "/problems/cross-site-request"
            assert "set-cookie" not in answer.headers


def test_a_forged_cross_site_write_is_refused_and_the_pages_own_write_works(browser, engine):
    site = shapely.geometry.shape(next(clean_sites(engine)))
    body = proposal_body(site, CODE)
    before = proposal_count(engine)
    for forged in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                   {"Origin": "https://evil.example"}, {}):
        answer = browser.post(f"{API}/proposals", json=body, headers=forged)
        assert answer.status_code == 403 and answer.json()["type"] == "/problems/cross-site-request", forged
    assert proposal_count(engine) == before
    own = browser.post(f"{API}/proposals", json=body, headers=SAME_ORIGIN)
    assert own.status_code == 201, own.text
    submitted = browser.post(f"{API}/proposals/{own.json()['id']}/actions", json={"action": "submit"}, headers=OWN)
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    # Reading needs no such check: a cross-site page cannot read the answer anyway.
    assert browser.get(f"{API}/proposals/{own.json()['id']}").status_code == 200


def test_logout_ends_the_session_and_clears_the_cookie(browser, applicant):
    token = browser.cookies.get("blueprint_session")
    assert browser.post(f"{API}/auth/logout", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert browser.post(f"{API}/auth/logout", headers=SAME_ORIGIN).status_code == 204
    assert browser.cookies.get("blueprint_session") is None
    with TestClient(browser.app, cookies={"blueprint_session": token}) as stale:
        answer = stale.get(f"{API}/me")
        assert answer.status_code == 401 and "blueprint_session=" in answer.headers["set-cookie"]
        assert stale.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_bearer_header_still_works_without_any_origin(client, login):
    assert client.get(f"{API}/me", headers=login("ndrc")).json()["role"] == "ndrc"
