"""The local GitHub's contract with GitHub's official descriptions: the subsets are complete and consistent,
the product's GraphQL documents are valid, and the checks do reject what GitHub would not send or accept.
(Every exchange of the end-to-end and forge tests is checked at their teardown with `contract.problems`.)"""

from __future__ import annotations

import json
import re

import graphql
import pytest
from github_server import GitHubServer, contract, graphql_api, openapi
from github_server.operations import OPERATIONS
from github_server.server import _ROUTES
from github_server.testing import loopback_only

from codemod.github import GRAPHQL_DOCUMENTS, PREFLIGHT_QUERY, USER_AGENT, GitHubForge, NewPull, RetryPolicy


def test_the_subset_holds_every_operation_the_server_implements():
    doc = openapi.document()
    assert doc["info"]["x-subset-of"] == "@octokit/openapi" and doc["info"]["x-subset-version"]
    for method, template in OPERATIONS:
        assert method in doc["paths"][template], (method, template)
    routes = {(m.lower(), re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", p)) for m, p, _ in _ROUTES}
    normalise = {"{number}": "{n}", "{pull_number}": "{n}", "{issue_number}": "{n}"}

    def norm(path):
        for a, b in normalise.items():
            path = path.replace(a, b)
        return path

    assert {(m, norm(p)) for m, p in routes} == {(m, norm(p)) for m, p in OPERATIONS}


def test_every_ref_of_the_subset_resolves():
    text = json.dumps(openapi.document())
    refs = set(re.findall(r'"\$ref": "([^"]+)"', text))
    assert refs
    for ref in refs:
        assert openapi.resolve({"$ref": ref}) is not None, ref


def test_the_products_graphql_documents_are_valid_against_githubs_schema():
    assert list(GRAPHQL_DOCUMENTS) == ["preflight", "repositories", "repositories-and-workflows", "read"]
    assert GRAPHQL_DOCUMENTS["preflight"] == PREFLIGHT_QUERY
    for document in GRAPHQL_DOCUMENTS.values():
        assert graphql.validate(graphql_api.schema(), graphql.parse(document)) == []


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "problem"),
    [
        pytest.param("GET", "/api/v3/repos/a/b/actions/secrets", {"per_page": "x"}, None, "query per_page",
                     id="a query parameter of the wrong type"),
        pytest.param("GET", "/api/v3/repos/a/b/actions/secrets", {"colour": "red"}, None, "undocumented query parameter",
                     id="an undocumented query parameter"),
        pytest.param("POST", "/api/v3/repos/a/b/pulls", {}, {"title": "t"}, "'head' is a required property",
                     id="a body without a required field"),
        pytest.param("POST", "/api/v3/repos/a/b/pulls", {}, {"head": "h", "base": "b", "draft": "yes"}, "draft",
                     id="a body field of the wrong type"),
        pytest.param("DELETE", "/api/v3/repos/a/b/pulls", {}, None, "no such operation", id="an operation not in the subset"),
    ],
)
def test_bad_requests_are_caught(method, path, query, body, problem):
    problems = openapi.check_request(method, path, query, body)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        pytest.param(200, {"total_count": 1, "secrets": [{"name": 1}]}, "is not of type 'string'", id="wrong type"),
        pytest.param(200, {"secrets": []}, "'total_count' is a required property", id="missing required field"),
        pytest.param(418, {"message": "teapot"}, "status not documented", id="undocumented status"),
        pytest.param(503, {"oops": True}, "'message' is a required property", id="an injected fault must look like GitHub's"),
    ],
)
def test_bad_responses_are_caught(status, body, problem):
    problems = openapi.check_response("GET", "/api/v3/repos/a/b/actions/secrets", status, body)
    assert any(problem in p for p in problems), problems


def test_bad_graphql_is_caught():
    assert graphql_api.check_request({"query": "{ repository(owner: \"a\", name: \"b\") { stars } }"})
    assert graphql_api.check_request({"query": PREFLIGHT_QUERY, "variables": {"owner": "a"}})
    request = {"query": "query { repository(owner: \"a\", name: \"b\") { viewerPermission isArchived } }"}
    assert graphql_api.check_response(request, {"data": {"repository": {"viewerPermission": "ADMIN", "isArchived": False}}}) == []
    assert graphql_api.check_response(request, {"data": {"repository": {"viewerPermission": "OWNER", "isArchived": False}}})
    assert graphql_api.check_response(request, {"data": {"repository": {"viewerPermission": "READ", "isArchived": None}}})


def test_a_full_conversation_keeps_the_contract(tmp_path, monkeypatch):
    loopback_only(monkeypatch)
    with GitHubServer(tmp_path / "server") as srv:
        srv.add_repo("acme/app", {"README.md": "x\n"}, secrets=["A"], ruleset_checks=["c"], protection_checks=["d"])
        srv.commit("acme/app", "tool", {"README.md": "y\n"})
        srv.add_pull("acme/app", "tool", state="closed")
        forge = GitHubForge(srv.api_url, srv.token, RetryPolicy(backoff=0, sleep=lambda s: None), throttle=False)
        srv.fail("POST /api/graphql", 502)
        forge.preflight("acme/app", "tool")
        forge.secret_names("acme/app")
        pull = forge.update_pull("acme/app", 1, title="t", body="b", reopen=True)
        forge.add_labels("acme/app", pull.number, ["x"])
        forge.request_reviewers("acme/app", pull.number, ["alice", "acme/team"])
        srv.commit("acme/app", "tool2", {"README.md": "z\n"})
        forge.create_pull("acme/app", NewPull("t", "b", "tool2", "main", draft=True))
        with pytest.raises(Exception, match="not found"):
            forge.preflight("acme/nope", "tool")
        assert contract.problems(srv.exchanges) == []
        assert {e.headers.get("user-agent") for e in srv.exchanges if e.kind != "git"} == {USER_AGENT}
        assert len([e for e in srv.exchanges if e.kind == "rest"]) == 5


def _refresh_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "refresh_openapi.py"
    spec = importlib.util.spec_from_file_location("refresh_openapi", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_refresh_keeps_only_what_is_used():
    refresh = _refresh_module()
    full = {
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/x"}}}}}},
                         "post": {"responses": {"200": {"$ref": "#/components/responses/unused"}}}},
                  "/b": {"get": {"responses": {}}}},
        "components": {"schemas": {"x": {"type": "object", "properties": {"y": {"$ref": "#/components/schemas/y"}},
                                         "example": {"y": 1}},
                                   "y": {"type": "integer"}, "z": {"type": "string"}, "basic-error": {"type": "object"}},
                       "responses": {"unused": {"description": "no"}}},
    }
    subset = refresh.rest_subset(full, [("get", "/a")])
    assert list(subset["paths"]) == ["/a"] and list(subset["paths"]["/a"]) == ["get"]
    assert list(subset["components"]) == ["schemas"]
    assert list(subset["components"]["schemas"]) == ["basic-error", "x", "y"]
    assert "example" not in subset["components"]["schemas"]["x"]
    sdl = "type Query { a(n: Int = 1): A b: String }\ntype A { c: String d: E }\nenum E { X Y }\ntype Unused { e: Int }\n"
    pruned = refresh.graphql_subset(sdl, ["query { a { d } }"])
    assert "Unused" not in pruned and " b:" not in pruned and " c:" not in pruned
    assert "a(n: Int = 1): A" in pruned and "enum E" in pruned
