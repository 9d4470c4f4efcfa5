"""codemod.github against the local GitHub: the preflight, the verbs, the retry policy and the request count;
plus where GitHub is and which token is used."""

from __future__ import annotations

import subprocess

import pytest
from github_server import GitHubServer, contract
from github_server.testing import loopback_only

from codemod.github import (
    AuthError,
    ForgeError,
    GitHubForge,
    NewPull,
    NotFound,
    RateLimited,
    RetryPolicy,
    Unavailable,
    resolve_api_url,
    resolve_token,
)

REPO = "acme/app"


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def server(tmp_path, monkeypatch):
    loopback_only(monkeypatch)
    with GitHubServer(tmp_path / "server") as srv:
        srv.add_repo(REPO, {"README.md": "# app\n"})
        yield srv
        assert contract.problems(srv.exchanges) == []


def forge(server: GitHubServer, sleeps: Sleeps | None = None, **policy) -> GitHubForge:
    policy = {"attempts": 3, "backoff": 0.01, "secondary_wait": 0.01, "sleep": sleeps if sleeps is not None else Sleeps(),
              **policy}
    return GitHubForge(server.api_url, server.token, RetryPolicy(**policy), throttle=False)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param({}, {"archived": False, "can_push": True, "permission": "admin", "checks": ()}, id="plain"),
        pytest.param({"archived": True}, {"archived": True}, id="archived"),
        pytest.param({"permission": "read"}, {"can_push": False, "permission": "read"}, id="read-only token"),
        pytest.param({"permission": "write"}, {"can_push": True}, id="write token"),
        pytest.param({"protection_checks": ["smart-staging-cleanup", "lint"], "ruleset_checks": ["lint", "Smart Staging"]},
                     {"checks": ("smart-staging-cleanup", "lint", "Smart Staging")},
                     id="protection and ruleset checks, deduplicated"),
    ],
)
def test_preflight(server, settings, expected):
    repo = server.repo(REPO)
    for key, value in settings.items():
        setattr(repo, key, value)
    pre = forge(server).preflight(REPO, "tool/branch")
    got = {"archived": pre.repo.archived, "can_push": pre.repo.can_push, "permission": pre.repo.permission,
           "checks": pre.required_checks}
    assert {k: got[k] for k in expected} == expected
    assert pre.repo.default_branch == "main" and pre.repo.clone_url == f"{server.url}/{REPO}.git"
    assert pre.checks_known


def test_preflight_lists_the_tools_pull_requests_newest_first(server):
    server.add_pull(REPO, "tool/branch", state="closed")
    server.add_pull(REPO, "someone-else")
    server.add_pull(REPO, "tool/branch", state="closed", merged=True)
    pulls = forge(server).preflight(REPO, "tool/branch").pulls
    assert [(p.number, p.state) for p in pulls] == [(3, "merged"), (1, "closed")]


def test_unknown_repository(server):
    with pytest.raises(NotFound, match="acme/nope not found"):
        forge(server).preflight("acme/nope", "b")


def test_verbs_create_update_label_review_and_count(server):
    server.commit(REPO, "tool/branch", {"x.md": "x\n"}, author=("Bot", "bot@example.com"))
    f = forge(server)
    pull = f.create_pull(REPO, NewPull("Title", "Body", "tool/branch", "main", draft=True))
    assert (pull.number, pull.state, pull.draft, pull.head_branch) == (1, "open", True, "tool/branch")
    f.add_labels(REPO, pull.number, ["ci", "automation"])
    f.request_reviewers(REPO, pull.number, ["alice", "acme/platform"])
    f.add_labels(REPO, pull.number, [])  # nothing to send: no request
    updated = f.update_pull(REPO, pull.number, title="T2", body="B2")
    state = server.repo(REPO).pulls[1]
    assert (updated.title, state.body, state.labels) == ("T2", "B2", ["ci", "automation"])
    assert (state.reviewers, state.team_reviewers) == (["alice"], ["platform"])
    assert f.request_count(REPO) == 4 == len(server.api_exchanges(REPO))


def test_draft_falls_back_to_ready_when_drafts_are_unavailable(server):
    server.commit(REPO, "tool/branch", {"x.md": "x\n"})
    server.fail(r"POST .*/pulls$", 422, message="Draft pull requests are not supported in this repository.")
    pull = forge(server).create_pull(REPO, NewPull("T", "B", "tool/branch", "main", draft=True))
    assert not pull.draft
    assert [e.body["draft"] for e in server.api_exchanges(REPO)] == [True, False]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param({"secrets": ["NPM_TOKEN", "DOCKERHUB_TOKEN"]}, frozenset({"NPM_TOKEN", "DOCKERHUB_TOKEN"}), id="listed"),
        pytest.param({"secrets_forbidden": True}, None, id="403 means unknown"),
        pytest.param({"permission": "write"}, None, id="non-admin cannot list: unknown"),
    ],
)
def test_secret_names_best_effort(server, settings, expected):
    for key, value in settings.items():
        setattr(server.repo(REPO), key, value)
    assert forge(server).secret_names(REPO) == expected


