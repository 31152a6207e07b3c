"""Every problem the API can answer exists in Chinese and English, and a Chinese caller reads Chinese.

The catalogue (gis.messages.CATALOGUE, the phrases each module registers next to its errors, and
api.problems.PROBLEM_TYPES, the title of each problem type) is checked phrase by phrase; the source is
scanned so that no problem type or message key is used that the catalogue lacks; and a sample of each
problem type is answered once in Chinese (the default) and once in English.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from api.app import create_app
from api.boundary import BodyTooLargeError
from api.language import preferred_language
from api.problems import PROBLEM_TYPES, ProblemError
from api.validation import FIELD_NAMES
from gis.db import StatementTimeoutError
from gis.errors import SpatialInputError
from gis.messages import CATALOGUE, Message, Text, message_of, placeholders
from gis.tiles import TileTimeoutError
from layers.importer import ImportBusyError
from layers.parcels import ExportTooLargeError
from projects.conditions import BlacklistedEntityError
from projects.hall.providers import ProviderNotEligibleError
from projects.login_limits import HashingBusyError, LoginThrottledError
from projects.parcels import ParcelNotOpenError
from projects.proposals import ApprovalRefusedError
from projects.screening import ScreeningBusyError
from projects.supervision.errors import DocumentAlreadyIssuedError, SupervisionConflictError
from projects.supervision.feed import FeedValidationError
from web.report_pdf import ReportFontMissingError

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [path for folder in ("api", "gis", "layers", "projects", "web") for path in (ROOT / folder).rglob("*.py")]
CJK = re.compile(r"[\u3400-\u9fff]")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}
API = "/api/v1"


def source_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in SOURCES)


# ---------------------------------------------------------------------------------------------- the catalogue


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_phrase_has_both_languages_that_differ_and_name_the_same_values(key: str) -> None:
    phrase = CATALOGUE[key]
    assert phrase.zh.strip() and phrase.en.strip(), key
    assert phrase.zh != phrase.en, key
    assert placeholders(phrase.zh) == placeholders(phrase.en), key
    # a Chinese phrase is Chinese, unless it only frames the values it is given (e.g. "{name}: {message}")
    assert CJK.search(phrase.zh) or not re.sub(r"\{[^}]*\}", "", phrase.zh).strip(" ：:；;，,（）()“”"), key


@pytest.mark.parametrize("slug", sorted(PROBLEM_TYPES))
def test_every_problem_type_has_a_title_in_both_languages(slug: str) -> None:
    title = PROBLEM_TYPES[slug]
    assert CJK.search(title.zh) and title.en.strip() and title.zh != title.en, slug


def test_a_phrase_cannot_be_made_in_one_language_only() -> None:
    with pytest.raises(TypeError):
        Text("只有中文")  # type: ignore[call-arg]
    with pytest.raises(KeyError):
        Message("nowhere.unregistered")
    with pytest.raises(KeyError):
        ProblemError(400, "no-such-problem-type", Message("problem.login_first"))


def _slugs_in_source(source: str) -> set[str]:
    slug = r'"([a-z]+(?:-[a-z0-9]+)*)"'
    patterns = [
        rf"ProblemError\(\s*\d{{3}},\s*{slug}",  # routers and the input boundary
        rf"SpatialInputError\(\s*{slug}",  # the spatial core and its users
        rf"super\(\).__init__\(\s*(?:\d{{3}},\s*)?{slug}",  # subclasses of SpatialInputError and ProblemError
        rf"\bslug = {slug}",  # supervision errors
        rf"problem_response\(request, \d{{3}}, {slug}",  # the handlers of api/problems.py
        rf"_busy\(request, {slug}",
        rf"\(\s*{slug}, Message\(\"problem\.",  # the problem of each HTTP status of Starlette's errors
        rf"\(\s*{slug} if \w+ else {slug}",  # either of two (self-intersection / invalid-geometry)
    ]
    found: set[str] = set()
    for pattern in patterns:
        for match in re.finditer(pattern, source):
            found.update(group for group in match.groups() if group)
    return found


def test_every_problem_type_raised_in_the_code_is_in_the_catalogue_and_none_is_dead() -> None:
    used = _slugs_in_source(source_text())
    assert used - set(PROBLEM_TYPES) == set(), "problem types raised without a title in both languages"
    assert set(PROBLEM_TYPES) - used == set(), "problem types in the catalogue that nothing raises"


def test_every_message_key_used_in_the_code_is_registered_and_every_phrase_is_used() -> None:
    source = source_text()
    literal = set(re.findall(r'Message\(\s*"([a-z_]+\.[a-z0-9_]+)"', source))
    # keys made in the code: Message(f"site.{what}"), key = f"validation.{pydantic's error type}"
    built = set(re.findall(r'(?:Message\(\s*|key = )f"([a-z_]+\.)[a-z_]*\{', source))
    for either in re.findall(r'Message\(\s*"([a-z_]+\.[a-z0-9_]+)" if [^,]*? else "([a-z_]+\.[a-z0-9_]+)"', source):
        literal |= set(either)
    assert literal - set(CATALOGUE) == set()
    unused = {key for key in CATALOGUE if key not in literal and not any(key.startswith(prefix) for prefix in built)}
    assert unused == set(), "registered phrases nothing uses"


GLUED = [
    r'ProblemError\(\s*\d{3},\s*"[^"]+",\s*f?"',
    r'SpatialInputError\(\s*"[^"]+",\s*f?"',
    r'(?:ProposalInputError|InterestInputError|ParcelQueryError|SupervisionInputError|ProjectCodeError|'
    r'CreditCodeError)\(\s*"[^"]+",\s*f?"',
    r'(?:AccessDeniedError|LoginRequiredError|NotFoundError|AccountError|CreditEntryError|ParcelNotOpenError|'
    r'SupervisionConflictError|DocumentAlreadyIssuedError|NoValidCodeError|FeedValidationError|'
    r'TileLayerNotFoundError|InvalidTileError|TileTimeoutError|BBoxError|HashingBusyError|'
    r'ReportFontMissingError|FilterError|CompositeRequestError|SearchQueryError|ImpactError|UnservedCrsError|'
    r'RuleSetNotFoundError|ScreeningBusyError)\(\s*f?"',
]
"""An error a person reads, made with a sentence written into the code instead of a Message."""


def test_no_error_a_person_reads_is_made_with_an_english_sentence() -> None:
    source = source_text()
    glued = [match.group(0) for pattern in GLUED for match in re.finditer(pattern, source)]
    assert glued == []


def test_every_request_field_of_the_api_has_a_name_in_both_languages(client) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    names: set[str] = set()

    def walk(schema: dict[str, Any], seen: set[str]) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(schemas[name], seen | {name})
            return
        for key, value in schema.get("properties", {}).items():
            names.add(key)
            walk(value, seen)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                walk(schema[key], seen)
        for key in ("anyOf", "allOf", "oneOf"):
            for member in schema.get(key, []):
                walk(member, seen)

    for operations in document["paths"].values():
        for operation in operations.values():
            names.update(parameter["name"] for parameter in operation.get("parameters", []))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walk(content["schema"], set())
    assert names - set(FIELD_NAMES) == set()


@pytest.mark.parametrize(("requested", "header", "chosen"), [
    (None, None, "zh"),
    ("en", "zh-CN", "en"),
    ("fr", "en-GB,en;q=0.9", "en"),
    (None, "en-US;q=0.7,en;q=0.8,zh-CN;q=0.9", "zh"),  # the q-value wins over the order
    (None, "zh;q=0.2, en;q=0.5", "en"),
    (None, "en;q=0, zh;q=0.1", "zh"),  # q=0 refuses a language
    (None, "fr, de", "zh"),
    (None, "en;q=0.5, *", "zh"),  # anything else, preferred: the default
    (None, "en;q=abc", "zh"),
])
def test_the_language_is_chosen_by_lang_then_accept_language_q_values_then_chinese(
        requested: str | None, header: str | None, chosen: str) -> None:
    assert preferred_language(requested, header) == chosen


# ---------------------------------------------------------------------------------------------- sample requests


def _bowtie() -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[[118.1, 24.5], [118.11, 24.51], [118.11, 24.5], [118.1, 24.51],
                                                 [118.1, 24.5]]]}


def _square(lon: float = 118.12, lat: float = 24.48, size: float = 0.002) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def _screening(site: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"json": {"site": site, "project_type": "03", "land_use": "1001", "industry": "C39", **fields}}


def _file(name: str, content: str | bytes) -> dict[str, Any]:
    data = content.encode() if isinstance(content, str) else content
    return {"files": {"file": (name, io.BytesIO(data))}}


def _geojson_file(*geometries: dict[str, Any]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": geometry} for geometry in geometries]})


def _under_review(client, login) -> int:
    """A proposal under review on the island, where the city bureaus (the demo ``dept-…`` city accounts) answer."""
    return next(p["id"] for p in client.get(f"{API}/proposals", headers=login("ndrc")).json()
                if p["state"] == "under_review" and p["district_code"] in ("350203", "350206"))


Sample = Callable[[Any, Any], tuple[str, str, dict[str, Any]]]
"""(client, login) -> (method, url, keyword arguments of the request)."""

HTTP_SAMPLES: dict[str, Sample] = {
    "invalid-request": lambda c, login: ("GET", f"{API}/layers/abc/features", {}),
    "invalid-field": lambda c, login: ("PUT", f"{API}/supervision/item-types/no_such_item/limit",
                                       {"json": {"working_days": 5}, "headers": login("admin")}),
    "invalid-value": lambda c, login: ("POST", f"{API}/accounts/nobody-at-all/revoke-tokens",
                                       {"headers": login("admin")}),
    "invalid-parameter": lambda c, login: ("GET", "/ogc/collections/1/items?colour=red", {}),
    "invalid-filter": lambda c, login: ("GET", f"{API}/parcels?colour=red", {}),
    "invalid-bbox": lambda c, login: ("GET", f"{API}/layers/1/features?bbox=1,2", {}),
    "invalid-tile": lambda c, login: ("GET", "/tiles/land_use/2/9/9.pbf", {}),
    "invalid-search": lambda c, login: ("GET", f"{API}/search?q=%20%20", {}),
    "ambiguous-coordinates": lambda c, login: ("GET", f"{API}/search?q=24.48,24.49", {}),
    "unsupported-file": lambda c, login: ("POST", f"{API}/sites/from-file", _file("site.txt", "x")),
    "method-not-allowed": lambda c, login: ("DELETE", f"{API}/layers", {}),
    "unauthorised": lambda c, login: ("GET", f"{API}/proposals", {}),
    "forbidden": lambda c, login: ("GET", f"{API}/review-queue", {"headers": login("ndrc")}),
    "cross-site-request": lambda c, login: ("POST", f"{API}/auth/logout", {
        "headers": {"Sec-Fetch-Site": "cross-site", "Cookie": "blueprint_session=stolen"}}),
    "not-found": lambda c, login: ("GET", f"{API}/proposals/987654", {"headers": login("ndrc")}),
    "malformed-geojson": lambda c, login: ("POST", f"{API}/screenings",
                                           _screening({"type": "Polygon", "coordinates": 5})),
    "empty-geometry": lambda c, login: ("POST", f"{API}/screenings",
                                        _screening({"type": "Polygon", "coordinates": []})),
    "not-polygonal": lambda c, login: ("POST", f"{API}/screenings",
                                       _screening({"type": "Point", "coordinates": [118.1, 24.5]})),
    "self-intersection": lambda c, login: ("POST", f"{API}/screenings", _screening(_bowtie())),
    "invalid-geometry": lambda c, login: ("POST", f"{API}/screenings", _screening(
        {"type": "Polygon", "coordinates": [_square(), _square(118.2, 24.6, 0.0005)]})),
    "lat-lon-swapped": lambda c, login: ("POST", f"{API}/screenings", _screening(
        {"type": "Polygon", "coordinates": [[[lat, lon] for lon, lat in _square()]]})),
    "outside-crs-area": lambda c, login: ("POST", f"{API}/screenings", _screening(
        {"type": "Polygon", "coordinates": [_square(2.35, 48.85)]}, crs="GCJ02")),
    "unknown-crs": lambda c, login: ("POST", f"{API}/screenings", _screening(
        {"type": "Polygon", "coordinates": [_square()]}, crs="EPSG:99999")),
    "outside-planning-area": lambda c, login: ("POST", f"{API}/screenings", _screening(
        {"type": "Polygon", "coordinates": [_square(119.6, 24.0)]})),
    "invalid-project-type": lambda c, login: ("POST", f"{API}/screenings", _screening(
        {"type": "Polygon", "coordinates": [_square()]}, project_type="09")),
    "invalid-land-use": lambda c, login: ("POST", f"{API}/screenings", _screening(
        {"type": "Polygon", "coordinates": [_square()]}, land_use="99")),
    "invalid-marking": lambda c, login: ("POST", f"{API}/proposals/{_under_review(c, login)}/markings", {
        "json": {"geometry": {"type": "GeometryCollection", "geometries": []}, "note": "x"},
        "headers": login("dept-natural_resources")}),
    "malformed-file": lambda c, login: ("POST", f"{API}/sites/from-file", _file("site.geojson", "no json")),
    "empty-file": lambda c, login: ("POST", f"{API}/sites/from-file", _file("site.geojson", _geojson_file())),
    "not-a-site": lambda c, login: ("POST", f"{API}/sites/from-file", _file(
        "site.geojson", _geojson_file({"type": "Point", "coordinates": [118.1, 24.5]}))),
    "invalid-features": lambda c, login: ("POST", f"{API}/layers", {
        **_file("bad.geojson", _geojson_file(_bowtie())), "data": {"kind": "flood_risk"},
        "headers": login("admin")}),
    "invalid-attributes": lambda c, login: ("POST", f"{API}/layers", {
        **_file("water.geojson", _geojson_file({"type": "Polygon", "coordinates": [_square()]})),
        "data": {"kind": "water_source_protection"}, "headers": login("admin")}),
    "kind-mismatch": lambda c, login: ("POST", f"{API}/layers", {
        **_file("flood.geojson", _geojson_file({"type": "Polygon", "coordinates": [_square()]})),
        "data": {"kind": "flood_risk", "name": next(layer["name"] for layer in c.get(f"{API}/layers").json()
                                                    if layer["kind"] != "flood_risk")},
        "headers": login("admin")}),
    "illegal-transition": lambda c, login: ("POST", f"{API}/proposals/{_under_review(c, login)}/actions", {
        "json": {"action": "start_review"}, "headers": login("ndrc")}),
    "invalid-project-code": lambda c, login: ("GET", f"{API}/projects/2111-522323-04-01-342069", {}),
    "no-code-no-approval": lambda c, login: ("GET", f"{API}/supervision/projects/not-a-code/approvals",
                                             {"headers": login("ndrc")}),
}


def _request() -> Request:
    return Request({"type": "http", "method": "GET", "path": "/api/v1/sample", "headers": [],
                    "query_string": b""})


def _database_down() -> OperationalError:
    import psycopg

    return OperationalError("SELECT 1", {}, psycopg.OperationalError("connection refused"))


HANDLED_SAMPLES: dict[str, Callable[[], Exception]] = {
    # conditions of the server, or requests a shared test database should not see (a lock, a flood, a
    # large body): the app's own handler answers the error a lower layer raises
    "body-too-large": lambda: BodyTooLargeError(2**20, "BLUEPRINT_MAX_JSON_BYTES"),
    "too-many-vertices": lambda: SpatialInputError("too-many-vertices", Message(
        "site.too_many_vertices", what=Message("site.site"), vertices=200_000, limit=100_000)),
    "http-error": lambda: StarletteHTTPException(418),
    "too-many-logins": lambda: ProblemError(429, "too-many-logins", message_of(LoginThrottledError(60))),
    "non-finite-coordinate": lambda: SpatialInputError("non-finite-coordinate", Message(
        "crs.non_finite", subject=Message("crs.the_geometry"), shown="")),
    "transform-failed": lambda: SpatialInputError("transform-failed", Message(
        "crs.transform_failed", index=0, crs="EPSG:4548")),
    "import-busy": lambda: ImportBusyError(),
    "approval-refused": lambda: ApprovalRefusedError([{"kind": "blocking_conflict", "message": "a blocking conflict",
                                                       "text": {"zh": "存在禁止类冲突", "en": "a blocking conflict"}}]),
    "parcel-not-open": lambda: ProblemError(409, "parcel-not-open", message_of(ParcelNotOpenError(
        Message("parcel.transferred", code="XM-1")))),
    "export-too-large": lambda: ProblemError(422, "export-too-large", message_of(ExportTooLargeError(90_000))),
    "supervision-conflict": lambda: SupervisionConflictError(Message("supervision.undecided", id=4)),
    "document-already-issued": lambda: DocumentAlreadyIssuedError(Message(
        "supervision.known_number", number="厦资源规划许〔2026〕18号", item=2, code="2111-522323-04-01-342068")),
    "blacklisted-entity": lambda: ProblemError(409, "blacklisted-entity", message_of(BlacklistedEntityError(Message(
        "conditions.blacklisted", entity="厦门某投资有限公司", code="91350203MA2XXXXX0X", since="2026-01-01",
        reason="拒不履行法院判决", source="信用中国（厦门）")))),
    "feed-validation-failed": lambda: FeedValidationError(Message(
        "feed.failed", code="2111-522323-04-01-342068", count=1, problems=[Text("缺少代码", "no code")])),
    "provider-not-eligible": lambda: ProviderNotEligibleError(Message(
        "hall.not_eligible", name="某勘察公司", type=Text("勘察", "survey"),
        reasons=[Message("hall.expired", type=Text("勘察", "survey"), day="2026-01-31")]),
        [Message("hall.expired", type=Text("勘察", "survey"), day="2026-01-31")]),
    "busy": lambda: ProblemError(503, "busy", message_of(HashingBusyError(Message("login.hashing_busy")))),
    "server-busy": lambda: PoolTimeoutError(),
    "screening-busy": lambda: ScreeningBusyError(Message("screening.site_vertices", vertices=120_000), 30),
    "statement-timeout": lambda: StatementTimeoutError(Text("检测", "the screening"), 20_000),
    "tile-timeout": lambda: ProblemError(503, "tile-timeout", message_of(TileTimeoutError(
        Message("tile.timeout", z=12, x=1, y=2, ms=5000)))),
    "database-unavailable": _database_down,
    "report-font-missing": lambda: ProblemError(503, "report-font-missing", message_of(ReportFontMissingError(
        Message("report.font_missing")))),
    "collection-renamed": lambda: ProblemError(308, "collection-renamed", Message(
        "ogc.renamed", id="1", slug="land_use", location="http://testserver/ogc/collections/land_use")),
    "not-ready": lambda: ProblemError(503, "not-ready", Message("health.failed", checks=["migrations"])),
    "internal-error": lambda: RuntimeError("a bug"),
}


def test_the_samples_cover_every_problem_type() -> None:
    assert set(HTTP_SAMPLES) | set(HANDLED_SAMPLES) == set(PROBLEM_TYPES)
    assert not set(HTTP_SAMPLES) & set(HANDLED_SAMPLES)


def _assert_chinese_then_english(zh: dict[str, Any], en: dict[str, Any], slug: str) -> None:
    assert zh["type"] == en["type"] == f"/problems/{slug}", (zh, en)
    assert CJK.search(zh["title"]) and CJK.search(zh["detail"]), zh
    # no English sentence in the Chinese detail: at most a code, a unit or a name between Chinese words
    assert not re.search(r"[A-Za-z]+(?: [A-Za-z]+){2,}", zh["detail"]), zh["detail"]
    assert zh["title"] != en["title"] and zh["detail"] != en["detail"], (zh, en)
    assert not CJK.search(en["title"]), en


@pytest.mark.parametrize("slug", sorted(HTTP_SAMPLES))
def test_a_sample_request_of_each_problem_type_is_answered_in_chinese_by_default_and_in_english(
        slug: str, client, login, engine) -> None:
    method, url, arguments = HTTP_SAMPLES[slug](client, login)
    headers = arguments.pop("headers", {})
    before = _written(engine)
    answers = {}
    for language, asked in (("zh", {"Accept-Language": ""}), ("en", EN)):
        response = client.request(method, url, headers={**headers, **asked}, **arguments)
        for value in arguments.get("files", {}).values():
            value[1].seek(0)
        assert response.status_code >= 400 and response.headers["content-type"] == "application/problem+json", \
            response.text
        assert response.headers["content-language"] == language
        answers[language] = response.json()
    _assert_chinese_then_english(answers["zh"], answers["en"], slug)
    assert _written(engine) == before


def _written(engine) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                     for table in ("audit_log", "layer_versions", "markings", "proposals"))


@pytest.mark.parametrize("slug", sorted(HANDLED_SAMPLES))
def test_each_problem_type_of_the_server_is_answered_in_chinese_by_default_and_in_english(slug: str) -> None:
    app = create_app()
    error = HANDLED_SAMPLES[slug]()
    handler = next(app.exception_handlers[kind] for kind in type(error).__mro__ if kind in app.exception_handlers)
    answers = {}
    for language, headers in (("zh", []), ("en", [(b"accept-language", b"en;q=0.8")])):
        request = _request()
        request.scope["headers"] = headers
        response = handler(request, error)
        assert response.headers["content-language"] == language
        answers[language] = json.loads(response.body)
    _assert_chinese_then_english(answers["zh"], answers["en"], slug)


def test_a_validation_error_names_the_field_in_the_callers_language(client) -> None:
    body = {"organisation": "", "contact_name": "王", "intended_use": "厂房", "phone": "13800000000"}
    zh = client.post(f"{API}/parcels/XM-0001/interest", json=body, headers={"Accept-Language": "zh"}).json()
    en = client.post(f"{API}/parcels/XM-0001/interest", json=body, headers=EN).json()
    assert zh["detail"] == "企业或机构名称：不能为空" and zh["field"] == "organisation"
    assert en["detail"] == "organisation: must not be empty"
    missing = client.post(f"{API}/parcels/XM-0001/interest", json={"organisation": "厦门某公司"},
                          headers={"Accept-Language": "zh"}).json()
    assert missing["title"] == "请求有误"
    assert "联系人：必须填写" in missing["detail"] and "拟投资项目及用途：必须填写" in missing["detail"]
    assert [error["location"] for error in missing["errors"]] == ["body.contact_name", "body.intended_use"]
    too_long = client.get(f"{API}/layers/1/features?limit=999999", headers={"Accept-Language": "zh"}).json()
    assert too_long["detail"] == "请求有误：条数上限：须不大于5000"
