"""GitHub's REST description (the subset in openapi-subset.json): build the server's answers from its
schemas, and check requests and answers against it.

`synthesize(schema, overrides)` fills every required property with a plain value of the right type and
lays the server's real state (`overrides`) over it, so an answer has GitHub's shape by construction and
the product can only rely on what GitHub documents. `check_request` / `check_response` are the contract:
they validate one recorded exchange with jsonschema (OpenAPI 3.0's `nullable` turned into JSON Schema).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SUBSET = Path(__file__).with_name("openapi-subset.json")
API_PREFIX = "/api/v3"


@cache
def document() -> dict[str, Any]:
    return json.loads(SUBSET.read_text())


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


# --- building answers -------------------------------------------------------------------------------------

_FORMATS = {"date-time": "2026-01-01T00:00:00Z", "uri": "https://example.invalid/", "email": "someone@example.invalid",
            "uri-template": "https://example.invalid/{id}", "date": "2026-01-01"}


def synthesize(schema: dict[str, Any], override: Any = None) -> Any:
    schema = resolve(schema)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(synthesize(part, override) or {})
        return merged
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [resolve(s) for s in schema[key]]
            return synthesize(next((o for o in options if o.get("type") != "null"), options[0]), override)
    if override is None and schema.get("nullable"):
        return None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return _object(schema, override or {})
    if kind == "array":
        return [synthesize(schema.get("items", {}), item) for item in (override or [])]
    if override is not None:
        return override
    return _scalar(schema, kind)


def _object(schema: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties", {})
    result = {}
    for name in schema.get("required", []):
        result[name] = synthesize(props.get(name, {}), override.get(name))
    for name, value in override.items():
        if name not in result:
            result[name] = synthesize(props[name], value) if name in props else value
    return result


def _scalar(schema: dict[str, Any], kind: str | None) -> Any:
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "string":
        return _FORMATS.get(schema.get("format", ""), "x")
    return None


def response_schema(method: str, template: str, status: int) -> dict[str, Any] | None:
    responses = document()["paths"][template][method]["responses"]
    response = resolve(responses.get(str(status)) or responses.get("default") or {})
    content = response.get("content", {}).get("application/json")
    return content["schema"] if content else None


# --- the contract -------------------------------------------------------------------------------------------


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema 2020-12: `nullable` becomes a null alternative."""
    if isinstance(node, list):
        return [_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k not in ("nullable", "discriminator", "xml", "readOnly",
                                                                      "writeOnly", "deprecated")}
    if node.get("nullable"):
        if "type" in out and "enum" not in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def _components() -> dict[str, Any]:
    return _json_schema(copy.deepcopy(document()["components"]))


def validate(instance: Any, schema: dict[str, Any], what: str) -> list[str]:
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": _components(),
            **_json_schema(schema)}
    validator = jsonschema.Draft202012Validator(root)
    return [f"{what}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}"
            for e in validator.iter_errors(instance)]


def match(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """The description's path template (and its parameters) that a request path matches."""
    path = path.removeprefix(API_PREFIX)
    for template, item in document()["paths"].items():
        if method.lower() not in item:
            continue
        pattern = "^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        found = re.match(pattern, path)
        if found:
            return template, found.groupdict()
    return None


def _parameters(method: str, template: str) -> list[dict[str, Any]]:
    item = document()["paths"][template]
    return [resolve(p) for p in [*item.get("parameters", []), *item[method].get("parameters", [])]]


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    kind = resolve(schema).get("type")
    if kind == "integer" and value.lstrip("-").isdigit():
        return int(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def check_request(method: str, path: str, query: dict[str, str], body: Any) -> list[str]:
    found = match(method, path)
    if found is None:
        return [f"{method} {path}: no such operation in GitHub's REST description (subset)"]
    template, path_params = found
    method = method.lower()
    what = f"{method.upper()} {template}"
    problems = []
    params = {(p["in"], p["name"]): p for p in _parameters(method, template)}
    for (where, name), param in params.items():
        if param.get("required") and where in ("path", "query") and name not in {**path_params, **query}:
            problems.append(f"{what}: missing required {where} parameter {name}")
    for where, values in (("path", path_params), ("query", query)):
        for name, value in values.items():
            param = params.get((where, name))
            if param is None:
                problems.append(f"{what}: undocumented {where} parameter {name}")
                continue
            problems += validate(_coerce(value, param["schema"]), param["schema"], f"{what} {where} {name}")
    spec_body = document()["paths"][template][method].get("requestBody")
    if spec_body is not None:
        schema = resolve(spec_body)["content"]["application/json"]["schema"]
        problems += validate(body, schema, f"{what} request body")
    elif body not in (None, b"", ""):
        problems.append(f"{what}: sends a body the operation does not take")
    return problems


def check_response(method: str, path: str, status: int, body: Any, injected: bool = False) -> list[str]:
    found = match(method, path)
    if found is None:
        return [f"{method} {path}: no such operation"]
    template, _ = found
    method = method.lower()
    responses = document()["paths"][template][method]["responses"]
    what = f"{method.upper()} {template} -> {status}"
    if str(status) not in responses:
        if injected or status in (401, 403, 429) or status >= 500:
            return check_error(body, what)
        return [f"{what}: status not documented for this operation"]
    schema = response_schema(method, template, status)
    if schema is None:
        return [] if body in (None, b"", "") else [f"{what}: a body where none is documented"]
    return validate(body, schema, what)


def check_error(body: Any, what: str) -> list[str]:
    """GitHub's error body (`basic-error`); GitHub always says something in `message`."""
    schema = {"allOf": [{"$ref": "#/components/schemas/basic-error"}, {"required": ["message"]}]}
    return validate(body, schema, what)
