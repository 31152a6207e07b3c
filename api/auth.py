"""Authentication: the caller's account from a bearer token or the pages' session cookie; none means the public.

API clients send ``Authorization: Bearer <token>``. The pages log in through ``POST /api/v1/auth/session``,
which puts the token in an HttpOnly, SameSite=Strict cookie: no script on a page can read it (unlike
``sessionStorage``), and it is there in every tab. A browser sends a cookie by itself, so every write
authenticated by the cookie must come from the platform's own pages: its ``Sec-Fetch-Site`` is
``same-origin`` or, from a browser that does not send that header, its ``Origin`` is the platform's own;
otherwise it is refused (403 ``cross-site-request``) before anything runs. The bearer header needs no
such check: another site cannot make a browser send it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Response
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.problems import ProblemError
from gis.db import get_engine
from projects.accounts import SESSION_COOKIE, TOKEN_LIFETIME, Account, account_for_token

bearer = HTTPBearer(auto_error=False, description="token from POST /api/v1/auth/token")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def require_same_origin(request: Request) -> None:
    """Refuse a request a browser made for another site (cross-site request forgery): 403 problem."""
    fetch_site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
    # Browsers since 2020-2023 send Sec-Fetch-Site; older ones send Origin on every cross-origin write.
    allowed = fetch_site == "same-origin" if fetch_site is not None else origin == own
    if not allowed:
        raise ProblemError(403, "cross-site-request", "Cross-site request refused",
                           "This write carries the pages' session cookie but does not come from the platform's "
                           "own pages (its Sec-Fetch-Site or Origin header says otherwise), so it was refused. "
                           "API clients send 'Authorization: Bearer <token>' instead of the cookie.")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Keep ``token`` in the session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS, 12 hours."""
    response.set_cookie(SESSION_COOKIE, token, max_age=int(TOKEN_LIFETIME.total_seconds()), path="/",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


async def bearer_token(  # async, as it does no I/O: a sync dependency costs a hop to a worker thread
    request: Request,
    credentials: Annotated[object | None, Depends(bearer)] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str | None:
    """The request's token: the bearer header's, else the session cookie's (writes checked for their origin);
    None without either. An Authorization header of another scheme is 401."""
    if authorization is None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie and request.method not in SAFE_METHODS:
            require_same_origin(request)
        return cookie or None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(401, "unauthorised", "Unauthorised", "use 'Authorization: Bearer <token>'",
                           headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


Token = Annotated[str | None, Depends(bearer_token)]


async def current_account(request: Request, token: Token) -> Account | None:
    """The account of the token, None for the public; a bad token is 401, not silently public.

    A stale session cookie is cleared by that 401, so the pages fall back to the public view. Only a token
    is looked up, in a worker thread; the public costs no hop to one."""
    if token is None:
        return None
    account = await run_in_threadpool(_account_for_token, token)
    if account is None:
        headers = {"WWW-Authenticate": "Bearer"}
        if request.cookies.get(SESSION_COOKIE) == token:
            stale = Response()
            clear_session_cookie(stale)
            headers["Set-Cookie"] = stale.headers["set-cookie"]
        raise ProblemError(401, "unauthorised", "Unauthorised", "the token is unknown or expired; log in again",
                           headers=headers)
    return account


def _account_for_token(token: str) -> Account | None:
    with get_engine().connect() as connection:
        return account_for_token(connection, token)


Caller = Annotated[Account | None, Depends(current_account)]