# --- retries, rate limits, bad tokens ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "expected_requests", "expected_sleeps"),
    [
        pytest.param([(502, {}, 2)], 3, [0.01, 0.02], id="5xx retried with exponential backoff"),
        pytest.param([(403, {"Retry-After": "0"}, 1)], 2, [0.0], id="secondary limit: Retry-After honoured"),
        pytest.param([(429, {}, 1)], 2, [0.01], id="429 without a time: secondary wait"),
        pytest.param([(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"}, 1)], 2, [1.0],
                     id="secondary limit: x-ratelimit-reset honoured"),
        pytest.param([(403, {"x-ratelimit-remaining": "7"}, 1)], 2, [0.01],
                     id="secondary limit without a time: exponential wait"),
    ],
)
def test_transient_failures_are_retried(server, faults, expected_requests, expected_sleeps):
    for status, headers, times in faults:
        server.fail("POST /api/graphql", status, headers=headers, times=times)
    sleeps = Sleeps()
    f = forge(server, sleeps)
    assert f.preflight(REPO, "b").repo.full_name == REPO
    assert f.request_count(REPO) == expected_requests == len(server.api_exchanges(REPO))
    assert sleeps == pytest.approx(expected_sleeps, abs=0.01)


@pytest.mark.parametrize(
    ("status", "headers", "error", "message"),
    [
        pytest.param(503, {}, Unavailable, "GitHub answered with 503 Server Error 3 time(s); gave up", id="5xx persists"),
        pytest.param(403, {"Retry-After": "0"}, Unavailable, "a secondary rate limit 3 time(s); gave up",
                     id="secondary limit persists"),
        pytest.param(403, {"Retry-After": "9999"}, Unavailable, "a secondary rate limit 1 time(s); gave up",
                     id="a wait beyond max_wait gives up at once"),
    ],
)
def test_persistent_failures_are_reported_on_one_line(server, status, headers, error, message):
    server.fail("POST /api/graphql", status, headers=headers, times=10)
    with pytest.raises(error) as caught:
        forge(server).preflight(REPO, "b")
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).startswith("POST /api/graphql: ")


def test_primary_limit_stops_the_repository(server):
    server.rate_remaining = 0
    with pytest.raises(RateLimited, match=r"rate limit exhausted .*pass --wait-rate-limit"):
        forge(server).preflight(REPO, "b")
    assert len(server.api_exchanges(REPO)) == 1


def test_primary_limit_waits_for_the_reset_when_asked(server):
    server.rate_remaining = 0
    server.rate_reset = 0  # already due: the wait is one second

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        server.rate_remaining = 100  # the reset happens while we wait

    sleeps: list[float] = []
    f = GitHubForge(server.api_url, server.token, RetryPolicy(wait_for_reset=True, sleep=sleep), throttle=False)
    assert f.preflight(REPO, "b").repo.archived is False
    assert sleeps == [1.0] and f.request_count(REPO) == 2


def test_bad_token_is_one_clear_line(server):
    f = GitHubForge(server.api_url, "not-the-token", RetryPolicy(sleep=Sleeps()), throttle=False)
    with pytest.raises(AuthError) as caught:
        f.preflight(REPO, "b")
    assert str(caught.value) == "GitHub rejected the token (401 Bad credentials) on POST /api/graphql"
    assert f.request_count(REPO) == 1


def test_other_errors_are_not_retried(server):
    server.repo(REPO).archived = True
    server.commit(REPO, "b", {"x": "y"})
    with pytest.raises(ForgeError, match=r"POST /repos/acme/app/pulls: GitHub answered 403 Repository was archived"):
        forge(server).create_pull(REPO, NewPull("T", "B", "b", "main"))
    assert len(server.api_exchanges(REPO)) == 1


# --- where GitHub is, and the token --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [
        pytest.param(None, {}, "https://api.github.com", id="default"),
        pytest.param("https://github.com", {}, "https://api.github.com", id="github.com web URL"),
        pytest.param("https://ghe.example.com", {}, "https://ghe.example.com/api/v3", id="GHES host URL"),
        pytest.param("ghe.example.com", {}, "https://ghe.example.com/api/v3", id="GHES bare host"),
        pytest.param("https://ghe.example.com/api/v3/", {}, "https://ghe.example.com/api/v3", id="GHES API URL"),
        pytest.param(None, {"GITHUB_API_URL": "https://ghe.example.com/api/v3"}, "https://ghe.example.com/api/v3",
                     id="GITHUB_API_URL as in Actions"),
        pytest.param(None, {"GH_HOST": "ghe.example.com"}, "https://ghe.example.com/api/v3", id="GH_HOST as for gh"),
        pytest.param("http://127.0.0.1:8080", {"GH_HOST": "x"}, "http://127.0.0.1:8080/api/v3", id="flag wins"),
    ],
)
def test_resolve_api_url(flag, env, expected):
    assert resolve_api_url(flag, env) == expected


