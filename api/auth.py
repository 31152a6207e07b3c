"""Bearer-token authentication: resolves the caller's account; no token means the public."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header
from fastapi.security import HTTPBearer

from api.problems import ProblemError
from gis.db import get_engine
from projects.accounts import Account, account_for_token

bearer = HTTPBearer(auto_error=False, description="token from POST /api/v1/auth/token")


def bearer_token(
    credentials: Annotated[object | None, Depends(bearer)] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str | None:
    """The bearer token of the request, None without one; any other scheme is 401."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(401, "unauthorised", "Unauthorised", "use 'Authorization: Bearer <token>'",
                           headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


Token = Annotated[str | None, Depends(bearer_token)]


def current_account(token: Token) -> Account | None:
    """The account of the bearer token, None for the public; a bad token is 401, not silently public."""
    if token is None:
        return None
    with get_engine().connect() as connection:
        account = account_for_token(connection, token)
    if account is None:
        raise ProblemError(401, "unauthorised", "Unauthorised", "the token is unknown or expired; log in again")
    return account


Caller = Annotated[Account | None, Depends(current_account)]
