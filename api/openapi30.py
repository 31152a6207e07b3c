"""An OpenAPI 3.0 document of part of the app, for clients that read only 3.0 (GDAL's OAPIF driver, OWSLib).

FastAPI writes OpenAPI 3.1, whose schemas are JSON Schema 2020-12. The few 3.1 constructs the app's
schemas use have 3.0 spellings: ``examples: [x]`` is ``example: x``, ``anyOf`` with ``{"type": "null"}`` is
``nullable: true``, ``const: x`` is ``enum: [x]``.
"""

from __future__ import annotations

from typing import Any

OPENAPI_VERSION = "3.0.3"


def _as_30(node: Any) -> Any:
    if isinstance(node, list):
        return [_as_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    schema = {key: _as_30(value) for key, value in node.items()}
    if isinstance(schema.get("examples"), list):  # a schema's examples (a media type's are a map)
        examples = schema.pop("examples")
        if examples:
            schema["example"] = examples[0]
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    if isinstance(schema.get("anyOf"), list) and {"type": "null"} in schema["anyOf"]:
        others = [option for option in schema.pop("anyOf") if option != {"type": "null"}]
        if len(others) == 1:
            schema.update(others[0])
        else:
            schema["anyOf"] = others
        schema["nullable"] = True
    return schema


def _references(node: Any) -> set[str]:
    """The names of the component schemas ``node`` refers to (``#/components/schemas/<name>``)."""
    if isinstance(node, list):
        return set().union(*(_references(item) for item in node))
    if not isinstance(node, dict):
        return set()
    found = {node["$ref"].rsplit("/", 1)[-1]} if isinstance(node.get("$ref"), str) else set()
    return found.union(*(_references(value) for value in node.values()))


def openapi_30(document: dict[str, Any], prefix: str, title: str) -> dict[str, Any]:
    """The operations of ``document`` (FastAPI's 3.1) under the path ``prefix``, with the component
    schemas they refer to, as OpenAPI 3.0.3."""
    paths = {path: item for path, item in document["paths"].items() if path == prefix or path.startswith(prefix + "/")}
    result: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {**document["info"], "title": title},
        "paths": _as_30(paths),
    }
    schemas = document.get("components", {}).get("schemas", {})
    wanted, pending = set(), _references(paths)
    while pending:
        name = pending.pop()
        wanted.add(name)
        pending |= _references(schemas[name]) - wanted
    if wanted:
        result["components"] = {"schemas": _as_30({name: schemas[name] for name in sorted(wanted)})}
    return result
