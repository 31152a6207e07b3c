"""Proposals API: accounts' tokens, proposals and their sites, opinions, markings, decisions, codes, credit."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from api.auth import Caller, Token, clear_session_cookie, require_same_origin, set_session_cookie
from api.boundary import BoundaryRoute
from api.problems import ProblemError, problem_responses
from api.schemas import (
    ActionIn,
    CreditEntryIn,
    LegacyProjectIn,
    MarkingIn,
    OpinionIn,
    ProposalFields,
    ProposalIn,
    SiteIn,
    TokenIn,
)
from gis.db import get_engine
from gis.messages import Message, Text, message_of
from projects import credit, proposals
from projects.access import require_role
from projects.accounts import account_for_token, log_in, revoke_token, revoke_tokens_of
from projects.login_limits import HashingBusyError, LoginThrottledError
from projects.sites import prepare_site

router = APIRouter(prefix="/api/v1", route_class=BoundaryRoute)


def _input(body: ProposalFields) -> proposals.ProposalInput:
    fields = body.model_dump(include=set(ProposalFields.model_fields))
    fields["total_investment_wan"] = Decimal(str(fields["total_investment_wan"]))
    return proposals.ProposalInput(**fields)


@router.post("/auth/token", tags=["accounts"], responses=problem_responses(429))
def post_token(body: TokenIn, request: Request) -> dict[str, Any]:
    """Log in: a bearer token for `Authorization: Bearer <token>`, valid 12 hours.

    Wrong secrets are throttled per account and per source address (429 with `Retry-After`).
    """
    address = request.client.host if request.client else "unknown"
    try:
        with get_engine().begin() as connection:
            token = log_in(connection, body.username, body.secret, address)
    except LoginThrottledError as error:
        raise ProblemError(429, "too-many-logins", message_of(error),
                           headers={"Retry-After": str(error.retry_after)}) from None
    except HashingBusyError as error:
        raise ProblemError(503, "busy", message_of(error), headers={"Retry-After": "5"}) from None
    if token is None:
        raise ProblemError(401, "unauthorised", Message("auth.wrong_secret"))
    return {"access_token": token, "token_type": "bearer", "expires_in": 12 * 3600}


@router.post("/auth/session", tags=["accounts"], responses=problem_responses(403, 429))
def post_session(body: TokenIn, request: Request, response: Response) -> dict[str, Any]:
    """Log in for the pages: the token goes into an HttpOnly, SameSite=Strict cookie, never to a script.

    Only the platform's own pages may ask (no logging a visitor in from another site)."""
    require_same_origin(request)
    token = post_token(body, request)["access_token"]
    set_session_cookie(request, response, token)
    with get_engine().connect() as connection:
        account = account_for_token(connection, token)
    assert account is not None  # the token was issued in a committed transaction just now
    return account.to_dict()


@router.post("/auth/logout", tags=["accounts"], status_code=204, response_class=Response)
def post_logout(caller: Caller, token: Token) -> Response:
    """Log out: the token of this request (bearer or session cookie) stops working at once; the cookie goes."""
    if caller is None or token is None:
        raise ProblemError(401, "unauthorised", Message("auth.log_in_first"), headers={"WWW-Authenticate": "Bearer"})
    with get_engine().begin() as connection:
        revoke_token(connection, token)
    response = Response(status_code=204)
    clear_session_cookie(response)
    return response


@router.post("/accounts/{username}/revoke-tokens", tags=["accounts"])
def post_revoke_tokens(username: Annotated[str, Path(max_length=100)], caller: Caller) -> dict[str, Any]:
    """End every session of an account (admin): each of its tokens stops working at once."""
    require_role(caller, action=Text("注销账号的全部登录", "revoking an account's tokens"))
    with get_engine().begin() as connection:
        return {"username": username, "revoked": revoke_tokens_of(connection, username)}


@router.get("/me", tags=["accounts"])
def get_me(caller: Caller) -> dict[str, Any]:
    """The caller's account (401 without a token)."""
    if caller is None:
        raise ProblemError(401, "unauthorised", Message("auth.log_in_first"), headers={"WWW-Authenticate": "Bearer"})
    return caller.to_dict()


@router.get("/proposals", tags=["proposals"])
def get_proposals(caller: Caller) -> list[dict[str, Any]]:
    """Proposals the caller may see, with conflict counts, outstanding departments, waiting days, legal actions,
    and the current site with its conflict overlaps (another project's only for officials)."""
    with get_engine().connect() as connection:
        return proposals.list_proposals(connection, caller)


