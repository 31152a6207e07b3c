"""Investment attraction (招商引资): parcel details with their planning constraints, CSV export, interest.

The parcels themselves are read from the layer store (:mod:`layers.parcels`). This module adds what an
investor needs to decide: the planning constraints of each parcel in plain words, found by running the
conflict screening (:mod:`projects.screening`) on the parcel as if it were a filing-type (备案) project of
the parcel's planned land use; and the registration of interest (意向登记), which only admins and the
NDRC (发改委) may read. Constraints are computed on every request, so a new layer version shows at once.

It is the one door of ``api`` and ``web`` to investment attraction: the parcel query, list and export of
:mod:`layers.parcels` are part of its public surface (``__all__``).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import Connection, text

from gis import audit
from gis.area import AreaFigures
from gis.errors import SpatialInputError
from gis.messages import Message, phrases
from layers.catalogue import INVESTMENT_PARCEL, LAYER_KINDS, Relation, Severity, Text
from layers.departments import Department
from layers.parcels import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    PARCEL_FIELDS,
    SORT_FIELDS,
    STATUS_VALUES,
    ExportTooLargeError,
    ParcelQuery,
    ParcelQueryError,
    find_parcel,
    page_of_parcels,
    parcel_facets,
    parcel_records,
    parcels_feature_collection,
)
from layers.store import list_layers
from projects.access import NotFoundError, require_role
from projects.accounts import Account, Role
from projects.clock import NOW_SQL, now_parameter
from projects.screening import Conflict, Screener, ScreeningRequest
from projects.settings import screening_settings
from projects.sites import Site

__all__ = [
    "DEFAULT_PAGE_SIZE", "MAX_PAGE", "MAX_PAGE_SIZE", "PARCEL_FIELDS", "SORT_FIELDS", "STATUS_VALUES",
    "ExportTooLargeError", "InterestInput", "InterestInputError", "ParcelNotOpenError", "ParcelQuery",
    "ParcelQueryError", "list_interests", "page_of_parcels", "parcel_detail", "parcel_map_context",
    "parcels_csv", "parcels_feature_collection", "plain_constraints", "register_interest",
]

SCREENING_PROJECT_TYPE = "03"
"""Parcels are screened as filing-type (备案) projects, the type of most enterprise investment."""
NEUTRAL_INDUSTRY = "M73"
"""GB/T 4754 division 73 (research and experimental development): not a polluting industry, so a parcel's
constraints are those every investor faces; rules for polluting industries are phrased into the text."""
INSIDE_PERCENT = 99.9
"""An overlap of at least this share of the parcel means the parcel lies inside, below it partly."""


@dataclass(frozen=True)
class PlainWords:
    """How an investor reads one conflict rule: where the parcel lies and what that means for building."""

    place: Text
    consequence: Text
    preposition: str = "inside"


PLAIN_WORDS: dict[str, PlainWords] = {
    "ecological_red_line.overlap": PlainWords(
        Text("生态保护红线内", "the ecological protection red line"),
        Text("原则上禁止开发建设", "development is in principle prohibited")),
    "basic_farmland.overlap": PlainWords(
        Text("永久基本农田", "permanent basic farmland"),
        Text("不得用于建设（国务院批准的国家重大项目除外）",
             "no construction, save national major projects approved by the State Council"), "on"),
    "urban_development_boundary.outside": PlainWords(
        Text("城镇开发边界", "the urban development boundary"),
        Text("城镇建设须先调整规划", "urban construction needs a plan amendment first")),
    "water_source_protection.tier_1": PlainWords(
        Text("饮用水水源一级保护区", "a tier 1 drinking-water source protection zone"),
        Text("禁止建设与供水设施和保护水源无关的项目", "no construction unrelated to water supply")),
    "water_source_protection.tier_2": PlainWords(
        Text("饮用水水源二级保护区", "a tier 2 drinking-water source protection zone"),
        Text("禁止排放污染物的项目，其他项目需环境影响评价",
             "no polluting projects; others need an environmental impact assessment")),
    "river_management_range.overlap": PlainWords(
        Text("河道管理范围（蓝线）内", "a river management range (blue line)"),
        Text("不得建设建筑物，需防洪评价", "no buildings allowed; flood impact assessment needed")),
    "flood_risk.overlap": PlainWords(
        Text("洪涝风险区", "a flood risk zone"),
        Text("需编制防洪评价", "flood impact assessment needed")),
    "soil_water_conservation.overlap": PlainWords(
        Text("水土保持重点区域", "a soil and water conservation zone"),
        Text("需编制水土保持方案", "soil and water conservation plan needed")),
    "land_acquisition.unfinished": PlainWords(
        Text("征地尚未完成的土地上", "land whose acquisition is not finished"),
        Text("征地完成后方可供地", "the land can be supplied once acquisition is done"), "on"),
    "land_acquisition.demolition_unfinished": PlainWords(
        Text("房屋拆迁尚未完成的土地上", "land whose demolition is not finished"),
        Text("拆迁完成后方可交地", "the land is handed over once demolition is done"), "on"),
}
PLAIN_WORDS["water_source_protection.tier_2_polluting"] = PLAIN_WORDS["water_source_protection.tier_2"]

PROJECT_SITE_WORDS = Text("与已规划项目的选址重叠：请向发改委咨询", "overlaps a planned project site: ask the NDRC")
"""Other projects are internal: the investor learns that a site overlaps, never which project."""

CSV_GEOMETRY_COLUMNS = ("WKT", "centroid_lon", "centroid_lat")
"""The parcel's geometry as WKT and its centroid (WGS84, EPSG:4326), named alike in both languages, so one
recipe opens the file as a layer: GDAL reads a ``WKT`` column as geometry by itself, QGIS's delimited-text
layer takes ``WKT`` as the geometry field or the centroid columns as X and Y."""

_SEVERITY_ORDER = [Severity.BLOCKING.value, Severity.NEEDS_REVIEW.value]


class ParcelNotOpenError(Exception):
    """The parcel is no longer on offer (transferred); interest cannot be registered."""


class InterestInputError(ValueError):
    """A field of a registration of interest is wrong; ``field`` names it."""

    def __init__(self, field: str, message: Message) -> None:
        super().__init__(message)
        self.field, self.message = field, message


phrases(
    "parcel",
    not_found=Text("没有编号为“{code}”的招商地块。", "There is no parcel open for investment with code {code!r}."),
    transferred=Text("地块{code}已出让，不再招商",
                     "parcel {code} has been transferred (已出让) and is no longer on offer"),
    phone=Text("请填写手机号（如13800000000）或带区号的固定电话（如0592-1234567）",
               "give a mobile number such as 13800000000 or a landline with its area code such as 0592-1234567"),
    empty=Text("不能为空", "must not be empty"),
    too_long=Text("最多{longest}个字符", "at most {longest} characters"),
    control=Text("含有控制字符", "contains control characters"),
    contact=Text("请填写电话或电子邮箱，以便联系您", "give a phone number or an email address so that the city can "
                                                "contact you"),
    email=Text("请填写电子邮箱，如 name@example.com", "give an email address such as name@example.com"),
)


def parcel_detail(connection: Connection, code: str) -> dict[str, Any]:
    """A parcel as a GeoJSON Feature with its area (m², 亩, ha) and ``constraints`` in plain words."""
    record = find_parcel(connection, code)
    if record is None:
        raise NotFoundError(Message("parcel.not_found", code=code))
    return {
        "type": "Feature",
        "id": record.properties["parcel_code"],
        "bbox": record.bbox,
        "geometry": record.geometry,
        "properties": record.properties,
        "anchor": record.anchor,
        "area": AreaFigures.from_m2(float(record.properties["area_m2"])).as_dict(),
        "constraints": parcel_constraints(connection, record.wkb, record.properties),
    }


def parcel_constraints(connection: Connection, wkb: bytes, properties: dict[str, Any]) -> dict[str, Any]:
    """The planning layers that restrict a parcel, from the screening engine, in words an investor reads.

    ``checked`` is false when the parcel cannot be screened (its planned land use is not a class of the
    classification); ``unchecked_layers`` lists the layer kinds with rules that are not loaded.
    """
    geometry = shapely.from_wkb(wkb)
    area_m2 = float(properties["area_m2"])
    # A city's own parcel is screened even where it sticks out of the district polygons (coastline).
    settings = screening_settings().model_copy(update={"outside_planning_area_max_percent": 100.0})
    try:
        request = ScreeningRequest(
            site=Site(geometry=geometry, source_crs="EPSG:4326", area_m2=area_m2),
            project_type=SCREENING_PROJECT_TYPE,
            land_use=str(properties.get("landuse_code") or ""),
            industry=NEUTRAL_INDUSTRY,
        )
    except SpatialInputError:
        return {
            "checked": False,
            "items": [],
            "unchecked_layers": [],
            "note": {"zh": "规划用地性质不明，无法核查规划约束，请咨询联系部门",
                     "en": "the planned land use is not known, so constraints could not be checked; "
                           "ask the contact department"},
        }
    report = Screener(connection, settings).screen(request)
    return {
        "checked": True,
        "items": plain_constraints(report.conflicts, area_m2),
        "unchecked_layers": [
            {"kind": slug, "zh": LAYER_KINDS[slug].name.zh, "en": LAYER_KINDS[slug].name.en}
            for slug in report.missing_layer_kinds
        ],
        "note": None,
    }


def plain_constraints(conflicts: list[Conflict], parcel_m2: float) -> list[dict[str, Any]]:
    """Turn screening conflicts into an investor's constraint list: one entry per rule, plain words.

    Left out: the land-use comparison (the parcel is screened with its own planned use, so it only echoes
    the plan), information-only findings, and anything naming another project.
    """
    merged: dict[str, dict[str, Any]] = {}
    for conflict in conflicts:
        if conflict.layer_kind == "land_use" or conflict.severity not in _SEVERITY_ORDER:
            continue
        key = "project_site" if conflict.layer_kind == "project_site" else conflict.rule_id
        entry = merged.setdefault(key, {"conflict": conflict, "m2": 0.0, "severity": conflict.severity})
        # Features of one rule rarely overlap each other (duplicate layers do): never more than the parcel.
        entry["m2"] = min(parcel_m2, entry["m2"] + conflict.overlap["m2"])
        if _SEVERITY_ORDER.index(conflict.severity) < _SEVERITY_ORDER.index(entry["severity"]):
            entry["severity"] = conflict.severity
    items = [_plain(key, entry, parcel_m2) for key, entry in merged.items()]
    items.sort(key=lambda item: (_SEVERITY_ORDER.index(item["severity"]), -item["overlap"]["percent"]))
    return items


def _plain(key: str, entry: dict[str, Any], parcel_m2: float) -> dict[str, Any]:
    conflict: Conflict = entry["conflict"]
    percent = 100 * entry["m2"] / parcel_m2
    partly = percent < INSIDE_PERCENT
    if key == "project_site":
        words = {"zh": ("部分" if partly else "") + PROJECT_SITE_WORDS.zh,
                 "en": ("partly " if partly else "") + PROJECT_SITE_WORDS.en}
        layer = {"zh": "其他项目选址", "en": "other project sites"}
        department = Department.NDRC
    else:
        kind = LAYER_KINDS[conflict.layer_kind]
        fallback = conflict.follow_up or conflict.message  # a rule added later still reads sensibly
        plain = PLAIN_WORDS.get(key) or PlainWords(kind.name, Text(fallback["zh"], fallback["en"]))
        outside = conflict.relation == Relation.OUTSIDE.value
        zh_place = plain.place.zh + ("外" if outside else "")
        en_place = f"{'outside' if outside else plain.preposition} {plain.place.en}"
        words = {"zh": f"{'部分' if partly else ''}位于{zh_place}：{plain.consequence.zh}",
                 "en": f"{'partly ' if partly else ''}{en_place}: {plain.consequence.en}"}
        layer = {"zh": kind.name.zh, "en": kind.name.en}
        department = Department(conflict.department)
    figures = AreaFigures.from_m2(entry["m2"]).as_dict()
    return {
        "layer_kind": "project_site" if key == "project_site" else conflict.layer_kind,
        "layer": layer,
        "severity": entry["severity"],
        "extent": "partly" if partly else "inside",
        "overlap": {"m2": figures["m2"], "mu": figures["mu"], "percent": round(percent, 2)},
        "text": words,
        "department": {"zh": department.name_zh, "en": department.name_en},
    }


def parcel_map_context(connection: Connection) -> dict[str, Any]:
    """What the investment page needs besides the parcels themselves: the filter choices, the parcels'
    extent, and the current planning layers drawn under them (the districts and every planning layer, not
    the parcel layer, which the page draws itself)."""
    return {
        **parcel_facets(connection),
        "planning_layers": [layer for layer in list_layers(connection.engine)
                            if layer["kind"] != INVESTMENT_PARCEL.slug],
    }


def parcels_csv(connection: Connection, query: ParcelQuery, language: str = "zh") -> bytes:
    """Matching parcels as CSV for Excel and GIS: UTF-8 with BOM, headers and status words in ``language``,
    and the geometry in the last columns (:data:`CSV_GEOMETRY_COLUMNS`).

    Excel reads a BOM-less CSV in the system's ANSI code page and garbles Chinese; the BOM makes it read
    UTF-8. Cells that Excel would run as a formula (``=``, ``+``, ``-``, ``@``) are quoted with ``'``.
    """
    records = parcel_records(connection, query)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([source.label.in_language(language) for source in PARCEL_FIELDS] + list(CSV_GEOMETRY_COLUMNS))
    for record, wkt, lon, lat in records:
        writer.writerow([_cell(source.name, record.get(source.name), language) for source in PARCEL_FIELDS]
                        + [wkt, lon, lat])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(name: str, value: Any, language: str) -> Any:
    if value is None:
        return ""
    if name in STATUS_VALUES and value in STATUS_VALUES[name]:
        return STATUS_VALUES[name][value].in_language(language)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(?:-\d{1,6})?")
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_phone(value: str) -> str:
    """A Chinese mobile (1[3-9] and 9 digits, optional +86) or landline (area code, number, extension).

    Spaces, brackets and the dashes of a mobile number are dropped: ``138 0000 0000`` → ``13800000000``,
    ``(0592) 1234567`` → ``05921234567``, ``0592-1234567`` stays.
    """
    compact = re.sub(r"[\s()（）]", "", value)
    mobile = compact.replace("-", "")
    if _MOBILE.fullmatch(mobile):
        return mobile.removeprefix("+").removeprefix("86") if len(mobile) > 11 else mobile
    if _LANDLINE.fullmatch(compact):
        return compact
    raise InterestInputError("phone", Message("parcel.phone"))


@dataclass(frozen=True)
class InterestInput:
    """A registration of interest (意向登记), validated on construction; a phone or an email is needed."""

    organisation: str
    contact_name: str
    intended_use: str
    phone: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        for name, longest in (("organisation", 200), ("contact_name", 100), ("intended_use", 2000)):
            value = getattr(self, name).strip()
            if not value:
                raise InterestInputError(name, Message("parcel.empty"))
            if len(value) > longest:
                raise InterestInputError(name, Message("parcel.too_long", longest=longest))
            if _CONTROL.search(value):
                raise InterestInputError(name, Message("parcel.control"))
            object.__setattr__(self, name, value)
        phone = (self.phone or "").strip() or None
        email = (self.email or "").strip() or None
        if phone is None and email is None:
            raise InterestInputError("phone", Message("parcel.contact"))
        if phone is not None:
            phone = normalise_phone(phone)
        if email is not None and (len(email) > 200 or not _EMAIL.fullmatch(email)):
            raise InterestInputError("email", Message("parcel.email"))
        object.__setattr__(self, "phone", phone)
        object.__setattr__(self, "email", email)


def register_interest(connection: Connection, code: str, data: InterestInput) -> dict[str, Any]:
    """Record an investor's interest in an open or reserved parcel; a transferred one is refused."""
    record = find_parcel(connection, code)
    if record is None:
        raise NotFoundError(Message("parcel.not_found", code=code))
    if record.properties.get("availability") == "transferred":
        raise ParcelNotOpenError(Message("parcel.transferred", code=code))
    row = connection.execute(
        text(
            "INSERT INTO parcel_interests (parcel_code, organisation, contact_name, phone, email, intended_use, "
            f"created_at) VALUES (:code, :organisation, :contact_name, :phone, :email, :intended_use, {NOW_SQL}) "
            "RETURNING id, created_at"
        ),
        {"code": record.properties["parcel_code"], "organisation": data.organisation,
         "contact_name": data.contact_name, "phone": data.phone, "email": data.email,
         "intended_use": data.intended_use, **now_parameter()},
    ).one()
    # The contact details stay in parcel_interests (personal data); the trail records that it happened.
    audit.append(connection, actor="public", action="parcel_interest", after={
        "interest_id": row.id, "parcel_code": record.properties["parcel_code"], "organisation": data.organisation})
    return {
        "id": row.id,
        "parcel_code": record.properties["parcel_code"],
        "created_at": row.created_at.isoformat(),
        "contact_department": record.properties.get("contact_department"),
        "message": {"zh": "意向已登记，联系部门将与您联系", "en": "interest registered; the contact department "
                                                              "will get in touch"},
    }


def list_interests(
    connection: Connection, actor: Account | None, *, parcel_code: str | None = None, limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """Registrations of interest, newest first: for admins and the NDRC only (contacts are personal data)."""
    require_role(actor, Role.NDRC, action=Text("查看投资意向登记", "reading investors' registrations of interest"))
    parameters = {"code": parcel_code, "limit": limit, "offset": offset}
    where = "WHERE (CAST(:code AS text) IS NULL OR parcel_code = :code)"
    total = connection.execute(text(f"SELECT count(*) FROM parcel_interests {where}"), parameters).scalar_one()
    rows = connection.execute(
        text(
            "SELECT id, parcel_code, organisation, contact_name, phone, email, intended_use, created_at "
            f"FROM parcel_interests {where} ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"
        ),
        parameters,
    ).all()
    return {
        "total": total,
        "interests": [{**row._asdict(), "created_at": row.created_at.isoformat()} for row in rows],
    }
