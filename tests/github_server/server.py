"""A local GitHub for end-to-end tests: real HTTP on loopback, real git over smart HTTP, stateful.

Layout is GitHub Enterprise Server's: REST under `/api/v3`, GraphQL at `/api/graphql`, git at
`/OWNER/NAME.git`. It implements exactly the operations the product calls (operations.py and the GraphQL
fields of graphql-subset.graphql), authenticated by one token, and records every exchange for the contract
tests. Faults (5xx, secondary limits with Retry-After, a bad token) are injected with `fail()`, and the
primary rate limit is `rate_remaining`.

For batches and benchmarks: `organization(login:)` lists the repositories of an owner, `object(expression:)`
reads folders and blobs; `latency=(low, high)` delays every request (API and git) by a uniform random time
in that range, as a real GitHub does (the local one answers in about a millisecond); `kill()` makes the
server vanish like a killed process (listener closed, open connections dropped without an answer) and
`restart()` brings it back on the same port with the same state; `hooks` see each API exchange after it
took effect and before it is answered (return "drop" to lose the answer); `bytes_sent()` counts the
bytes of the answers.
"""

from __future__ import annotations

import base64
import json
import random
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import gitstore, graphql_api, openapi

WRITE = {"admin", "maintain", "write"}


@dataclass
class Pull:
    number: int
    head: str
    base: str
    title: str
    body: str
    state: str = "open"  # "open" or "closed"
    merged: bool = False
    draft: bool = False
    labels: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    team_reviewers: list[str] = field(default_factory=list)


@dataclass
class Repo:
    owner: str
    name: str
    bare: Path
    default_branch: str
    archived: bool = False
    fork: bool = False
    topics: list[str] = field(default_factory=list)
    permission: str = "admin"  # the token's permission: admin, maintain, write, triage, read
    secrets: list[str] = field(default_factory=list)
    secrets_forbidden: bool = False
    protection_checks: list[str] = field(default_factory=list)  # classic branch protection, default branch
    ruleset_checks: list[str] = field(default_factory=list)  # rulesets targeting the default branch
    pulls: dict[int, Pull] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class Fault:
    """Answer the next `times` requests whose "METHOD /path" matches `pattern` (a regex) with this."""

    pattern: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "Server Error"
    times: int = 1
    payload: dict[str, Any] | None = None  # a whole answer instead of GitHub's error body (e.g. GraphQL errors)
    after_processing: bool = False  # the request takes effect, then the answer is the fault


@dataclass
class Exchange:
    kind: str  # "rest", "graphql" or "git"
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int = 0
    response: Any = None
    response_headers: dict[str, str] = field(default_factory=dict)
    injected: bool = False
    at: float = field(default_factory=time.monotonic)  # when the request arrived
    bytes_out: int = 0  # the size of the answer's body

    @property
    def repo(self) -> str | None:
        if self.kind == "graphql":
            variables = (self.body or {}).get("variables") or {}
            return f"{variables.get('owner')}/{variables.get('name')}" if "owner" in variables else None
        found = re.match(r"(?:/api/v3/repos)?/([^/]+)/([^/]+?)(?:\.git)?(?:/|$)", self.path)
        return f"{found.group(1)}/{found.group(2)}" if found else None


BLOB_TEXT_LIMIT = 512 * 1024  # Blob.text is cut (isTruncated) beyond this; GitHub's own limit is not documented


