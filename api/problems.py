"""RFC 9457 problem details for every error the API returns.

Each domain error maps to a status and a ``type`` URI under ``/problems/``; the body says what was wrong
and, for geometry, where. Anything unexpected is logged and returned as a bare 500 problem without
internals.

Title and detail are in the caller's language (``api/language.py``), named by ``Content-Language``: a
problem type's title comes from PROBLEM_TYPES, its detail from the :class:`~gis.messages.Message` the error
carries, rendered here and nowhere earlier.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg.errors import QueryCanceled
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.language import request_language
from api.settings import ServerSettings
from api.validation import field_name, validation_message
from gis.db import StatementTimeoutError, is_statement_timeout
from gis.errors import SpatialInputError
from gis.messages import Clauses, Message, Text, message_of, phrases, render_all
from layers.catalogue import UnknownLayerKindError
from layers.importer import ImportBusyError
from layers.store import LayerNotFoundError
from projects.access import AccessDeniedError, LoginRequiredError, NotFoundError
from projects.accounts import AccountError
from projects.credit import CreditEntryError
from projects.credit_code import CreditCodeError
from projects.project_code import ProjectCodeError
from projects.proposals import ApprovalRefusedError, ProposalInputError
from projects.screening import ScreeningBusyError
from projects.supervision.errors import SupervisionError, SupervisionInputError
from projects.workflow import IllegalTransitionError

PROBLEM_MEDIA_TYPE = "application/problem+json"
DATABASE_RETRY_AFTER_S = 10
"""What a client is told to wait when the database cannot be reached (a restart takes a few seconds)."""
logger = logging.getLogger(__name__)


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, for a person (``detail``) and a program (``type``, extra fields)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["/problems/invalid-request"])
    title: str
    status: int
    detail: str
    instance: str


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` declaring that these statuses answer with a problem."""
    schema = {"schema": Problem.model_json_schema()}
    return {status: {"description": HTTPStatus(status).phrase, "content": {PROBLEM_MEDIA_TYPE: schema}}
            for status in statuses}


COMMON_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 413, 422, 500, 503)
"""What any API route may answer besides its success: bad input, login or permission, a missing thing, a
conflict with the current state, a body too large, the database unavailable (500 is a bug, but declared)."""


