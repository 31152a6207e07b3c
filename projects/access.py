"""Who may see and do what with proposals. The public (no account) never sees a proposal."""

from __future__ import annotations

from collections.abc import Iterable

from projects.accounts import Account, Role


class AccessDeniedError(Exception):
    """The account's role may not do this (HTTP 403); the message says which role may."""


class LoginRequiredError(AccessDeniedError):
    """The public may not do this; an account must log in (HTTP 401)."""


class NotFoundError(LookupError):
    """No such thing, or not one this account may see (HTTP 404: existence is not revealed)."""


def require_role(actor: Account | None, *roles: Role, action: str, admin_may: bool = True) -> Account:
    """The actor, if it holds one of ``roles``; an admin may too, unless ``admin_may`` is False.

    ``admin_may=False`` keeps a decision with the role it belongs to: an admin manages accounts and layers,
    but decides for the NDRC only when it also holds the NDRC role.
    """
    if actor is None:
        raise LoginRequiredError(f"{action} needs a login (bearer token from POST /api/v1/auth/token)")
    if any(actor.holds(role) for role in roles) or (admin_may and actor.holds(Role.ADMIN)):
        return actor
    raise AccessDeniedError(f"{action} is for {_names(roles)}, not {actor.role.value}")


def can_view_proposal(actor: Account | None, owner_id: int | None, state: str) -> bool:
    """Applicants see their own; departments see proposals once submitted; NDRC and admin see all."""
    if actor is None:
        return False
    if actor.role in (Role.ADMIN, Role.NDRC):
        return True
    if actor.role is Role.APPLICANT:
        return owner_id == actor.id
    return state != "draft"


def sees_other_projects(actor: Account | None) -> bool:
    """Officials (department, NDRC, admin) see which other project a site overlaps; the public and
    applicants only learn that it overlaps one."""
    return actor is not None and actor.role in (Role.ADMIN, Role.NDRC, Role.DEPARTMENT)


def _names(roles: Iterable[Role]) -> str:
    return " or ".join(role.value for role in roles) + " accounts"