@router.post("/proposals", tags=["proposals"], status_code=201)
def post_proposal(body: ProposalIn, caller: Caller) -> dict[str, Any]:
    """A new draft proposal (applicant); its site is screened at once."""
    data = _input(body)
    site = prepare_site(body.site, body.crs)
    with get_engine().begin() as connection:
        return proposals.create_proposal(connection, caller, data, site)


@router.get("/review-queue", tags=["review"])
def get_review_queue(caller: Caller) -> list[dict[str, Any]]:
    """待我审查: proposals under review waiting for the caller's department, the longest waiting first."""
    with get_engine().connect() as connection:
        return proposals.review_queue(connection, caller)


@router.get("/proposals/{proposal_id}", tags=["proposals"])
def get_proposal(proposal_id: int, caller: Caller) -> dict[str, Any]:
    """A proposal with every site revision, its current screening and review status."""
    with get_engine().connect() as connection:
        return proposals.proposal_detail(connection, caller, proposal_id)


@router.post("/proposals/{proposal_id}/sites", tags=["proposals"], status_code=201)
def post_site(proposal_id: int, body: SiteIn, caller: Caller) -> dict[str, Any]:
    """A revised site (the history is kept); screened at once."""
    site = prepare_site(body.site, body.crs)
    with get_engine().begin() as connection:
        return proposals.revise_site(connection, caller, proposal_id, site)


@router.post("/proposals/{proposal_id}/actions", tags=["proposals"])
def post_action(proposal_id: int, body: ActionIn, caller: Caller) -> dict[str, Any]:
    """submit (applicant); start_review, return, reject, approve (NDRC). Approval assigns the code."""
    with get_engine().begin() as connection:
        return proposals.act(connection, caller, proposal_id, body.action, body.reason)


@router.post("/proposals/{proposal_id}/rescreen", tags=["proposals"], status_code=201)
def post_rescreen(proposal_id: int, caller: Caller) -> dict[str, Any]:
    """Screen the current site again against today's layers and projects (NDRC or the applicant), audited."""
    with get_engine().begin() as connection:
        return proposals.rescreen(connection, caller, proposal_id)


@router.post("/proposals/{proposal_id}/opinions", tags=["review"], status_code=201)
def post_opinion(proposal_id: int, body: OpinionIn, caller: Caller) -> dict[str, Any]:
    """A department's opinion on the current site revision."""
    with get_engine().begin() as connection:
        return proposals.post_opinion(connection, caller, proposal_id, body.verdict, body.conditions, body.reason,
                                      body.marking_ids)


@router.get("/proposals/{proposal_id}/markings", tags=["review"])
def get_markings(proposal_id: int, caller: Caller) -> dict[str, Any]:
    """Every department's map markings on the proposal (GeoJSON)."""
    with get_engine().connect() as connection:
        return proposals.list_markings(connection, caller, proposal_id)


@router.post("/proposals/{proposal_id}/markings", tags=["review"], status_code=201)
def post_marking(proposal_id: int, body: MarkingIn, caller: Caller) -> dict[str, Any]:
    """A department's marking: a point, line or polygon with a note."""
    with get_engine().begin() as connection:
        return proposals.add_marking(connection, caller, proposal_id, body.geometry, body.note)


@router.get("/proposals/{proposal_id}/history", tags=["proposals"])
def get_history(proposal_id: int, caller: Caller) -> list[dict[str, Any]]:
    """The audit trail: who did what, when, before and after."""
    with get_engine().connect() as connection:
        return proposals.proposal_history(connection, caller, proposal_id)


@router.get("/projects/{code}", tags=["projects"])
def get_project(code: str, caller: Caller) -> dict[str, Any]:
    """A coded project by its project code (national GB/T 40058 or legacy layout)."""
    with get_engine().connect() as connection:
        return proposals.find_by_code(connection, caller, code)


@router.post("/projects/legacy", tags=["projects"], status_code=201)
def post_legacy_project(body: LegacyProjectIn, caller: Caller) -> dict[str, Any]:
    """Register a project coded before 2021 under its legacy code (NDRC)."""
    data = _input(body)
    site = prepare_site(body.site, body.crs)
    with get_engine().begin() as connection:
        return proposals.register_legacy_project(connection, caller, body.project_code, data, site)


@router.get("/credit", tags=["credit"])
def get_credit(caller: Caller, list_kind: str | None = None) -> list[dict[str, Any]]:
    """The blacklist and red list (NDRC, admin)."""
    with get_engine().connect() as connection:
        return credit.list_entries(connection, caller, list_kind)


@router.post("/credit", tags=["credit"], status_code=201)
def post_credit(body: CreditEntryIn, caller: Caller) -> dict[str, Any]:
    """Record an entity on the blacklist or red list (admin)."""
    with get_engine().begin() as connection:
        return credit.add_entry(connection, caller, **body.model_dump())