PROBLEM_TYPES: dict[str, Text] = {
    # the request itself
    "invalid-request": Text("请求有误", "Invalid request"),
    "invalid-field": Text("填写有误", "Invalid field"),
    "invalid-value": Text("取值无效", "Invalid value"),
    "invalid-parameter": Text("参数无效", "Invalid parameter"),
    "invalid-filter": Text("筛选条件无效", "Invalid filter"),
    "invalid-bbox": Text("范围参数无效", "Invalid bbox"),
    "invalid-tile": Text("瓦片地址无效", "Invalid tile address"),
    "invalid-search": Text("搜索无效", "Invalid search"),
    "ambiguous-coordinates": Text("坐标有歧义", "Ambiguous coordinates"),
    "unsupported-file": Text("不支持的文件类型", "Unsupported file"),
    "body-too-large": Text("请求数据过大", "Request body too large"),
    "too-many-vertices": Text("节点过多", "Too many vertices"),
    "method-not-allowed": Text("不支持该请求方法", "Method not allowed"),
    "http-error": Text("请求无法处理", "Request not handled"),
    # who asks
    "unauthorised": Text("需要登录", "Login required"),
    "forbidden": Text("无权操作", "Forbidden"),
    "cross-site-request": Text("跨站请求已拒绝", "Cross-site request refused"),
    "too-many-logins": Text("登录失败次数过多", "Too many failed logins"),
    "not-found": Text("未找到", "Not found"),
    "collection-renamed": Text("数据集已改名", "Collection renamed"),
    # geometry, files and coordinates (gis/, layers/)
    "malformed-geojson": Text("GeoJSON格式有误", "Malformed GeoJSON"),
    "empty-geometry": Text("几何为空", "Empty geometry"),
    "not-polygonal": Text("不是面", "Not a polygon"),
    "self-intersection": Text("边界自相交", "Self-intersection"),
    "invalid-geometry": Text("几何无效", "Invalid geometry"),
    "non-finite-coordinate": Text("坐标不是有限数值", "Coordinate not a finite number"),
    "lat-lon-swapped": Text("坐标顺序颠倒", "Coordinates swapped"),
    "outside-crs-area": Text("超出坐标系适用范围", "Outside the CRS's area of use"),
    "transform-failed": Text("坐标转换失败", "Coordinate transformation failed"),
    "unknown-crs": Text("无法识别的坐标系", "Unknown coordinate reference system"),
    "outside-planning-area": Text("超出规划范围", "Outside the planning area"),
    "invalid-marking": Text("标注无效", "Invalid marking"),
    "malformed-file": Text("文件无法读取", "Malformed file"),
    "empty-file": Text("文件中没有要素", "Empty file"),
    "not-a-site": Text("文件不含选址", "No site in the file"),
    "invalid-features": Text("要素几何无效", "Invalid features"),
    "invalid-attributes": Text("要素属性无效", "Invalid attributes"),
    "kind-mismatch": Text("图层类型不符", "Layer kind mismatch"),
    "import-busy": Text("另一图层正在导入", "Another import is running"),
    # proposals, codes, parcels (projects/)
    "invalid-project-type": Text("项目类型无效", "Unknown project type"),
    "invalid-land-use": Text("用地分类无效", "Unknown land-use class"),
    "illegal-transition": Text("当前状态下不允许此操作", "Not allowed in this state"),
    "approval-refused": Text("暂不能批准赋码", "Approval refused"),
    "invalid-project-code": Text("项目代码无效", "Invalid project code"),
    "parcel-not-open": Text("地块未开放招商", "Parcel not open"),
    "export-too-large": Text("导出数量过多", "Export too large"),
    "no-code-no-approval": Text("无码不批", "No project code, no approval"),
    "supervision-conflict": Text("与已有记录冲突", "Conflicts with the record"),
    "document-already-issued": Text("批文已出具，请引用", "Document already issued: reference it"),
    "feed-validation-failed": Text("上报数据校验未通过", "Feed validation failed"),
    "blacklisted-entity": Text("投资主体列入失信名单", "Investing entity blacklisted"),
    "provider-not-eligible": Text("该中介服务机构不可选取", "Provider not eligible"),
    # the server
    "busy": Text("系统繁忙", "Busy"),
    "server-busy": Text("服务器繁忙", "Server busy"),
    "screening-busy": Text("大选址检测繁忙", "Too many large sites at once"),
    "statement-timeout": Text("处理超时", "Took too long"),
    "tile-timeout": Text("瓦片生成超时", "Tile took too long"),
    "database-unavailable": Text("服务暂不可用", "Service unavailable"),
    "not-ready": Text("服务尚未就绪", "Not ready"),
    "report-font-missing": Text("报告字体缺失", "Report font missing"),
    "internal-error": Text("服务器内部错误", "Internal error"),
}
"""Every problem type the API answers with, by its slug (``type`` is ``/problems/<slug>``), and its title.
A slug missing here cannot be raised: :class:`ProblemError` and :func:`problem_response` refuse it."""

phrases(
    "problem",
    database_unavailable=Text("暂时无法连接数据库，请稍后重试。",
                              "The database cannot be reached at the moment; try again shortly."),
    try_later=Text("{reason}；服务器可能正忙，请稍后重试。", "{reason}; the server may be busy, try again later."),
    request_work=Text("本次请求的数据库处理超过服务器允许的时间，已停止",
                      "The request's database work took longer than the server allows and was stopped"),
    server_busy=Text("等待期间所有数据库连接都在忙，请稍后重试。",
                     "Every database connection stayed busy while the request waited; try again later."),
    internal_error=Text("服务器发生意外错误，已记录，请稍后重试。",
                        "The server failed unexpectedly; the error has been logged."),
    approval_refused=Text("项目暂不能批准赋码：{reasons}", "The proposal cannot be approved yet: {reasons}"),
    project_code=Text("项目代码的“{part}”部分有误：{message}", "{part} part is wrong: {message}"),
    login_first=Text("请先登录。", "Log in first."),
    forbidden=Text("当前账号无权进行此操作。", "This account may not do that."),
    not_found_path=Text("没有该地址：{path}", "There is nothing at {path}."),
    method_not_allowed=Text("{path} 不接受 {method} 请求。", "{path} does not accept {method}."),
    http_error=Text("请求无法处理（HTTP {status}）。", "The request could not be handled (HTTP {status})."),
    invalid_request=Text("请求有误：{errors}", "Invalid request: {errors}"),
)