def _gh(stdout: str, code: int = 0):
    def run(argv, **_):
        run.argv = argv
        return subprocess.CompletedProcess(argv, code, stdout=stdout, stderr="")

    return run


@pytest.mark.parametrize(
    ("api", "env", "gh", "expected"),
    [
        pytest.param("https://api.github.com", {"GH_TOKEN": "a", "GITHUB_TOKEN": "b"}, None, "a", id="GH_TOKEN first"),
        pytest.param("https://api.github.com", {"GITHUB_TOKEN": "b"}, None, "b", id="GITHUB_TOKEN"),
        pytest.param("https://api.github.com", {}, _gh("c\n"), "c", id="gh auth token"),
        pytest.param("https://ghe.example.com/api/v3", {"GH_ENTERPRISE_TOKEN": "e", "GH_TOKEN": "a"}, None, "e",
                     id="GHES: GH_ENTERPRISE_TOKEN first"),
    ],
)
def test_resolve_token(api, env, gh, expected):
    which = (lambda _: "/usr/bin/gh") if gh else (lambda _: None)
    assert resolve_token(api, env, which=which, run=gh or _gh("")) == expected
    if gh:
        assert gh.argv[1:] == ["auth", "token", "--hostname", "github.com"]


@pytest.mark.parametrize(
    "gh",
    [pytest.param(None, id="no gh"), pytest.param(_gh("", 1), id="gh not logged in")],
)
def test_no_token_is_one_clear_line(gh):
    which = (lambda _: "/usr/bin/gh") if gh else (lambda _: None)
    with pytest.raises(AuthError) as caught:
        resolve_token("https://api.github.com", {}, which=which, run=gh or _gh(""))
    assert str(caught.value) == ("no GitHub token for github.com: set GH_TOKEN or GITHUB_TOKEN, "
                                 "or log in with `gh auth login --hostname github.com`")


def _graphql_answer(errors=None, **repository):
    node = {"nameWithOwner": REPO, "url": "https://github.com/acme/app", "isArchived": False, "viewerPermission": None,
            "defaultBranchRef": {"name": "main", "refUpdateRule": None, "rules": None}, "pullRequests": {"nodes": []},
            **repository}
    return {"data": {"repository": node}, **({"errors": errors} if errors else {})}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param(_graphql_answer(), {"can_push": None, "checks_known": True}, id="no permission said: unknown"),
        pytest.param(_graphql_answer([{"message": "no", "type": "FORBIDDEN", "path": ["repository", "defaultBranchRef", "rules"]}]),
                     {"checks_known": False}, id="rules unreadable: checks unknown"),
        pytest.param(_graphql_answer(defaultBranchRef=None), {"default_branch": None}, id="empty repository"),
        pytest.param(_graphql_answer(pullRequests={"nodes": [
            {"number": 4, "url": "u", "state": "OPEN", "isDraft": False, "title": "t", "body": "", "headRefName": "b",
             "isCrossRepository": True}]}), {"pulls": ()}, id="a fork's pull request with the same branch name is not ours"),
    ],
)
def test_parse_preflight(answer, expected):
    from codemod.github import parse_preflight

    pre = parse_preflight(REPO, answer, "https://api.github.com")
    got = {"can_push": pre.repo.can_push, "checks_known": pre.checks_known, "default_branch": pre.repo.default_branch,
           "pulls": pre.pulls}
    assert {k: got[k] for k in expected} == expected
    assert pre.repo.clone_url == "https://github.com/acme/app.git"


def test_graphql_rate_limited_is_a_rate_limit():
    from codemod.github import parse_preflight

    with pytest.raises(RateLimited, match="GraphQL rate limit"):
        parse_preflight(REPO, {"data": {"repository": None}, "errors": [{"type": "RATE_LIMITED", "message": "x"}]}, "")


@pytest.mark.parametrize("wait", [pytest.param(False, id="stops"), pytest.param(True, id="--wait-rate-limit waits")])
def test_graphql_rate_limited_answer_is_the_primary_limit(server, wait):
    answer = {"data": None, "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]}
    server.fail("POST /api/graphql", 200, payload=answer, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"})
    sleeps = Sleeps()
    f = forge(server, sleeps, wait_for_reset=wait)
    if wait:
        assert f.preflight(REPO, "b").repo.full_name == REPO and sleeps == [1.0]
    else:
        with pytest.raises(RateLimited, match="pass --wait-rate-limit"):
            f.preflight(REPO, "b")


def test_a_lost_answer_to_create_does_not_open_a_second_pull_request(server):
    server.commit(REPO, "tool/branch", {"x.md": "x\n"})
    server.fail(r"POST .*/pulls$", 502, after_processing=True)
    pull = forge(server).create_pull(REPO, NewPull("T", "B", "tool/branch", "main"))
    assert pull.number == 1 and list(server.repo(REPO).pulls) == [1]
    assert [e.status for e in server.api_exchanges(REPO)] == [502, 422, 200]
