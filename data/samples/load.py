"""Load the Xiamen samples: the real districts, the generated planning layers, demo accounts and proposals.

Idempotent: a layer file already imported unchanged is reused, an account or proposal that exists is left
as it is. Demo accounts get fixed, printed secrets: they are for a local demonstration only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from gis.db import get_engine
from layers.departments import Department
from layers.importer import import_layer
from projects.accounts import Account, Role, account_by_username, create_account
from projects.proposals import ProposalInput, act, create_proposal, post_opinion, proposal_detail
from projects.review import Verdict
from projects.sites import prepare_site

SAMPLES = Path(__file__).resolve().parent / "xiamen"
DISTRICTS_FILE = "xiamen_districts_cnmaps_gcj02.geojson"
DISTRICTS_LAYER = "厦门市行政区划 Xiamen districts"
DEMO_SECRET = "blueprint-demo"

DEMO_ACCOUNTS: list[dict[str, Any]] = [
    {"username": "admin", "role": Role.ADMIN},
    {"username": "ndrc", "role": Role.NDRC},
    *({"username": f"dept-{d.value}", "role": Role.DEPARTMENT, "department": d}
      for d in Department if d is not Department.NDRC),
]


def load_samples(samples_dir: Path = SAMPLES) -> Iterator[str]:
    """Load everything; yields one line of progress per step."""
    report = import_layer(samples_dir / DISTRICTS_FILE, "district", crs="GCJ02", name=DISTRICTS_LAYER,
                          skip_if_unchanged=True)
    yield _describe(report)
    manifest = json.loads((samples_dir / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["layers"]:
        report = import_layer(samples_dir / entry["file"], entry["kind"], crs=entry["crs"], name=entry["name"],
                              skip_if_unchanged=True)
        yield _describe(report)
    with get_engine().begin() as connection:
        accounts = {spec["username"]: _ensure_account(connection, spec) for spec in DEMO_ACCOUNTS}
    proposals = json.loads((samples_dir / manifest["proposals"]).read_text(encoding="utf-8"))["features"]
    created = sum(_ensure_proposal(feature, accounts) for feature in proposals)
    yield f"proposals: {created} created, {len(proposals) - created} already there"
    applicant = _applicant_username(proposals[0]["properties"]["credit_code"])
    yield "demo accounts (secret for all: {}): {}, and applicant {} ({})".format(
        DEMO_SECRET, ", ".join(sorted(accounts)), applicant, proposals[0]["properties"]["applicant"])
    yield ("log in on any page, or get a bearer token: POST /api/v1/auth/token with "
           f'{{"username": "ndrc", "secret": "{DEMO_SECRET}"}}')


def _applicant_username(credit_code: str) -> str:
    """The demo login of a sample applicant organisation, from its unified social credit code."""
    return f"applicant-{credit_code[-8:].lower()}"


def _describe(report: Any) -> str:
    action = "reused" if report.reused else f"imported in {report.seconds:.1f} s"
    return f"{report.kind:<28} {report.layer_name}: v{report.version}, {report.feature_count} features, {action}"


def _ensure_account(connection: Connection, spec: dict[str, Any]) -> Account:
    existing = account_by_username(connection, spec["username"])
    if existing is not None:
        return existing
    return create_account(connection, secret=DEMO_SECRET, **spec)


def _ensure_proposal(feature: dict[str, Any], accounts: dict[str, Account]) -> bool:
    """Create, submit and open the review of one sample proposal; approve the conflict-free ones whose
    sample says so. False when it already exists."""
    props = feature["properties"]
    with get_engine().begin() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM proposals WHERE name = :n AND credit_code = :c"),
            {"n": props["name"], "c": props["credit_code"]},
        ).first()
        if exists:
            return False
        applicant = _ensure_account(connection, {
            "username": _applicant_username(props["credit_code"]), "role": Role.APPLICANT,
            "organisation": props["applicant"], "credit_code": props["credit_code"]})
        data = ProposalInput(
            name=props["name"], applicant_organisation=props["applicant"], credit_code=props["credit_code"],
            district_code=props["district_code"], industry=props["industry"], project_type=props["project_type"],
            investment_category=props["investment_category"],
            total_investment_wan=Decimal(str(props["total_investment_wan"])), land_use=props["land_use"])
        proposal = create_proposal(connection, applicant, data, prepare_site(feature["geometry"], "EPSG:4326"))
        act(connection, applicant, proposal["id"], "submit")
        act(connection, accounts["ndrc"], proposal["id"], "start_review")
        if props.get("sample_state") == "approved":
            detail = proposal_detail(connection, accounts["ndrc"], proposal["id"])
            if detail["screening"]["summary"]["blocking_count"] == 0:
                for department in detail["review"]["required"]:
                    post_opinion(connection, accounts[f"dept-{department}"], proposal["id"], Verdict.AGREE)
                act(connection, accounts["ndrc"], proposal["id"], "approve")
    return True