class ProblemError(Exception):
    """An error the API reports as a problem; raised by routers and services' adapters. ``detail`` is a
    :class:`Message`, rendered in the caller's language with the title of ``slug`` in PROBLEM_TYPES."""

    def __init__(self, status: int, slug: str, detail: Message, **extra: Any) -> None:
        if slug not in PROBLEM_TYPES:
            raise KeyError(f"problem type {slug!r} has no title in PROBLEM_TYPES")
        super().__init__(detail)
        self.status, self.slug, self.detail, self.extra = status, slug, detail, extra


def problem_response(
    request: Request, status: int, slug: str, detail: Message, **extra: Any
) -> JSONResponse:
    """The problem in the request's language (``Content-Language``): title, detail and any message inside
    the extra members (reasons, issues)."""
    language = request_language(request)
    body = {
        "type": f"/problems/{slug}",
        "title": PROBLEM_TYPES[slug].in_language(language),
        "status": status,
        "detail": detail.render(language),
        "instance": request.url.path,
        **render_all(extra, language),
    }
    response = JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return response


def _spatial(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SpatialInputError)
    extra = dict(error.extra)
    if error.location is not None:
        extra["location"] = list(error.location)
    return problem_response(request, 422, error.slug, error.detail, **extra)


def _problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProblemError)
    extra = dict(error.extra)
    headers = extra.pop("headers", {})
    response = problem_response(request, error.status, error.slug, error.detail, **extra)
    response.headers.update(headers)
    return response


def _import_busy(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ImportBusyError)
    response = problem_response(request, 409, "import-busy", message_of(error))
    response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


def _forbidden(request: Request, error: Exception) -> JSONResponse:
    return problem_response(request, 403, "forbidden", message_of(error))


def _login_required(request: Request, error: Exception) -> JSONResponse:
    response = problem_response(request, 401, "unauthorised", message_of(error))
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _illegal_transition(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, IllegalTransitionError)
    return problem_response(request, 409, "illegal-transition", message_of(error),
                            state=error.state.value, legal_actions=error.legal)


def _approval_refused(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApprovalRefusedError)
    reasons = [Text(reason["text"]["zh"], reason["text"]["en"]) for reason in error.reasons]
    return problem_response(request, 409, "approval-refused", Message("problem.approval_refused", reasons=reasons),
                            reasons=error.reasons)


def field_problem(field: str, message: Message) -> Message:
    """A lower layer's refusal of one field (it names the field by key), with the field's name in the caller's
    language."""
    return Message("validation.field", field=field_name((field,)), message=message)


def _proposal_input(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProposalInputError)
    return problem_response(request, 422, "invalid-field", field_problem(error.field, error.message),
                            field=error.field)


def _project_code(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProjectCodeError)
    return problem_response(request, 422, "invalid-project-code",
                            Message("problem.project_code", part=error.part_name, message=message_of(error)),
                            part=error.part)


def _supervision(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SupervisionError)
    if isinstance(error, SupervisionInputError):
        return problem_response(request, error.status, error.slug, field_problem(error.field, error.message),
                                **error.extra)
    return problem_response(request, error.status, error.slug, error.message, **error.extra)


