"""Who may see and do what with proposals. The public (no account) never sees a proposal."""

from __future__ import annotations

from gis.messages import Message, Text, phrases
from projects.accounts import Account, Role

ROLE_NAMES = {Role.ADMIN: Text("管理员", "admin"), Role.NDRC: Text("发改委", "ndrc"),
              Role.DEPARTMENT: Text("部门", "department"), Role.APPLICANT: Text("项目单位", "applicant"),
              Role.WINDOW: Text("受理窗口", "acceptance window"),
              Role.PROVIDER: Text("中介服务机构", "service provider")}

phrases(
    "access",
    login=Text("{action}需要先登录（页面登录，或通过 POST /api/v1/auth/token 取得令牌）。",
               "{action} needs a login (bearer token from POST /api/v1/auth/token)"),
    either=Text("{first}或{second}", "{first} or {second}"),
    denied=Text("{action}仅限{roles}账号，当前账号为{role}账号。", "{action} is for {roles} accounts, not {role}"),
)


class AccessDeniedError(Exception):
    """The account's role may not do this (HTTP 403); the message (a :class:`Message`) says which role may."""


class LoginRequiredError(AccessDeniedError):
    """The public may not do this; an account must log in (HTTP 401)."""


class NotFoundError(LookupError):
    """No such thing, or not one this account may see (HTTP 404: existence is not revealed)."""


def require_role(actor: Account | None, *roles: Role, action: Text, admin_may: bool = True) -> Account:
    """The actor, if it holds one of ``roles``; an admin may too, unless ``admin_may`` is False.

    ``admin_may=False`` keeps a decision with the role it belongs to: an admin manages accounts and layers,
    but decides for the NDRC only when it also holds the NDRC role.
    """
    if actor is None:
        raise LoginRequiredError(Message("access.login", action=action))
    if any(actor.holds(role) for role in roles) or (admin_may and actor.holds(Role.ADMIN)):
        return actor
    names: Message | Text = ROLE_NAMES[roles[0] if roles else Role.ADMIN]
    for role in roles[1:]:
        names = Message("access.either", first=names, second=ROLE_NAMES[role])
    raise AccessDeniedError(Message("access.denied", action=action, roles=names, role=ROLE_NAMES[actor.role]))


def can_view_proposal(actor: Account | None, owner_id: int | None, state: str) -> bool:
    """Applicants see their own; departments see proposals once submitted; NDRC and admin see all; a service
    provider sees none (only the commissions it was chosen for, :mod:`projects.hall.commissions`)."""
    if actor is None or actor.role is Role.PROVIDER:
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