class GitHubServer:
    def __init__(self, root: Path, token: str = "ghp_localtesttoken0123456789abcdef",
                 latency: tuple[float, float] | None = None):
        self.root = root
        self.git_root = root / "git"
        self.token = token
        self.repos: dict[str, Repo] = {}
        self.exchanges: list[Exchange] = []
        self.faults: list[Fault] = []
        self.rate_limit = 5000
        self.rate_remaining = 5000
        self.rate_reset = int(time.time()) + 3600
        self.lock = threading.RLock()
        self._next_number = 1
        self._httpd: ThreadingHTTPServer | None = None
        self._port = 0
        self.latency = latency
        self.down = False
        self.hooks: list[Callable[[Exchange], str | None]] = []

    # lifecycle

    def __enter__(self) -> GitHubServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        self._httpd.daemon_threads = True
        self._port = self._httpd.server_address[1]
        self.down = False
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def kill(self) -> None:
        """Vanish like a killed process: no new connection is accepted, open ones are dropped unanswered."""
        self.down = True
        self.stop()

    def restart(self) -> None:
        """Come back after `kill()` on the same port, with the same repositories and pull requests."""
        self.start()

    @property
    def url(self) -> str:
        assert self._port, "the server was never started"
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/v3"

    # fixtures

    def add_repo(self, full_name: str, files: dict[str, str | bytes], *, default_branch: str = "main",
                 **settings: Any) -> Repo:
        owner, name = full_name.split("/")
        bare = self.git_root / owner / f"{name}.git"
        gitstore.init_bare(bare, default_branch)
        gitstore.commit_files(bare, default_branch, files, "Initial commit")
        repo = Repo(owner, name, bare, default_branch, **settings)
        self.repos[full_name.lower()] = repo
        return repo

    def add_repos_fast(self, full_name: str, files: dict[str, str | bytes], *, default_branch: str = "main",
                       **settings: Any) -> Repo:
        """`add_repo` with one `git fast-import` (for benchmarks and many-repository tests)."""
        owner, name = full_name.split("/")
        bare = self.git_root / owner / f"{name}.git"
        template = self.root / "templates" / f"{default_branch}.git"
        if not template.exists():
            gitstore.init_bare(template, default_branch)
        shutil.copytree(template, bare)
        gitstore.import_files(bare, default_branch, files)
        repo = Repo(owner, name, bare, default_branch, **settings)
        self.repos[full_name.lower()] = repo
        return repo

    def repo(self, full_name: str) -> Repo:
        return self.repos[full_name.lower()]

    def commit(self, full_name: str, branch: str, files: dict[str, str | bytes | None], message: str = "A change",
               author: tuple[str, str] = ("Alice Human", "alice@example.com"), parent: str | None = None) -> str:
        return gitstore.commit_files(self.repo(full_name).bare, branch, files, message, author, parent)

    def add_pull(self, full_name: str, head: str, *, state: str = "open", merged: bool = False,
                 title: str = "A pull request", body: str = "") -> Pull:
        repo = self.repo(full_name)
        with self.lock:
            pull = Pull(self._next_number, head, repo.default_branch, title, body, state, merged)
            self._next_number += 1
            repo.pulls[pull.number] = pull
        return pull

    def fail(self, pattern: str, status: int, *, times: int = 1, headers: dict[str, str] | None = None,
             message: str | None = None, payload: dict[str, Any] | None = None, after_processing: bool = False) -> None:
        default = "You have exceeded a secondary rate limit." if status in (403, 429) else "Server Error"
        self.faults.append(Fault(pattern, status, headers or {}, message or default, times, payload, after_processing))

    def branches(self, full_name: str) -> dict[str, str]:
        return gitstore.branches(self.repo(full_name).bare)

    def bytes_sent(self, *, kind: str | None = None, repo: str | None = None) -> int:
        """Bytes of the answers' bodies, for one kind ("rest", "graphql", "git") and/or one repository."""
        with self.lock:
            found = list(self.exchanges)
        return sum(e.bytes_out for e in found if (kind is None or e.kind == kind)
                   and (repo is None or (e.repo or "").lower() == repo.lower()))

    def api_exchanges(self, repo: str | None = None) -> list[Exchange]:
        with self.lock:
            found = [e for e in self.exchanges if e.kind != "git"]
        return [e for e in found if repo is None or (e.repo or "").lower() == repo.lower()]

    # state answers

    def graphql_root(self) -> dict[str, Any]:
        return {"repository": self._graphql_repository, "organization": self._graphql_organization}

    def _graphql_organization(self, login: str) -> dict | None:
        repos = sorted((r for r in self.repos.values() if r.owner.lower() == login.lower()), key=lambda r: r.name.lower())
        if not repos:
            raise graphql_api.NotFoundError(f"Could not resolve to an Organization with the login of '{login}'.")
        base_url = self.url

        def repositories(first: int | None = None, after: str | None = None, **_: Any) -> dict:
            start = int(base64.b64decode(after).decode().split(":")[1]) if after else 0
            end = start + min(first or 100, 100)
            nodes = [_repository_node(r, base_url) for r in repos[start:end]]
            cursor = base64.b64encode(f"cursor:{end}".encode()).decode()
            return {"nodes": nodes, "pageInfo": {"hasNextPage": end < len(repos), "endCursor": cursor if nodes else None}}

        return {"repositories": repositories}

    def _graphql_repository(self, owner: str, name: str, followRenames: bool | None = None) -> dict | None:
        repo = self.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            raise graphql_api.NotFoundError(f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return _repository_node(repo, self.url)


def _repository_node(repo: Repo, base_url: str) -> dict[str, Any]:
    default = repo.default_branch if gitstore.rev(repo.bare, f"refs/heads/{repo.default_branch}") else None
    rules = [{"type": "REQUIRED_STATUS_CHECKS",
              "parameters": {"__typename": "RequiredStatusChecksParameters",
                             "requiredStatusChecks": [{"context": c} for c in repo.ruleset_checks]}}] if repo.ruleset_checks else []
    ref = None
    if default:
        rule = {"requiredStatusCheckContexts": list(repo.protection_checks)} if repo.protection_checks else None
        ref = {"name": default, "refUpdateRule": rule, "rules": lambda **_: {"nodes": rules}}

    def pull_requests(headRefName: str | None = None, states: list[str] | None = None, **_: Any) -> dict:
        pulls = sorted(repo.pulls.values(), key=lambda p: -p.number)
        nodes = [_pull_node(repo, p, base_url) for p in pulls if headRefName in (None, p.head)]
        return {"nodes": [n for n in nodes if not states or n["state"] in states]}

    return {
        "nameWithOwner": repo.full_name,
        "url": f"{base_url}/{repo.full_name}",
        "isArchived": repo.archived,
        "isFork": repo.fork,
        "viewerPermission": repo.permission.upper(),
        "defaultBranchRef": ref,
        "pullRequests": pull_requests,
        "repositoryTopics": lambda **_: {"nodes": [{"topic": {"name": t}} for t in repo.topics]},
        "object": lambda expression=None, **_: _git_object(repo, expression) if expression else None,
    }


def _git_object(repo: Repo, expression: str) -> dict[str, Any] | None:
    found = gitstore.read_folder(repo.bare, expression)
    if found is None:
        return None
    kind, oid, content = found
    if kind == "blob":
        return _blob_node(oid, content)  # type: ignore[arg-type]
    entries = []
    for mode, typ, entry_oid, name, data in content:  # type: ignore[union-attr]
        obj = _blob_node(entry_oid, data) if typ == "blob" else {"__typename": "Tree", "oid": entry_oid} if typ == "tree" else None
        entries.append({"name": name, "type": typ, "mode": mode, "object": obj})
    return {"__typename": "Tree", "oid": oid, "entries": entries}


def _blob_node(oid: str, data: bytes) -> dict[str, Any]:
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    binary = text is None or "\0" in text
    truncated = len(data) > BLOB_TEXT_LIMIT
    if truncated and text is not None:
        text = data[:BLOB_TEXT_LIMIT].decode("utf-8", errors="ignore")
    return {"__typename": "Blob", "oid": oid, "byteSize": len(data), "isBinary": binary, "isTruncated": truncated,
            "text": None if binary else text}


def _pull_node(repo: Repo, pull: Pull, base_url: str) -> dict[str, Any]:
    state = "MERGED" if pull.merged else pull.state.upper()
    return {"number": pull.number, "url": f"{base_url}/{repo.full_name}/pull/{pull.number}", "state": state,
            "isDraft": pull.draft, "title": pull.title, "body": pull.body, "headRefName": pull.head,
            "isCrossRepository": False}


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None,
                 payload: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.payload = payload


class _Handler(BaseHTTPRequestHandler):
    server_state: GitHubServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    # plumbing

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        exchange = getattr(self, "_exchange", None)
        if exchange is not None:
            exchange.bytes_out = len(body)
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        state = self.server_state
        if state.down:  # killed: the connection drops without an answer
            self.close_connection = True
            return
        if state.latency:
            time.sleep(random.uniform(*state.latency))
        if parts.path.startswith("/api/"):
            kind = "graphql" if parts.path == "/api/graphql" else "rest"
            parsed = json.loads(body) if body else None
            exchange = Exchange(kind, self.command, parts.path, dict(parse_qsl(parts.query)), headers, parsed)
            with state.lock:
                state.exchanges.append(exchange)
            self._exchange = exchange
            self._api(exchange)
        else:
            exchange = Exchange("git", self.command, parts.path, dict(parse_qsl(parts.query)), headers, None)
            with state.lock:
                state.exchanges.append(exchange)
            self._exchange = exchange
            self._git(exchange, parts.query, body)

    # the API

    def _authorized(self, headers: dict[str, str]) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return scheme.lower() in ("token", "bearer") and value == self.server_state.token

    def _api(self, ex: Exchange) -> None:
        state = self.server_state
        try:
            if not self._authorized(ex.headers):
                raise ApiError(401, "Bad credentials")
            fault = self._fault(ex)
            if fault and not fault.after_processing:
                raise ApiError(fault.status, fault.message, payload=fault.payload)
            with state.lock:
                if state.rate_remaining <= 0:
                    raise ApiError(403, "API rate limit exceeded for user ID 1.")
                state.rate_remaining -= 1
            if ex.kind == "graphql":
                status, payload = 200, graphql_api.execute(ex.body["query"], ex.body.get("variables"), state.graphql_root())
            else:
                status, payload = _rest(state, ex)
            if fault:  # done, but the answer is lost: a 502 after the pull request was created
                raise ApiError(fault.status, fault.message, payload=fault.payload)
        except ApiError as exc:
            status = exc.status
            payload = exc.payload or {"message": exc.message, "documentation_url": "https://docs.github.com/rest"}
            if exc.errors:
                payload["errors"] = exc.errors
        self._answer(ex, status, payload)

    def _fault(self, ex: Exchange) -> Fault | None:
        state = self.server_state
        with state.lock:
            for fault in state.faults:
                if fault.times > 0 and re.search(fault.pattern, f"{ex.method} {ex.path}"):
                    fault.times -= 1
                    ex.injected = True
                    ex.response_headers.update(fault.headers)
                    return fault
        return None

    def _answer(self, ex: Exchange, status: int, payload: Any) -> None:
        state = self.server_state
        ex.status, ex.response = status, payload
        if any([hook(ex) == "drop" for hook in list(state.hooks)]) or state.down:
            ex.status = 0  # the answer is lost: the client sees the connection drop
            self.close_connection = True
            return
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "x-ratelimit-limit": str(state.rate_limit), "x-ratelimit-remaining": str(max(state.rate_remaining, 0)),
                   "x-ratelimit-reset": str(state.rate_reset), "x-ratelimit-resource": "core",
                   **ex.response_headers}
        if status == 401:
            headers["www-authenticate"] = 'Basic realm="GitHub"'
        ex.status, ex.response, ex.response_headers = status, payload, headers
        self._send(status, json.dumps(payload).encode(), list(headers.items()))

    # git over smart HTTP

    def _git(self, ex: Exchange, query: str, body: bytes) -> None:
        state = self.server_state
        found = re.match(r"^/([^/]+)/([^/]+)\.git(/.*)$", ex.path)
        repo = state.repos.get(f"{found.group(1)}/{found.group(2)}".lower()) if found else None
        if repo is None:
            ex.status = 404
            return self._send(404, b"Repository not found\n", [("Content-Type", "text/plain")])
        if not self._git_authorized(ex.headers):
            ex.status = 401
            return self._send(401, b"", [("WWW-Authenticate", 'Basic realm="GitHub"')])
        pushing = "git-receive-pack" in ex.path or "service=git-receive-pack" in query
        if pushing and (repo.archived or repo.permission not in WRITE):
            ex.status = 403
            return self._send(403, b"Permission denied\n", [("Content-Type", "text/plain")])
        path_info = f"/{repo.owner}/{repo.name}.git{found.group(3)}"
        status, headers, payload = gitstore.http_backend(state.git_root, ex.method, path_info, query, ex.headers,
                                                         body, "x-access-token")
        ex.status = status
        self._send(status, payload, headers)

    def _git_authorized(self, headers: dict[str, str]) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            _user, _, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return False
        return password == self.server_state.token


