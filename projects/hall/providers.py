"""Registered service providers (中介服务机构) of the intermediary hall: who they are (name, unified social
credit code, district), which service types they offer, and their qualifications (资质: kind, grade, number,
valid until).

Rules: only an admin registers a provider; a credit code is registered once; every service type a provider
offers is backed by a qualification of a kind that type accepts (:mod:`projects.hall.service_types`), valid
on the day it is registered. A provider is eligible (可被选取) for a type on a day when it offers the type,
holds an unexpired accepted qualification that day, and is not on the credit blacklist (信用黑名单) that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from psycopg.errors import UniqueViolation
from sqlalchemy import Connection, Row, text
from sqlalchemy.exc import IntegrityError

from gis.messages import Clauses, Message, Text, phrases
from layers.divisions import divisions
from projects import audit
from projects.access import NotFoundError, require_role
from projects.accounts import Account
from projects.clock import NOW_SQL, beijing_today, now_parameter
from projects.credit import active_entries
from projects.credit_code import validate_credit_code
from projects.hall.service_types import QUALIFICATION_KINDS, SERVICE_TYPES, ServiceType
from projects.supervision.errors import SupervisionConflictError, SupervisionInputError

phrases(
    "hall",
    provider_name=Text("请填写中介服务机构名称", "give the provider's name"),
    district=Text("“{code}”不是厦门市的区划代码；可用：{known}",
                  "{code!r} is no district code of Xiamen; one of {known}"),
    service_type=Text("未知的中介服务类型“{key}”；可用类型：{known}", "unknown service type {key!r}; one of {known}"),
    no_service_types=Text("请至少选择一项服务类型", "choose at least one service type"),
    qualification_kind=Text("未知的资质类别“{kind}”；可用类别：{known}",
                            "unknown qualification kind {kind!r}; one of {known}"),
    qualification_number=Text("请填写资质证书编号", "give the qualification's certificate number"),
    unbacked=Text("服务类型“{type}”须有以下资质之一且在有效期内：{kinds}",
                  "the service type {type} needs a valid qualification of one of these kinds: {kinds}"),
    registered=Text("统一社会信用代码{code}已登记为中介服务机构{id}（{name}）",
                    "the credit code {code} is already registered as provider {id} ({name})"),
    no_provider=Text("没有编号为{id}的中介服务机构。", "There is no service provider {id}."),
    not_eligible=Text("{name}不能承接“{type}”：{reasons}", "{name} cannot be commissioned for {type}: {reasons}"),
    outside_types=Text("该机构的服务类型不含“{type}”（其服务类型：{offered}）",
                       "the provider does not offer {type} (it offers {offered})"),
    no_qualification=Text("没有“{type}”所需的资质（{kinds}）", "it holds no qualification {type} needs ({kinds})"),
    expired=Text("“{type}”所需资质已于{day}过期", "the qualification {type} needs expired on {day}"),
    blacklisted=Text("已列入信用黑名单（{reason}，自{since}起）",
                     "it is on the credit blacklist ({reason}, since {since})"),
)


class ProviderNotEligibleError(SupervisionInputError):
    """A provider that may not be commissioned for the type (outside its service types, without a valid
    qualification, or blacklisted); ``reasons`` lists each reason."""

    slug = "provider-not-eligible"

    def __init__(self, message: Message, reasons: list[Message]) -> None:
        super().__init__("provider_id", message)
        self.extra["reasons"] = reasons


@dataclass(frozen=True)
class QualificationInput:
    """A qualification as registered: its kind, grade (等级, e.g. 甲级), certificate number and last valid day."""

    kind: str
    grade: str
    number: str
    valid_until: dt.date


def service_type(key: str, field: str = "service_type") -> ServiceType:
    """The service type of ``key``, or a refusal naming the known ones."""
    found = SERVICE_TYPES.get(key)
    if found is None:
        raise SupervisionInputError(field, Message("hall.service_type", key=key, known=list(SERVICE_TYPES)))
    return found


def _type_name(kind: ServiceType) -> Text:
    return Text(kind.name.zh, kind.name.en)


def _kind_names(kind: ServiceType) -> list[Text]:
    return [QUALIFICATION_KINDS[k] for k in kind.accepts]


def _xiamen_districts() -> dict[str, str]:
    return {d.code: d.name for d in divisions() if d.level == "district" and d.code.startswith("3502")}


def _refuse_registered(connection: Connection, code: str) -> None:
    """Refuse (409) a credit code that is registered already, naming the provider that holds it."""
    existing = connection.execute(text("SELECT id, name FROM service_providers WHERE credit_code = :c"),
                                  {"c": code}).one_or_none()
    if existing is not None:
        raise SupervisionConflictError(Message("hall.registered", code=code, id=existing.id, name=existing.name))


def register_provider(connection: Connection, actor: Account | None, *, name: str, credit_code: str,
                      district_code: str, address: str | None, phone: str | None, service_types: list[str],
                      qualifications: list[QualificationInput], sample: bool = False) -> dict[str, Any]:
    """Register a service provider (admin). ``sample`` marks an invented provider of the demo history."""
    require_role(actor, action=Text("登记中介服务机构", "registering a service provider"))
    if not name.strip():
        raise SupervisionInputError("name", Message("hall.provider_name"))
    code = validate_credit_code(credit_code)
    known = _xiamen_districts()
    if district_code not in known:
        raise SupervisionInputError("district_code", Message("hall.district", code=district_code, known=list(known)))
    if not service_types:
        raise SupervisionInputError("service_types", Message("hall.no_service_types"))
    offered = [service_type(key, "service_types") for key in dict.fromkeys(service_types)]
    for qualification in qualifications:
        if qualification.kind not in QUALIFICATION_KINDS:
            raise SupervisionInputError("qualifications", Message(
                "hall.qualification_kind", kind=qualification.kind, known=list(QUALIFICATION_KINDS)))
        if not qualification.number.strip():
            raise SupervisionInputError("qualifications", Message("hall.qualification_number"))
    today = beijing_today()
    for kind in offered:
        if not any(q.kind in kind.accepts and q.valid_until >= today for q in qualifications):
            raise SupervisionInputError("qualifications", Message("hall.unbacked", type=_type_name(kind),
                                                                  kinds=_kind_names(kind)))
    _refuse_registered(connection, code)
    savepoint = connection.begin_nested()
    try:
        provider_id = connection.execute(
            text("INSERT INTO service_providers (name, credit_code, district_code, address, phone, sample, "
                 f"registered_by, registered_at) VALUES (:n, :c, :d, :a, :p, :s, :by, {NOW_SQL}) RETURNING id"),
            {"n": name.strip(), "c": code, "d": district_code, "a": (address or "").strip() or None,
             "p": (phone or "").strip() or None, "s": sample, "by": actor.id if actor else None, **now_parameter()},
        ).scalar_one()
    except IntegrityError as error:
        # Another admin registered the same code between the check and the insert.
        savepoint.rollback()
        if isinstance(error.orig, UniqueViolation):
            _refuse_registered(connection, code)
        raise
    savepoint.commit()
    connection.execute(text("INSERT INTO provider_service_types (provider_id, service_type) VALUES (:p, :t)"),
                       [{"p": provider_id, "t": kind.key} for kind in offered])
    if qualifications:
        connection.execute(
            text("INSERT INTO provider_qualifications (provider_id, kind, grade, number, valid_until) "
                 "VALUES (:p, :k, :g, :n, :v)"),
            [{"p": provider_id, "k": q.kind, "g": q.grade.strip(), "n": q.number.strip(), "v": q.valid_until}
             for q in qualifications])
    audit.record(connection, actor=actor, action="provider_register",
                 after={"provider_id": provider_id, "name": name.strip(), "credit_code": code,
                        "service_types": [k.key for k in offered], "sample": sample,
                        "qualifications": [{"kind": q.kind, "grade": q.grade, "number": q.number,
                                            "valid_until": q.valid_until} for q in qualifications]})
    return provider_detail(connection, provider_id)


def _provider_row(connection: Connection, provider_id: int) -> Row[Any]:
    row = connection.execute(
        text("SELECT id, name, credit_code, district_code, address, phone, sample FROM service_providers "
             "WHERE id = :id"), {"id": provider_id}).one_or_none()
    if row is None:
        raise NotFoundError(Message("hall.no_provider", id=provider_id))
    return row


def ineligibility(connection: Connection, provider: Row[Any], kind: ServiceType, on: dt.date) -> list[Message]:
    """Why ``provider`` may not be commissioned for ``kind`` on ``on`` (empty: it may)."""
    reasons: list[Message] = []
    offered = connection.execute(
        text("SELECT service_type FROM provider_service_types WHERE provider_id = :p ORDER BY service_type"),
        {"p": provider.id}).scalars().all()
    if kind.key not in offered:
        reasons.append(Message("hall.outside_types", type=_type_name(kind),
                               offered=[_type_name(SERVICE_TYPES[k]) for k in offered]))
    last_valid = connection.execute(
        text("SELECT max(valid_until) FROM provider_qualifications WHERE provider_id = :p AND kind = ANY(:k)"),
        {"p": provider.id, "k": list(kind.accepts)}).scalar_one()
    if last_valid is None:
        reasons.append(Message("hall.no_qualification", type=_type_name(kind), kinds=_kind_names(kind)))
    elif last_valid < on:
        reasons.append(Message("hall.expired", type=_type_name(kind), day=last_valid.isoformat()))
    reasons.extend(Message("hall.blacklisted", reason=entry["reason"], since=entry["valid_from"])
                   for entry in active_entries(connection, provider.credit_code, on, "black"))
    return reasons


def require_eligible(connection: Connection, provider_id: int, kind: ServiceType, on: dt.date) -> Row[Any]:
    """The provider, if it may be commissioned for ``kind`` on ``on``; else :class:`ProviderNotEligibleError`."""
    provider = _provider_row(connection, provider_id)
    reasons = ineligibility(connection, provider, kind, on)
    if reasons:
        raise ProviderNotEligibleError(Message("hall.not_eligible", name=provider.name, type=_type_name(kind),
                                               reasons=Clauses(reasons)), reasons)
    return provider


def eligible_ids(connection: Connection, kind: ServiceType, on: dt.date) -> list[int]:
    """Every provider eligible for ``kind`` on ``on``, by id: the candidates of a random draw."""
    ids = connection.execute(
        text("SELECT DISTINCT p.id FROM service_providers p "
             "JOIN provider_service_types t ON t.provider_id = p.id AND t.service_type = :t "
             "JOIN provider_qualifications q ON q.provider_id = p.id AND q.kind = ANY(:k) AND q.valid_until >= :d "
             "WHERE NOT EXISTS (SELECT 1 FROM credit_list b WHERE b.list_kind = 'black' "
             "  AND b.credit_code = p.credit_code AND b.valid_from <= :d AND (b.valid_to IS NULL OR b.valid_to >= :d)) "
             "ORDER BY p.id"),
        {"t": kind.key, "k": list(kind.accepts), "d": on}).scalars().all()
    return list(ids)


def _describe(connection: Connection, rows: list[Row[Any]], on: dt.date) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    types: dict[int, list[str]] = {}
    for r in connection.execute(text("SELECT provider_id, service_type FROM provider_service_types "
                                     "WHERE provider_id = ANY(:ids) ORDER BY service_type"), {"ids": ids}).all():
        types.setdefault(r.provider_id, []).append(r.service_type)
    qualifications: dict[int, list[dict[str, Any]]] = {}
    for q in connection.execute(text("SELECT provider_id, kind, grade, number, valid_until "
                                     "FROM provider_qualifications WHERE provider_id = ANY(:ids) "
                                     "ORDER BY kind, valid_until"), {"ids": ids}).all():
        qualifications.setdefault(q.provider_id, []).append(
            {"kind": q.kind, "zh": QUALIFICATION_KINDS[q.kind].zh, "en": QUALIFICATION_KINDS[q.kind].en,
             "grade": q.grade, "number": q.number, "valid_until": q.valid_until.isoformat(),
             "valid": q.valid_until >= on})
    ratings = {r.provider_id: r for r in connection.execute(
        text("SELECT provider_id, count(rating) AS rated, avg(rating) AS mean FROM commissions "
             "WHERE provider_id = ANY(:ids) GROUP BY provider_id"), {"ids": ids}).all()}
    result = []
    for row in rows:
        reasons = {key: ineligibility(connection, row, SERVICE_TYPES[key], on) for key in types.get(row.id, [])}
        rating = ratings.get(row.id)
        result.append({
            "id": row.id, "name": row.name, "credit_code": row.credit_code, "district_code": row.district_code,
            "address": row.address, "phone": row.phone, "sample": row.sample,
            "blacklisted": bool(active_entries(connection, row.credit_code, on, "black")),
            "service_types": [{"key": key, "zh": SERVICE_TYPES[key].name.zh, "en": SERVICE_TYPES[key].name.en,
                               "eligible": not reasons[key],
                               "reasons": [{"zh": r.render("zh"), "en": r.render("en")} for r in reasons[key]]}
                              for key in types.get(row.id, [])],
            "qualifications": qualifications.get(row.id, []),
            "ratings": rating.rated if rating else 0,
            "mean_rating": round(float(rating.mean), 2) if rating and rating.mean is not None else None,
        })
    return result


def provider_detail(connection: Connection, provider_id: int, on: dt.date | None = None) -> dict[str, Any]:
    """One provider with its service types (each eligible or why not), qualifications and mean rating."""
    return _describe(connection, [_provider_row(connection, provider_id)], on or beijing_today())[0]


def list_providers(connection: Connection, *, service_type_key: str | None = None, district_code: str | None = None,
                   eligible_only: bool = False, on: dt.date | None = None) -> dict[str, Any]:
    """The hall's directory (public): providers offering ``service_type_key`` (or any), in a district (or any),
    only those eligible today when ``eligible_only``; with the service-type table."""
    on = on or beijing_today()
    kind = service_type(service_type_key) if service_type_key else None
    rows = connection.execute(
        text("SELECT p.id, p.name, p.credit_code, p.district_code, p.address, p.phone, p.sample "
             "FROM service_providers p WHERE (CAST(:d AS text) IS NULL OR p.district_code = :d) "
             "AND (CAST(:t AS text) IS NULL OR EXISTS (SELECT 1 FROM provider_service_types t "
             "  WHERE t.provider_id = p.id AND t.service_type = :t)) ORDER BY p.name, p.id"),
        {"d": district_code or None, "t": kind.key if kind else None}).all()
    if eligible_only and kind is not None:
        allowed = set(eligible_ids(connection, kind, on))
        rows = [r for r in rows if r.id in allowed]
    providers = _describe(connection, list(rows), on)
    if eligible_only and kind is None:
        providers = [p for p in providers if any(t["eligible"] for t in p["service_types"])]
    return {"as_of": on.isoformat(), "service_types": [t.as_dict() for t in SERVICE_TYPES.values()],
            "districts": [{"code": c, "name": n} for c, n in _xiamen_districts().items()],
            "providers": providers}


def provider_of_account(connection: Connection, actor: Account) -> Row[Any] | None:
    """The registered provider a provider account speaks for (same unified social credit code), if any."""
    if not actor.credit_code:
        return None
    return connection.execute(
        text("SELECT id, name, credit_code, district_code, address, phone, sample FROM service_providers "
             "WHERE credit_code = :c"), {"c": actor.credit_code}).one_or_none()