def _validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    language = request_language(request)
    errors = [
        {"location": ".".join(str(part) for part in item["loc"]), "type": item["type"],
         "message": validation_message(item).render(language)}
        for item in error.errors()
    ]
    detail = Message("problem.invalid_request", errors=Clauses(Text(item["message"], item["message"])
                                                               for item in errors))
    return problem_response(request, 422, "invalid-request", detail, errors=errors)


def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    slug, detail = {
        401: ("unauthorised", Message("problem.login_first")),
        403: ("forbidden", Message("problem.forbidden")),
        404: ("not-found", Message("problem.not_found_path", path=request.url.path)),
        405: ("method-not-allowed", Message("problem.method_not_allowed", path=request.url.path,
                                            method=request.method)),
    }.get(error.status_code, ("http-error", Message("problem.http_error", status=error.status_code)))
    response = problem_response(request, error.status_code, slug, detail)
    for key, value in (error.headers or {}).items():
        response.headers[key] = value
    return response


def _not_found(request: Request, error: Exception) -> JSONResponse:
    return problem_response(request, 404, "not-found", message_of(error))


def _bad_value(request: Request, error: Exception) -> JSONResponse:
    return problem_response(request, 422, "invalid-value", message_of(error))


def _database(request: Request, error: Exception) -> JSONResponse:
    """The database cannot be reached (down, restarting, refusing connections): 503, come back shortly."""
    assert isinstance(error, DBAPIError)
    if not isinstance(error.orig, psycopg.OperationalError) or isinstance(error.orig, QueryCanceled):
        return _unexpected(request, error)
    logger.warning("database unavailable on %s: %s", request.url.path, error.orig)
    response = problem_response(request, 503, "database-unavailable", Message("problem.database_unavailable"))
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    return response


def _busy(request: Request, slug: str, detail: Message) -> JSONResponse:
    """503 with ``Retry-After``: the request was sound, the server had no room for it just now."""
    response = problem_response(request, 503, slug, detail)
    response.headers["Retry-After"] = str(ServerSettings().busy_retry_after_s)
    return response


def _statement_timeout(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StatementTimeoutError)
    return _busy(request, "statement-timeout", Message("problem.try_later", reason=message_of(error)))


def _screening_busy(request: Request, error: Exception) -> JSONResponse:
    return _busy(request, "screening-busy", message_of(error))


def _pool_timeout(request: Request, error: Exception) -> JSONResponse:
    logger.warning("no database connection free on %s: %s", request.url.path, error)
    return _busy(request, "server-busy", Message("problem.server_busy"))


def _operational(request: Request, error: Exception) -> JSONResponse:
    """A statement cancelled by the platform's general statement timeout is busy, not broken."""
    if is_statement_timeout(error):
        logger.warning("statement timeout on %s", request.url.path)
        return _busy(request, "statement-timeout",
                     Message("problem.try_later", reason=Message("problem.request_work")))
    return _database(request, error)


def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s", request.url.path, exc_info=error)
    return problem_response(request, 500, "internal-error", Message("problem.internal_error"))


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SpatialInputError, _spatial)
    app.add_exception_handler(ProblemError, _problem)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(LayerNotFoundError, _not_found)
    app.add_exception_handler(ImportBusyError, _import_busy)
    app.add_exception_handler(UnknownLayerKindError, _bad_value)
    app.add_exception_handler(AccessDeniedError, _forbidden)
    app.add_exception_handler(LoginRequiredError, _login_required)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(IllegalTransitionError, _illegal_transition)
    app.add_exception_handler(ApprovalRefusedError, _approval_refused)
    app.add_exception_handler(ProposalInputError, _proposal_input)
    app.add_exception_handler(ProjectCodeError, _project_code)
    app.add_exception_handler(SupervisionError, _supervision)
    app.add_exception_handler(StatementTimeoutError, _statement_timeout)
    app.add_exception_handler(ScreeningBusyError, _screening_busy)
    app.add_exception_handler(PoolTimeoutError, _pool_timeout)
    app.add_exception_handler(OperationalError, _operational)
    for error_class in (AccountError, CreditEntryError, CreditCodeError):
        app.add_exception_handler(error_class, _bad_value)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(Exception, _unexpected)