# --- REST operations (operations.py) ------------------------------------------------------------------------

_ROUTES = [
    ("GET", r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/actions/secrets", "secrets"),
    ("POST", r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/pulls", "create_pull"),
    ("PATCH", r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/pulls/(?P<number>\d+)", "update_pull"),
    ("POST", r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/issues/(?P<number>\d+)/labels", "labels"),
    ("POST", r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/pulls/(?P<number>\d+)/requested_reviewers", "reviewers"),
]


def _rest(state: GitHubServer, ex: Exchange) -> tuple[int, Any]:
    path = ex.path.removeprefix(openapi.API_PREFIX)
    for method, pattern, name in _ROUTES:
        found = re.fullmatch(pattern, path)
        if method == ex.method and found:
            repo = state.repos.get(f"{found['owner']}/{found['repo']}".lower())
            if repo is None:
                raise ApiError(404, "Not Found")
            with state.lock:
                return globals()[f"_op_{name}"](state, repo, ex, found.groupdict())
    raise ApiError(404, "Not Found")


def _writable(repo: Repo) -> None:
    if repo.archived:
        raise ApiError(403, "Repository was archived so is read-only.")
    if repo.permission not in WRITE:
        raise ApiError(403, "Resource not accessible by personal access token")


def _op_secrets(state: GitHubServer, repo: Repo, ex: Exchange, _: dict) -> tuple[int, Any]:
    if repo.secrets_forbidden or repo.permission != "admin":
        raise ApiError(403, "Resource not accessible by personal access token")
    secrets = [{"name": n, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
               for n in repo.secrets]
    return 200, {"total_count": len(secrets), "secrets": secrets}


def _op_create_pull(state: GitHubServer, repo: Repo, ex: Exchange, _: dict) -> tuple[int, Any]:
    _writable(repo)
    body = ex.body or {}
    heads = gitstore.branches(repo.bare)
    head, base = body.get("head", ""), body.get("base", "")
    if head.split(":")[-1] not in heads or base not in heads:
        raise ApiError(422, "Validation Failed", [{"resource": "PullRequest", "field": "head", "code": "invalid"}])
    head = head.split(":")[-1]
    if any(p.head == head and p.state == "open" for p in repo.pulls.values()):
        raise ApiError(422, "Validation Failed", [{"resource": "PullRequest", "code": "custom",
                                                    "message": f"A pull request already exists for {repo.owner}:{head}."}])
    pull = state.add_pull(repo.full_name, head, title=body.get("title", ""), body=body.get("body") or "")
    pull.base, pull.draft = base, bool(body.get("draft"))
    return 201, _pull_json(state, repo, pull, "pull-request")


def _op_update_pull(state: GitHubServer, repo: Repo, ex: Exchange, params: dict) -> tuple[int, Any]:
    _writable(repo)
    pull = repo.pulls.get(int(params["number"]))
    if pull is None:
        raise ApiError(404, "Not Found")
    body = ex.body or {}
    if body.get("state") == "open" and pull.state != "open":
        if pull.merged or pull.head not in gitstore.branches(repo.bare):
            raise ApiError(422, "Validation Failed", [{"resource": "PullRequest", "field": "state", "code": "invalid"}])
        pull.state = "open"
    pull.title = body.get("title", pull.title)
    pull.body = body.get("body", pull.body)
    return 200, _pull_json(state, repo, pull, "pull-request")


def _op_labels(state: GitHubServer, repo: Repo, ex: Exchange, params: dict) -> tuple[int, Any]:
    _writable(repo)
    pull = repo.pulls.get(int(params["number"]))
    if pull is None:
        raise ApiError(404, "Not Found")
    for label in (ex.body or {}).get("labels", []):
        name = label if isinstance(label, str) else label.get("name")
        if name not in pull.labels:
            pull.labels.append(name)
    schema = openapi.response_schema("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels", 200)
    return 200, openapi.synthesize(schema, [{"name": n, "id": i + 1} for i, n in enumerate(pull.labels)])


def _op_reviewers(state: GitHubServer, repo: Repo, ex: Exchange, params: dict) -> tuple[int, Any]:
    _writable(repo)
    pull = repo.pulls.get(int(params["number"]))
    if pull is None:
        raise ApiError(404, "Not Found")
    body = ex.body or {}
    pull.reviewers += [r for r in body.get("reviewers", []) if r not in pull.reviewers]
    pull.team_reviewers += [t for t in body.get("team_reviewers", []) if t not in pull.team_reviewers]
    return 201, _pull_json(state, repo, pull, "pull-request-simple")


def _pull_json(state: GitHubServer, repo: Repo, pull: Pull, schema_name: str) -> dict[str, Any]:
    heads = gitstore.branches(repo.bare)
    ref = {"ref": pull.head, "sha": heads.get(pull.head, "0" * 40), "label": f"{repo.owner}:{pull.head}"}
    base = {"ref": pull.base, "sha": heads.get(pull.base, "0" * 40), "label": f"{repo.owner}:{pull.base}"}
    override = {
        "number": pull.number, "state": pull.state, "title": pull.title, "body": pull.body, "draft": pull.draft,
        "html_url": f"{state.url}/{repo.full_name}/pull/{pull.number}",
        "url": f"{state.api_url}/repos/{repo.full_name}/pulls/{pull.number}",
        "merged_at": "2026-01-01T00:00:00Z" if pull.merged else None,
        "head": ref, "base": base,
        "labels": [{"name": n, "id": i + 1} for i, n in enumerate(pull.labels)],
        "requested_reviewers": [{"login": r} for r in pull.reviewers],
    }
    return openapi.synthesize({"$ref": f"#/components/schemas/{schema_name}"}, override)
