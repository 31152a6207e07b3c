"""The caller's language, chosen once per request: ``?lang=``, else ``Accept-Language``, else Chinese.

Everything the API says to a person (problem ``title`` and ``detail``, validation messages, the PDF report)
is rendered in this language; ``Content-Language`` names it on the answer.
"""

from __future__ import annotations

from fastapi import Request

from gis.messages import DEFAULT_LANGUAGE, LANGUAGES


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def preferred_language(requested: str | None, accept_language: str | None) -> str:
    """``requested`` (``?lang=``) when it is zh or en; else the language of ``Accept-Language`` with the
    highest q-value among zh and en (``zh-CN``, ``en-GB`` count as their language, ``*`` as Chinese; q=0
    refuses a language); else Chinese. On equal q-values the one named first wins."""
    if requested in LANGUAGES:
        return requested
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, *parameters = part.split(";")
        primary = tag.strip().lower().split("-")[0]
        language = DEFAULT_LANGUAGE if primary == "*" else primary
        quality = _quality(parameters)
        if language in LANGUAGES and quality > 0 and (best is None or (quality, -position) > best[:2]):
            best = (quality, -position, language)
    return best[2] if best else DEFAULT_LANGUAGE


def request_language(request: Request) -> str:
    """The language of this request's answers, read once and kept on the request."""
    language = getattr(request.state, "language", None)
    if language is None:
        language = preferred_language(request.query_params.get("lang"), request.headers.get("accept-language"))
        request.state.language = language
    return language
