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
from gis.messages import Message, Text, phrases
from projects.accounts import SESSION_COOKIE, TOKEN_LIFETIME, Account, account_for_token

bearer = HTTPBearer(auto_error=False, description="token from POST /api/v1/auth/token")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


phrases(
    "auth",
    cross_site=Text("该写操作带有页面的登录会话，但并非来自本平台自己的页面（其Sec-Fetch-Site或Origin请求头表明如此），"
                    "已拒绝。API客户端请使用“Authorization: Bearer <令牌>”请求头，而不是会话Cookie。",
                    "This write carries the pages' session cookie but does not come from the platform's own pages "
                    "(its Sec-Fetch-Site or Origin header says otherwise), so it was refused. API clients send "
                    "'Authorization: Bearer <token>' instead of the cookie."),
    bearer=Text("请使用“Authorization: Bearer <令牌>”请求头", "use 'Authorization: Bearer <token>'"),
    expired=Text("登录令牌无效或已过期，请重新登录", "the token is unknown or expired; log in again"),
    wrong_secret=Text("用户名不存在或密码错误", "unknown username or wrong secret"),
    log_in_first=Text("请先登录", "log in first"),
    admin_or_ndrc=Text("请以管理员或发改委账号登录", "log in as an admin or NDRC account"),
)


def require_same_origin(request: Request) -> None:
    """Refuse a request a browser made for another site (cross-site request forgery): 403 problem."""
    fetch_site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
    # Browsers since 2020-2023 send Sec-Fetch-Site; older ones send Origin on every cross-origin write.
    allowed = fetch_site == "same-origin" if fetch_site is not None else origin == own
    if not allowed:
        raise ProblemError(403, "cross-site-request", Message("auth.cross_site"))


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
        raise ProblemError(401, "unauthorised", Message("auth.bearer"), headers={"WWW-Authenticate": "Bearer"})
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
        raise ProblemError(401, "unauthorised", Message("auth.expired"), headers=headers)
    return account


def _account_for_token(token: str) -> Account | None:
    with get_engine().connect() as connection:
        return account_for_token(connection, token)


Caller = Annotated[Account | None, Depends(current_account)]
