"""RFC 9457 problem details for every error the API returns.

Each domain error maps to a status and a ``type`` URI under ``/problems/``; the body says what was wrong
and, for geometry, where. Anything unexpected is logged and returned as a bare 500 problem without
internals.
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

from api.settings import ServerSettings
from gis.db import StatementTimeoutError, is_statement_timeout
from gis.errors import SpatialInputError
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
from projects.supervision.errors import SupervisionError
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


class ProblemError(Exception):
    """An error the API reports as a problem; raised by routers and services' adapters."""

    def __init__(self, status: int, slug: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail, self.extra = status, slug, title, detail, extra


def problem_response(
    request: Request, status: int, slug: str, title: str, detail: str, **extra: Any
) -> JSONResponse:
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def _spatial(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SpatialInputError)
    extra = dict(error.extra)
    if error.location is not None:
        extra["location"] = list(error.location)
    return problem_response(request, 422, error.slug, error.title, error.detail, **extra)


def _problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProblemError)
    extra = dict(error.extra)
    headers = extra.pop("headers", {})
    response = problem_response(request, error.status, error.slug, error.title, error.detail, **extra)
    response.headers.update(headers)
    return response


def _import_busy(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ImportBusyError)
    response = problem_response(request, 409, "import-busy", "Another import is running", str(error))
    response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


def _forbidden(request: Request, error: Exception) -> JSONResponse:
    return problem_response(request, 403, "forbidden", "Forbidden", str(error))


def _login_required(request: Request, error: Exception) -> JSONResponse:
    response = problem_response(request, 401, "unauthorised", "Login required", str(error))
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _illegal_transition(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, IllegalTransitionError)
    return problem_response(request, 409, "illegal-transition", "Not allowed in this state", str(error),
                            state=error.state.value, legal_actions=error.legal)


def _approval_refused(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApprovalRefusedError)
    return problem_response(request, 409, "approval-refused", "Approval refused",
                            f"The proposal cannot be approved yet: {error}", reasons=error.reasons)


def _proposal_input(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProposalInputError)
    return problem_response(request, 422, "invalid-field", "Invalid field", str(error), field=error.field)


def _project_code(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProjectCodeError)
    return problem_response(request, 422, "invalid-project-code", "Invalid project code",
                            f"{error.part} part is wrong: {error.message}", part=error.part)


def _supervision(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SupervisionError)
    return problem_response(request, error.status, error.slug, error.title, str(error), **error.extra)


def _validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"location": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
        for item in error.errors()
    ]
    detail = "; ".join(f"{item['location']}: {item['message']}" for item in errors)
    return problem_response(request, 422, "invalid-request", "Invalid request", detail, errors=errors)


def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    slug = {401: "unauthorised", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}.get(
        error.status_code, "http-error"
    )
    response = problem_response(request, error.status_code, slug, slug.replace("-", " ").capitalize(),
                                str(error.detail))
    for key, value in (error.headers or {}).items():
        response.headers[key] = value
    return response


def _not_found(request: Request, error: Exception) -> JSONResponse:
    return problem_response(request, 404, "not-found", "Not found", str(error))


def _bad_value(request: Request, error: Exception) -> JSONResponse:
    return problem_response(request, 422, "invalid-value", "Invalid value", str(error))


def _database(request: Request, error: Exception) -> JSONResponse:
    """The database cannot be reached (down, restarting, refusing connections): 503, come back shortly."""
    assert isinstance(error, DBAPIError)
    if not isinstance(error.orig, psycopg.OperationalError) or isinstance(error.orig, QueryCanceled):
        return _unexpected(request, error)
    logger.warning("database unavailable on %s: %s", request.url.path, error.orig)
    response = problem_response(request, 503, "database-unavailable", "Service unavailable",
                                "The database cannot be reached at the moment; try again shortly.")
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    return response


def _busy(request: Request, slug: str, title: str, detail: str) -> JSONResponse:
    """503 with ``Retry-After``: the request was sound, the server had no room for it just now."""
    response = problem_response(request, 503, slug, title, detail)
    response.headers["Retry-After"] = str(ServerSettings().busy_retry_after_s)
    return response


def _statement_timeout(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StatementTimeoutError)
    return _busy(request, "statement-timeout", "Took too long",
                 f"{str(error).capitalize()}; the server may be busy, try again later.")


def _screening_busy(request: Request, error: Exception) -> JSONResponse:
    return _busy(request, "screening-busy", "Too many large sites at once", f"{str(error).capitalize()}.")


def _pool_timeout(request: Request, error: Exception) -> JSONResponse:
    logger.warning("no database connection free on %s: %s", request.url.path, error)
    return _busy(request, "server-busy", "Server busy",
                 "Every database connection stayed busy while the request waited; try again later.")


def _operational(request: Request, error: Exception) -> JSONResponse:
    """A statement cancelled by the platform's general statement timeout is busy, not broken."""
    if is_statement_timeout(error):
        logger.warning("statement timeout on %s", request.url.path)
        return _busy(request, "statement-timeout", "Took too long",
                     "The request's database work took longer than the server allows and was stopped; "
                     "the server may be busy, try again later.")
    return _database(request, error)


def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s", request.url.path, exc_info=error)
    return problem_response(request, 500, "internal-error", "Internal error",
                            "The server failed unexpectedly; the error has been logged.")


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
