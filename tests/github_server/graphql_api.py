"""GitHub's GraphQL API, for the fields the product selects: executed by graphql-core against
graphql-subset.graphql (cut from `@octokit/graphql-schema` by scripts/refresh_openapi.py), so every query is
validated and every answer typed by GitHub's own schema."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import graphql

SUBSET = Path(__file__).with_name("graphql-subset.graphql")


@cache
def schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(SUBSET.read_text())


class NotFoundError(Exception):
    pass


def _resolver(source: Any, info: graphql.GraphQLResolveInfo, **args: Any) -> Any:
    value = source.get(info.field_name) if isinstance(source, dict) else getattr(source, info.field_name, None)
    return value(**args) if callable(value) else value


def execute(query: str, variables: dict[str, Any] | None, root: dict[str, Any]) -> dict[str, Any]:
    """Run one query; errors look like GitHub's (`type: NOT_FOUND` on a missing repository)."""
    try:
        document = graphql.parse(query)
    except graphql.GraphQLError as exc:
        return {"errors": [{"message": exc.message}]}
    errors = graphql.validate(schema(), document)
    if errors:
        return {"errors": [e.formatted for e in errors]}
    result = graphql.execute(schema(), document, root_value=root, variable_values=variables, field_resolver=_resolver)
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [_github_error(e) for e in result.errors]
    return out


def _github_error(error: graphql.GraphQLError) -> dict[str, Any]:
    formatted = dict(error.formatted)
    if isinstance(error.original_error, NotFoundError):
        formatted["type"] = "NOT_FOUND"
    return formatted


# --- the contract -------------------------------------------------------------------------------------------


def check_request(body: Any) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return ["GraphQL request without a query string"]
    try:
        document = graphql.parse(body["query"])
    except graphql.GraphQLError as exc:
        return [f"GraphQL syntax: {exc.message}"]
    problems = [e.message for e in graphql.validate(schema(), document)]
    if problems:
        return problems
    operation = graphql.get_operation_ast(document)
    coerced = graphql.execution.values.get_variable_values(
        schema(), operation.variable_definitions or [], body.get("variables") or {}
    )
    return [e.message for e in coerced] if isinstance(coerced, list) else []


def _echo(source: Any, info: graphql.GraphQLResolveInfo, **_: Any) -> Any:
    return source.get(info.path.key) if isinstance(source, dict) else None


def check_response(request: dict[str, Any], response: Any) -> list[str]:
    """Re-type the answer's data through the query: any value the schema does not allow shows up."""
    if not isinstance(response, dict) or not ({"data", "errors"} & response.keys()):
        return ["GraphQL answer without data or errors"]
    for error in response.get("errors") or []:
        if not isinstance(error.get("message"), str):
            return ["GraphQL error without a message"]
    data = response.get("data")
    if data is None:
        return []
    result = graphql.execute(schema(), graphql.parse(request["query"]), root_value=data,
                             variable_values=request.get("variables"), field_resolver=_echo)
    problems = [e.message for e in result.errors or [] if not response.get("errors")]
    if result.data != data:
        problems.append("GraphQL answer's data does not survive the schema's typing unchanged")
    return problems
