"""The contract: every request the product sent and every answer the server gave, checked against GitHub's
official descriptions (REST: openapi-subset.json; GraphQL: graphql-subset.graphql)."""

from __future__ import annotations

from collections.abc import Iterable

from . import graphql_api, openapi
from .server import Exchange


def problems(exchanges: Iterable[Exchange]) -> list[str]:
    found: list[str] = []
    for ex in exchanges:
        answered = ex.status != 0  # 0: the answer was lost on purpose (a killed server, a dropped connection)
        if ex.kind == "rest":
            found += openapi.check_request(ex.method, ex.path, ex.query, ex.body)
            if answered:
                found += openapi.check_response(ex.method, ex.path, ex.status, ex.response, ex.injected)
        elif ex.kind == "graphql":
            if ex.method != "POST":
                found.append(f"GraphQL over {ex.method}")
            found += graphql_api.check_request(ex.body)
            if not answered:
                pass
            elif ex.status == 200:
                found += graphql_api.check_response(ex.body, ex.response)
            else:
                found += openapi.check_error(ex.response, f"POST /graphql -> {ex.status}")
        if ex.kind != "git" and not ex.headers.get("authorization"):
            found.append(f"{ex.method} {ex.path}: sent without credentials")
    return found
