"""Load the Xiamen samples: the real districts, the generated planning layers, demo accounts, proposals,
and a year of history after the code (:mod:`data.samples.history`).

Idempotent: a layer file already imported unchanged is reused, an account or proposal that exists is left
as it is, and the history is made once. No secret is fixed or published: each demo account gets a random
secret on first load, kept in ``demo-accounts.json`` in the data directory, readable only by the user who
loaded the samples (mode 0600); the load prints where it is, and :func:`demo_secrets` reads it back. An
account still holding the secret that older versions published (``blueprint-demo``) gets a new one.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any

from sqlalchemy import Connection, text

from data.samples.hall import SAMPLE_PROVIDER_ACCOUNTS
from gis.db import get_engine
from gis.settings import database_settings
from layers.departments import Department, seed
from layers.importer import import_layer
from projects.accounts import Account, Role, account_by_username, create_account, reset_secret, secret_matches
from projects.clock import beijing_today, replaying
from projects.proposals import ProposalInput, act, create_proposal, post_opinion, proposal_detail
from projects.review import Verdict
from projects.sites import prepare_site
from projects.supervision.workdays import load_calendar

from .history import ProjectPlan, city_done, moment, plan_history, replay_city, replay_project
from .windows import WINDOW_ACCOUNTS

SAMPLES = Path(__file__).resolve().parent / "xiamen"
DISTRICTS_FILE = "xiamen_districts_cnmaps_gcj02.geojson"
DISTRICTS_LAYER = "厦门市行政区划 Xiamen districts"
_PARCELS_FILE = "investment_parcel.geojson"
SECRETS_FILE = "demo-accounts.json"
PUBLISHED_SECRET = "blueprint-demo"
"""The one secret earlier versions gave every demo account, and printed: replaced wherever it is found."""
LOADED_BY = "blueprint samples load"

DEMO_ACCOUNTS: list[dict[str, Any]] = [
    {"username": "admin", "role": Role.ADMIN},
    {"username": "ndrc", "role": Role.NDRC},
    # one login for every department that answers for something (the NDRC's line decides as the NDRC role)
    *({"username": f"dept-{slug}", "role": Role.DEPARTMENT, "department": slug}
      for slug in sorted({r.department for r in seed().responsibilities}) if slug != Department.NDRC),
    *WINDOW_ACCOUNTS,
]


def default_secrets_file() -> Path:
    """Where the demo accounts' secrets are kept: ``demo-accounts.json`` in the data directory."""
    return database_settings().data_dir / SECRETS_FILE


def demo_secrets(path: Path | None = None) -> dict[str, str]:
    """The demo accounts' secrets by username, as the last load kept them (empty before the first)."""
    try:
        return json.loads((path or default_secrets_file()).read_text(encoding="utf-8"))["secrets"]
    except FileNotFoundError:
        return {}


def load_samples(samples_dir: Path = SAMPLES, secrets_file: Path | None = None) -> Iterator[str]:
    """Load everything; yields one line of progress per step. ``secrets_file`` (default in the data
    directory) keeps the demo accounts' secrets."""
    report = import_layer(samples_dir / DISTRICTS_FILE, "district", crs="GCJ02", name=DISTRICTS_LAYER,
                          skip_if_unchanged=True, actor=LOADED_BY)
    yield _describe(report)
    manifest = json.loads((samples_dir / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["layers"]:
        report = import_layer(samples_dir / entry["file"], entry["kind"], crs=entry["crs"], name=entry["name"],
                              skip_if_unchanged=True, actor=LOADED_BY)
        yield _describe(report)
    proposals = json.loads((samples_dir / manifest["proposals"]).read_text(encoding="utf-8"))["features"]
    applicants = [{"username": _applicant_username(props["credit_code"]), "role": Role.APPLICANT,
                   "organisation": props["applicant"], "credit_code": props["credit_code"]}
                  for props in (feature["properties"] for feature in proposals)]
    specs = {spec["username"]: spec for spec in [*DEMO_ACCOUNTS, *applicants, *SAMPLE_PROVIDER_ACCOUNTS]}
    secrets_file = secrets_file or default_secrets_file()
    kept = demo_secrets(secrets_file)
    with get_engine().begin() as connection:
        accounts = {name: _ensure_account(connection, spec, kept) for name, spec in specs.items()}
    # Written once the accounts are committed, so the file never names a secret the database lacks.
    _write_secrets(secrets_file, kept)
    today = beijing_today()
    with get_engine().connect() as connection:
        calendar = load_calendar(connection)
    coded = [f["properties"] for f in proposals if f["properties"].get("sample_state") == "approved"]
    plans = {plan.name: plan for plan in plan_history(manifest["seed"], today, coded, calendar)}
    created = sum(_ensure_proposal(feature, accounts, plans.get(feature["properties"]["name"]), manifest["seed"])
                  for feature in proposals)
    yield f"proposals: {created} created, {len(proposals) - created} already there"
    if plans:
        yield from _city_history(samples_dir, manifest["seed"], today, plans, proposals, accounts)
    yield "demo accounts: {}, and applicant {} ({})".format(
        ", ".join(sorted(spec["username"] for spec in DEMO_ACCOUNTS)), applicants[0]["username"],
        applicants[0]["organisation"])
    yield (f"their secrets are in {secrets_file} (readable only by you); log in on any page, or get a bearer "
           "token with POST /api/v1/auth/token")


def _city_history(samples_dir: Path, seed: int, today: date, plans: dict[str, ProjectPlan],
                  proposals: list[dict[str, Any]], accounts: dict[str, Account]) -> Iterator[str]:
    """The part of the history after the projects' own (warnings, the draw, interests), made once."""
    yield (f"{len(plans)} coded over the past year, from {min(p.coded_on for p in plans.values())} to "
           f"{max(p.coded_on for p in plans.values())}")
    with get_engine().begin() as connection:
        if city_done(connection):
            yield "supervision history: already there"
            return
        parcels = json.loads((samples_dir / _PARCELS_FILE).read_text(encoding="utf-8"))["features"]
        oldest = min(plans.values(), key=lambda p: p.rank).name
        linked = next(f["properties"]["credit_code"] for f in proposals if f["properties"]["name"] == oldest)
        made = replay_city(connection, seed, today, accounts, [f["properties"] for f in parcels], linked)
    yield (f"supervision history: {made['warnings']} warnings, a draw of {made['draw_targets']} projects, "
           f"{made['interests']} registrations of interest, {made['feasibility_reviews']} joint feasibility reviews, "
           f"{made['hall_providers']} sample service providers with {made['hall_commissions']} commissions")


def _applicant_username(credit_code: str) -> str:
    """The demo login of a sample applicant organisation, from its unified social credit code."""
    return f"applicant-{credit_code[-8:].lower()}"


def _describe(report: Any) -> str:
    action = "reused" if report.reused else f"imported in {report.seconds:.1f} s"
    return f"{report.kind:<28} {report.layer_name}: v{report.version}, {report.feature_count} features, {action}"


def _ensure_account(connection: Connection, spec: dict[str, Any], kept: dict[str, str]) -> Account:
    """The demo account of ``spec``, created with a new random secret (added to ``kept``) if missing."""
    username = spec["username"]
    existing = account_by_username(connection, username)
    if existing is not None and username not in kept and secret_matches(connection, username, PUBLISHED_SECRET):
        kept[username] = secrets.token_urlsafe(12)
        reset_secret(connection, username, kept[username], by=LOADED_BY)
    if existing is not None:
        return existing
    kept.setdefault(username, secrets.token_urlsafe(12))
    return create_account(connection, secret=kept[username], by=LOADED_BY, **spec)


def _write_secrets(path: Path, kept: dict[str, str]) -> None:
    """Replace ``path`` by a file readable and writable by this user alone (0600) holding ``kept``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # an existing staging file keeps its mode otherwise
        json.dump({"secrets": dict(sorted(kept.items()))}, handle, ensure_ascii=False, indent=2)
    staging.replace(path)


def _ensure_proposal(feature: dict[str, Any], accounts: dict[str, Account], plan: ProjectPlan | None,
                     seed: int) -> bool:
    """Create, submit and open the review of one sample proposal; with a ``plan`` (a conflict-free one
    whose sample says so), do it on the plan's days, approve it on its code day and replay its history.
    False when it already exists."""
    props = feature["properties"]
    with get_engine().begin() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM proposals WHERE name = :n AND credit_code = :c"),
            {"n": props["name"], "c": props["credit_code"]},
        ).first()
        if exists:
            return False
        applicant = accounts[_applicant_username(props["credit_code"])]
        data = ProposalInput(
            name=props["name"], applicant_organisation=props["applicant"], credit_code=props["credit_code"],
            district_code=props["district_code"], industry=props["industry"], project_type=props["project_type"],
            investment_category=props["investment_category"],
            total_investment_wan=Decimal(str(props["total_investment_wan"])), land_use=props["land_use"])
        with replaying(moment(plan.submitted_on)) if plan else nullcontext():
            proposal = create_proposal(connection, applicant, data, prepare_site(feature["geometry"], "EPSG:4326"))
            act(connection, applicant, proposal["id"], "submit")
            act(connection, accounts["ndrc"], proposal["id"], "start_review")
        if plan is None:
            return True
        detail = proposal_detail(connection, accounts["ndrc"], proposal["id"])
        if detail["screening"]["summary"]["blocking_count"]:
            raise RuntimeError(f"sample {props['name']} was meant to be conflict-free; regenerate the samples")
        with replaying(moment(plan.coded_on)):
            for department in detail["review"]["required"]:
                post_opinion(connection, accounts[f"dept-{department}"], proposal["id"], Verdict.AGREE)
            code = act(connection, accounts["ndrc"], proposal["id"], "approve",
                       code_rng=Random(f"{seed}:code:{props['name']}"))["project_code"]
        replay_project(connection, plan, code, applicant, accounts, feature["geometry"])
    return True
