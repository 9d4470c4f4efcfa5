"""The forge edge: GitHub (github.com or Enterprise Server) behind a small interface of verbs.

Everything that talks to GitHub's API lives here. It goes through PyGithub's `Requester` (authentication,
base URL, GHES paths, JSON), with our own retry policy and a request counter per repository. What leaves
this module is plain data (`RepoInfo`, `Preflight`, `PullRequest`) and `ForgeError`s with one-line
messages: no PyGithub object leaks, so tests fake the `Forge` protocol or run against the local server.

Requests per repository: one GraphQL query for the preflight (repository, permission, default branch, its
required status checks from branch protection and rulesets, pull requests from the tool's branch); the
secret names (REST) only when the migration uses secrets; then creating or updating the pull request,
its labels and its reviewers (REST).

For batches: `list_repositories` lists an organisation with one GraphQL query per 100 repositories (per 50
when it also reads their workflow folders), and `read_workflows` reads the workflow folders of up to 50
repositories in one GraphQL query (an aliased `repository` per repository, `object(expression:
"HEAD:<folder>")` with each entry's blob text), so an audit never clones. The forge is safe to share between threads: each thread gets its own PyGithub
requester (PyGithub's connection object is not thread-safe), counters are locked, and an optional shared
`pacer` spaces writes across all threads and pauses every thread on a rate limit (see `Pacing`).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlparse

import requests
from github import Auth, Github, GithubException

from codemod import __version__

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
USER_AGENT = f"consolidate-ci/{__version__}"


# --- forge-neutral data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepoInfo:
    full_name: str
    default_branch: str | None  # None for an empty repository
    archived: bool
    can_push: bool | None  # None = the forge did not say
    permission: str | None  # "admin", "maintain", "write", "triage", "read" (lower case), None = unknown
    clone_url: str
    html_url: str


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    state: str  # "open", "closed" (without merge) or "merged"
    draft: bool
    title: str
    body: str
    head_branch: str


@dataclass(frozen=True)
class Preflight:
    repo: RepoInfo
    required_checks: tuple[str, ...]  # status checks required on the default branch (protection + rulesets)
    checks_known: bool  # False when the token could not read them
    pulls: tuple[PullRequest, ...]  # pull requests from the tool's branch in this repository, newest first


@dataclass(frozen=True)
class NewPull:
    title: str
    body: str
    head: str
    base: str
    draft: bool = False


@dataclass(frozen=True)
class WorkflowRead:
    """What a batched read found in one repository's default branch: the blobs of the folders asked for."""

    repo: str
    found: bool = True
    error: str | None = None  # the repository could not be read (not found, not visible...)
    archived: bool = False
    fork: bool = False
    default_branch: str | None = None
    texts: dict[str, str] = field(default_factory=dict)  # path -> text, for every readable blob
    unreadable: dict[str, str] = field(default_factory=dict)  # path -> why (binary, truncated)
    symlinks: tuple[str, ...] = ()
    dirs: tuple[str, ...] = ()  # the folders that were read


@dataclass(frozen=True)
class RepoListing:
    """One repository of an organisation's listing (with its workflow folders when they were asked for)."""

    full_name: str
    archived: bool
    fork: bool
    default_branch: str | None  # None for an empty repository
    topics: tuple[str, ...] = ()
    read: WorkflowRead | None = None


class Forge(Protocol):
    """The verbs the pipeline needs from a forge."""

    def preflight(self, repo: str, head_branch: str) -> Preflight: ...

    def secret_names(self, repo: str) -> frozenset[str] | None: ...

    def create_pull(self, repo: str, pull: NewPull) -> PullRequest: ...

    def update_pull(self, repo: str, number: int, *, title: str, body: str, reopen: bool = False) -> PullRequest: ...

    def add_labels(self, repo: str, number: int, labels: list[str]) -> None: ...

    def request_reviewers(self, repo: str, number: int, reviewers: list[str]) -> None: ...

    def request_count(self, repo: str) -> int: ...

    def list_repositories(self, owner: str, dirs: tuple[str, ...] = ()) -> list[RepoListing]: ...

    def read_workflows(self, repos: list[tuple[str, tuple[str, ...]]]) -> dict[str, WorkflowRead]: ...

    def total_requests(self) -> int: ...


class Pacing(Protocol):
    """Shared by every thread of a batch: spaces content-creating requests and pauses on rate limits."""

    def before_request(self, *, write: bool) -> None: ...

    def pause_until(self, when: float, reason: str) -> None: ...


# --- errors ---------------------------------------------------------------------------------------------


class ForgeError(Exception):
    """A one-line, user-facing reason why a forge call failed."""


class AuthError(ForgeError):
    """No token, or GitHub rejected it."""


class NotFound(ForgeError):
    pass


class RateLimited(ForgeError):
    """The primary rate limit is exhausted and we were not asked to wait."""


class Unavailable(ForgeError):
    """5xx or secondary rate limits persisted through every retry."""


# --- where GitHub is, and the token ---------------------------------------------------------------------


def resolve_api_url(github_url: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The REST base URL: `--github-url`, else GITHUB_API_URL, else GH_HOST, else api.github.com.

    A GitHub Enterprise Server host (`https://ghe.example.com` or just the host name) gets `/api/v3`.
    """
    env = os.environ if env is None else env
    url = github_url or env.get("GITHUB_API_URL") or env.get("GH_HOST") or ""
    if not url:
        return DEFAULT_API_URL
    if "://" not in url:
        url = "https://" + url
    parsed = urlparse(url)
    if parsed.hostname in ("github.com", "api.github.com", "www.github.com"):
        return DEFAULT_API_URL
    path = parsed.path.rstrip("/")
    if not path.endswith("/api/v3"):
        path = path.removesuffix("/api") + "/api/v3"
    return f"{parsed.scheme}://{parsed.netloc}{path}"


def web_host(api_url: str) -> str:
    host = urlparse(api_url).hostname or "github.com"
    return "github.com" if host == "api.github.com" else host


def resolve_token(
    api_url: str,
    env: Mapping[str, str] | None = None,
    *,
    which: Callable[[str], str | None] = shutil.which,
    run: Callable[..., Any] = subprocess.run,
) -> str:
    """GH_TOKEN, else GITHUB_TOKEN (GH_ENTERPRISE_TOKEN first on GHES), else `gh auth token`."""
    env = os.environ if env is None else env
    host = web_host(api_url)
    names = ["GH_TOKEN", "GITHUB_TOKEN"]
    if host != "github.com":
        names = ["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", *names]
    for name in names:
        if env.get(name, "").strip():
            return env[name].strip()
    token = _gh_cli_token(host, which, run)
    if token:
        return token
    raise AuthError(
        f"no GitHub token for {host}: set GH_TOKEN or GITHUB_TOKEN, or log in with `gh auth login --hostname {host}`"
    )


def _gh_cli_token(host: str, which: Callable[[str], str | None], run: Callable[..., Any]) -> str | None:
    gh = which("gh")
    if not gh:
        return None
    try:
        proc = run([gh, "auth", "token", "--hostname", host], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    token = (proc.stdout or "").strip()
    return token if proc.returncode == 0 and token else None


# --- retries ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How long to insist. Tests pass tiny waits and a fake `sleep`."""

    attempts: int = 5  # tries for 5xx and secondary rate limits
    backoff: float = 2.0  # first wait for 5xx, doubled on each try
    secondary_wait: float = 60.0  # wait for a secondary limit that names no time (GitHub's advice)
    max_wait: float = 300.0  # a single wait longer than this gives up instead
    wait_for_reset: bool = False  # primary limit exhausted: wait until it resets (--wait-rate-limit)
    max_reset_wait: float = 3700.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class _Failure:
    kind: str  # "auth", "primary", "secondary", "server", "other"
    status: int
    message: str
    wait: float = 0.0


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def _error_message(data: Any) -> str:
    if not isinstance(data, dict):
        return str(data or "")[:200]
    details = [str(e.get("message") or e.get("code") or e) for e in data.get("errors") or [] if isinstance(e, dict)]
    message = str(data.get("message") or "")
    return ": ".join(p for p in (message, "; ".join(details)) if p)[:300]


def classify(status: int, headers: Mapping[str, Any] | None, data: Any, policy: RetryPolicy, attempt: int) -> _Failure:
    """What a failed response means for retrying: see GitHub's "rate limits" documentation."""
    message = _error_message(data)
    if status == 401:
        return _Failure("auth", status, message)
    if status >= 500:
        return _Failure("server", status, message, policy.backoff * 2 ** (attempt - 1))
    if status not in (403, 429):
        return _Failure("other", status, message)
    retry_after = _header(headers, "retry-after")
    reset = _header(headers, "x-ratelimit-reset")
    until_reset = max(0.0, float(reset) - policy.clock()) + 1 if reset and reset.isdigit() else 0.0
    secondary = status == 429 or any(w in message.lower() for w in ("secondary rate limit", "abuse"))
    exhausted = _header(headers, "x-ratelimit-remaining") == "0"
    if retry_after and retry_after.isdigit():
        return _Failure("secondary", status, message, float(retry_after))
    if exhausted:
        return _Failure("secondary" if secondary else "primary", status, message, until_reset)
    if secondary:
        return _Failure("secondary", status, message, policy.secondary_wait * 2 ** (attempt - 1))
    return _Failure("other", status, message)


def _split(repo: str) -> tuple[str, str]:
    owner, _, name = repo.partition("/")
    if not owner or not name or "/" in name:
        raise ForgeError(f"not a repository name: {repo!r} (expected OWNER/NAME)")
    return owner, name


# --- the GitHub implementation ----------------------------------------------------------------------------

PREFLIGHT_QUERY = """\
query ConsolidateCiPreflight($owner: String!, $name: String!, $head: String!) {
  repository(owner: $owner, name: $name) {
    nameWithOwner
    url
    isArchived
    viewerPermission
    defaultBranchRef {
      name
      refUpdateRule {
        requiredStatusCheckContexts
      }
      rules(first: 100) {
        nodes {
          type
          parameters {
            __typename
            ... on RequiredStatusChecksParameters {
              requiredStatusChecks {
                context
              }
            }
          }
        }
      }
    }
    pullRequests(headRefName: $head, first: 20, orderBy: {field: CREATED_AT, direction: DESC}) {
      nodes {
        number
        url
        state
        isDraft
        title
        body
        headRefName
        isCrossRepository
      }
    }
  }
}
"""

LIST_PAGE, LIST_READ_PAGE = 100, 50  # repositories per listing request (with their workflow folders: 50)


def list_query(dirs: tuple[str, ...] = ()) -> str:
    """One page of an organisation's repositories; with `dirs`, each repository's folders too (variables e0...),
    so that an audit of an organisation costs one request per 50 repositories, listing included."""
    params = "".join(f", $e{j}: String!" for j in range(len(dirs)))
    folders = "".join(f"        d{j}: object(expression: $e{j}) {{\n          ...ConsolidateCiFolder\n        }}\n"
                      for j in range(len(dirs)))
    first = LIST_READ_PAGE if dirs else LIST_PAGE
    query = f"""\
query ConsolidateCiRepositories($login: String!, $after: String{params}) {{
  organization(login: $login) {{
    repositories(first: {first}, after: $after, orderBy: {{field: NAME, direction: ASC}}) {{
      pageInfo {{
        hasNextPage
        endCursor
      }}
      nodes {{
        nameWithOwner
        isArchived
        isFork
        defaultBranchRef {{
          name
        }}
        repositoryTopics(first: 20) {{
          nodes {{
            topic {{
              name
            }}
          }}
        }}
{folders}      }}
    }}
  }}
}}
"""
    return query + ("\n" + READ_FRAGMENT if dirs else "")


READ_FRAGMENT = """\
fragment ConsolidateCiFolder on GitObject {
  __typename
  oid
  ... on Tree {
    entries {
      name
      type
      mode
      object {
        __typename
        ... on Blob {
          byteSize
          isBinary
          isTruncated
          text
        }
      }
    }
  }
}
"""

READ_BATCH = 50  # repositories per read query (and per listing page with reads): ≤ 1 request per 25


def read_query(repos: list[tuple[str, tuple[str, ...]]]) -> tuple[str, dict[str, str]]:
    """One GraphQL query reading the folders `dirs` of each (`owner/name`, dirs), with aliases r0, r1...

    Names and expressions travel as variables, so no repository name is ever spliced into the text."""
    params: list[str] = []
    fields: list[str] = []
    variables: dict[str, str] = {}
    for i, (repo, dirs) in enumerate(repos):
        owner, name = _split(repo)
        variables[f"o{i}"], variables[f"n{i}"] = owner, name
        params += [f"$o{i}: String!", f"$n{i}: String!"]
        folders = []
        for j, folder in enumerate(dirs):
            variables[f"e{i}_{j}"] = f"HEAD:{folder}"
            params.append(f"$e{i}_{j}: String!")
            folders.append(f"    d{j}: object(expression: $e{i}_{j}) {{\n      ...ConsolidateCiFolder\n    }}\n")
        fields.append(f"  r{i}: repository(owner: $o{i}, name: $n{i}) {{\n    nameWithOwner\n    isArchived\n"
                      f"    isFork\n    defaultBranchRef {{\n      name\n    }}\n{''.join(folders)}  }}\n")
    query = f"query ConsolidateCiRead({', '.join(params)}) {{\n{''.join(fields)}}}\n\n{READ_FRAGMENT}"
    return query, variables


READ_QUERY = read_query([("owner/name", (".github/workflows",))])[0]  # the shape of every read query
LIST_QUERY = list_query()

# every GraphQL document the product sends (read queries are READ_QUERY's shape with more aliases)
GRAPHQL_DOCUMENTS = {"preflight": PREFLIGHT_QUERY, "repositories": LIST_QUERY,
                     "repositories-and-workflows": list_query((".github/workflows",)), "read": READ_QUERY}

_PUSH_PERMISSIONS = {"admin", "maintain", "write"}


@dataclass
class GitHubForge:
    """`Forge` on GitHub's API, safe to share between threads.

    Without a `pacer`, `throttle` spaces requests as PyGithub does (per thread). With a `pacer` (a batch),
    PyGithub's pacing is off and the pacer spaces writes across all threads; a rate limit pauses them all.
    """

    api_url: str
    token: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: int = 30
    throttle: bool = True
    pacer: Pacing | None = None
    _counts: Counter = field(default_factory=Counter, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)

    @property
    def _requester(self) -> Any:
        """This thread's PyGithub requester: PyGithub's connection object must not be shared between threads."""
        requester = getattr(self._local, "requester", None)
        if requester is None:
            paced = self.throttle and self.pacer is None
            gh = Github(
                auth=Auth.Token(self.token),
                base_url=self.api_url,
                timeout=self.timeout,
                user_agent=USER_AGENT,
                retry=None,
                seconds_between_requests=0.25 if paced else None,
                seconds_between_writes=1.0 if paced else None,
            )
            requester = self._local.requester = gh.requester
        return requester

    # counting and retrying

    def request_count(self, repo: str) -> int:
        with self._lock:
            return self._counts[repo.lower()]

    def total_requests(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def _count(self, repo: str) -> None:
        with self._lock:
            self._counts[repo.lower()] += 1

    def _call(self, repo: str, verb: str, url: str, *, params: dict | None = None, body: Any = None) -> Any:
        attempt = 0
        write = verb != "GET" and url != self._requester.graphql_url
        while True:
            attempt += 1
            if self.pacer is not None:
                self.pacer.before_request(write=write)
            self._count(repo)
            try:
                headers, data = self._requester.requestJsonAndCheck(verb, url, parameters=params, input=body)
                failure = _graphql_rate_limited(headers, data, self.policy)
                if failure is None:
                    self._observe(headers)
                    return data
            except GithubException as exc:
                failure = classify(exc.status, exc.headers, exc.data, self.policy, attempt)
            except requests.RequestException as exc:
                failure = _Failure("server", 0, type(exc).__name__, self.policy.backoff * 2 ** (attempt - 1))
            self._wait_or_raise(repo, verb, url, failure, attempt)

    def _observe(self, headers: Mapping[str, Any]) -> None:
        """The last request spent the primary limit: pause every thread until it resets (when waiting is on)."""
        if self.pacer is None or not self.policy.wait_for_reset or _header(headers, "x-ratelimit-remaining") != "0":
            return
        reset = _header(headers, "x-ratelimit-reset")
        if reset and reset.isdigit() and float(reset) - self.policy.clock() <= self.policy.max_reset_wait:
            self.pacer.pause_until(float(reset) + 1, "the API rate limit is spent; waiting for its reset")

    def _pause(self, seconds: float, reason: str) -> None:
        """This thread sleeps; with a pacer, every other thread waits for the same moment before its next request."""
        if self.pacer is not None:
            self.pacer.pause_until(self.policy.clock() + seconds, reason)
        self.policy.sleep(seconds)

    def _wait_or_raise(self, repo: str, verb: str, url: str, failure: _Failure, attempt: int) -> None:
        what = f"{verb} {_short(url)}"
        if failure.kind == "auth":
            raise AuthError(f"GitHub rejected the token (401 {failure.message or 'Bad credentials'}) on {what}")
        if failure.kind == "primary":
            if self.policy.wait_for_reset and failure.wait <= self.policy.max_reset_wait:
                log.warning("%s: primary rate limit exhausted; waiting %.0f s for the reset", repo, failure.wait)
                self._pause(failure.wait, "primary rate limit exhausted")
                return
            raise RateLimited(
                f"GitHub API rate limit exhausted ({what}); it resets in {failure.wait:.0f} s: "
                "stopped this repository (pass --wait-rate-limit to wait for the reset)"
            )
        if failure.kind == "other":
            raise _other_error(failure, what)
        label = "a secondary rate limit" if failure.kind == "secondary" else _status_text(failure)
        if attempt >= self.policy.attempts or failure.wait > self.policy.max_wait:
            raise Unavailable(f"{what}: GitHub answered with {label} {attempt} time(s); gave up")
        log.warning("%s: %s on %s; retrying in %.1f s (try %d of %d)", repo, label, what, failure.wait,
                    attempt + 1, self.policy.attempts)
        if failure.kind == "secondary":
            self._pause(failure.wait, "secondary rate limit")  # GitHub's limit is per user: every thread waits
        else:
            self.policy.sleep(failure.wait)

    # verbs

    def preflight(self, repo: str, head_branch: str) -> Preflight:
        owner, name = _split(repo)
        variables = {"owner": owner, "name": name, "head": head_branch}
        data = self._call(repo, "POST", self._requester.graphql_url,
                          body={"query": PREFLIGHT_QUERY, "variables": variables})
        return parse_preflight(repo, data, self.api_url)

    def secret_names(self, repo: str) -> frozenset[str] | None:
        names: set[str] = set()
        page = 1
        while True:
            try:
                data = self._call(repo, "GET", f"/repos/{repo}/actions/secrets", params={"per_page": 100, "page": page})
            except ForgeError as exc:
                if isinstance(exc, RateLimited | AuthError | Unavailable):
                    raise
                log.info("%s: secret names unknown (%s)", repo, exc)
                return None
            names.update(s["name"] for s in data.get("secrets", []))
            if len(names) >= data.get("total_count", 0) or not data.get("secrets"):
                return frozenset(names)
            page += 1

    def create_pull(self, repo: str, pull: NewPull) -> PullRequest:
        body = {"title": pull.title, "head": pull.head, "base": pull.base, "body": pull.body,
                "draft": pull.draft, "maintainer_can_modify": True}
        try:
            data = self._call(repo, "POST", f"/repos/{repo}/pulls", body=body)
        except ForgeError as exc:
            if "already exists" in str(exc):  # an earlier try went through but its answer was lost
                return self._existing_pull(repo, pull.head, exc)
            if not (pull.draft and "draft" in str(exc).lower()):
                raise
            log.warning("%s: draft pull requests are not available here; opening a ready one", repo)
            data = self._call(repo, "POST", f"/repos/{repo}/pulls", body={**body, "draft": False})
        return parse_rest_pull(data)

    def _existing_pull(self, repo: str, head: str, error: ForgeError) -> PullRequest:
        found = [p for p in self.preflight(repo, head).pulls if p.state == "open"]
        if not found:
            raise error
        return found[0]

    def update_pull(self, repo: str, number: int, *, title: str, body: str, reopen: bool = False) -> PullRequest:
        payload: dict[str, Any] = {"title": title, "body": body}
        if reopen:
            payload["state"] = "open"
        return parse_rest_pull(self._call(repo, "PATCH", f"/repos/{repo}/pulls/{number}", body=payload))

    def add_labels(self, repo: str, number: int, labels: list[str]) -> None:
        if labels:
            self._call(repo, "POST", f"/repos/{repo}/issues/{number}/labels", body={"labels": list(labels)})

    def request_reviewers(self, repo: str, number: int, reviewers: list[str]) -> None:
        users = [r for r in reviewers if "/" not in r]
        teams = [r.split("/", 1)[1] for r in reviewers if "/" in r]
        if users or teams:
            self._call(repo, "POST", f"/repos/{repo}/pulls/{number}/requested_reviewers",
                       body={"reviewers": users, "team_reviewers": teams})


    def list_repositories(self, owner: str, dirs: tuple[str, ...] = ()) -> list[RepoListing]:
        """Every repository of the organisation `owner` (counted under `owner`): 100 per request, or 50 with
        the blobs of the folders `dirs` of each (as `RepoListing.read`)."""
        found: list[RepoListing] = []
        after: str | None = None
        query = list_query(dirs)
        expressions = {f"e{j}": f"HEAD:{folder}" for j, folder in enumerate(dirs)}
        while True:
            data = self._call(owner, "POST", self._requester.graphql_url,
                              body={"query": query, "variables": {"login": owner, "after": after, **expressions}})
            page, after = parse_repositories(owner, data, dirs)
            found.extend(page)
            if after is None:
                return found

    def read_workflows(self, repos: list[tuple[str, tuple[str, ...]]]) -> dict[str, WorkflowRead]:
        """The blobs of the folders asked for, per repository, in one request (counted under `*read`).

        A repository that cannot be read gets a `WorkflowRead` with `error`; a failure of the whole query
        raises `ForgeError` (the caller may split the batch and try again)."""
        query, variables = read_query(repos)
        data = self._call("*read", "POST", self._requester.graphql_url, body={"query": query, "variables": variables})
        return parse_read(repos, data)

def _graphql_rate_limited(headers: Mapping[str, Any], data: Any, policy: RetryPolicy) -> _Failure | None:
    """GraphQL can answer 200 with a RATE_LIMITED error: the primary limit, as far as waiting goes."""
    errors = data.get("errors") if isinstance(data, dict) else None
    limited = [e for e in errors or [] if isinstance(e, dict) and e.get("type") == "RATE_LIMITED"]
    if not limited:
        return None
    reset = _header(headers, "x-ratelimit-reset")
    wait = max(0.0, float(reset) - policy.clock()) + 1 if reset and reset.isdigit() else 60.0
    return _Failure("primary", 200, str(limited[0].get("message", "RATE_LIMITED")), wait)


def _short(url: str) -> str:
    path = urlparse(url).path
    return path.removeprefix("/api/v3") or url


def _status_text(failure: _Failure) -> str:
    return f"{failure.status} {failure.message}".strip() if failure.status else f"a connection error ({failure.message})"


def _other_error(failure: _Failure, what: str) -> ForgeError:
    if failure.status == 404:
        return NotFound(f"{what}: not found (404), or not visible to this token")
    return ForgeError(f"{what}: GitHub answered {failure.status} {failure.message}".rstrip())


# --- parsing responses into plain data ----------------------------------------------------------------------


def parse_rest_pull(data: dict[str, Any]) -> PullRequest:
    state = "merged" if data.get("merged_at") else data["state"]
    return PullRequest(
        number=data["number"],
        url=data["html_url"],
        state=state,
        draft=bool(data.get("draft")),
        title=data.get("title") or "",
        body=data.get("body") or "",
        head_branch=data["head"]["ref"],
    )


def _graphql_errors(repo: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    errors = data.get("errors") or []
    for error in errors:
        if error.get("type") == "RATE_LIMITED":
            raise RateLimited(f"GitHub GraphQL rate limit exhausted for {repo}: stopped this repository "
                              "(pass --wait-rate-limit to wait for the reset)")
    if (data.get("data") or {}).get("repository") is None:
        if any(e.get("type") == "NOT_FOUND" for e in errors) or not errors:
            raise NotFound(f"repository {repo} not found, or not visible to this token")
        raise ForgeError(f"GitHub could not read {repo}: {_error_message(data)}")
    return errors


def parse_preflight(repo: str, data: dict[str, Any], api_url: str) -> Preflight:
    errors = _graphql_errors(repo, data)
    node = data["data"]["repository"]
    permission = (node.get("viewerPermission") or "").lower() or None
    branch = node.get("defaultBranchRef") or None
    info = RepoInfo(
        full_name=node["nameWithOwner"],
        default_branch=branch["name"] if branch else None,
        archived=bool(node["isArchived"]),
        can_push=None if permission is None else permission in _PUSH_PERMISSIONS,
        permission=permission,
        clone_url=node["url"] + ".git",
        html_url=node["url"],
    )
    checks, known = _required_checks(branch, errors)
    pulls = tuple(_graphql_pull(p) for p in node["pullRequests"]["nodes"] if p and not p["isCrossRepository"])
    return Preflight(repo=info, required_checks=checks, checks_known=known, pulls=pulls)


def _required_checks(branch: dict[str, Any] | None, errors: list[dict[str, Any]]) -> tuple[tuple[str, ...], bool]:
    if branch is None:
        return (), True
    known = not any("defaultBranchRef" in (e.get("path") or []) for e in errors)
    found: list[str] = []
    rule = branch.get("refUpdateRule") or {}
    found.extend(c for c in rule.get("requiredStatusCheckContexts") or [] if c)
    for node in (branch.get("rules") or {}).get("nodes") or []:
        params = (node or {}).get("parameters") or {}
        found.extend(c["context"] for c in params.get("requiredStatusChecks") or [])
    return tuple(dict.fromkeys(found)), known


def _graphql_pull(node: dict[str, Any]) -> PullRequest:
    return PullRequest(
        number=node["number"],
        url=node["url"],
        state=node["state"].lower(),
        draft=bool(node["isDraft"]),
        title=node["title"],
        body=node["body"],
        head_branch=node["headRefName"],
    )


def parse_repositories(owner: str, data: dict[str, Any], dirs: tuple[str, ...] = ()
                       ) -> tuple[list[RepoListing], str | None]:
    """One page of an organisation's repositories, and the cursor of the next page (None: the last one)."""
    errors = data.get("errors") or []
    org = (data.get("data") or {}).get("organization")
    if org is None:
        if any(e.get("type") == "NOT_FOUND" for e in errors) or not errors:
            raise NotFound(f"organization {owner} not found, or not visible to this token")
        raise ForgeError(f"GitHub could not list the repositories of {owner}: {_error_message(data)}")
    connection = org["repositories"]
    page = []
    for node in connection["nodes"] or []:
        if not node:
            continue
        branch = node.get("defaultBranchRef") or None
        topics = tuple(t["topic"]["name"] for t in (node.get("repositoryTopics") or {}).get("nodes") or [] if t)
        read = _workflow_read(node["nameWithOwner"], dirs, node) if dirs else None
        page.append(RepoListing(node["nameWithOwner"], bool(node["isArchived"]), bool(node["isFork"]),
                                branch["name"] if branch else None, topics, read))
    info = connection["pageInfo"]
    return page, (info["endCursor"] if info["hasNextPage"] else None)


SYMLINK_MODE = 0o120000


def parse_read(repos: list[tuple[str, tuple[str, ...]]], data: dict[str, Any]) -> dict[str, WorkflowRead]:
    root = data.get("data")
    if not isinstance(root, dict):
        raise ForgeError(f"GitHub could not answer the read query: {_error_message(data) or 'no data'}")
    errors: dict[str, dict[str, Any]] = {}
    for error in data.get("errors") or []:
        path = error.get("path") or []
        if path:
            errors.setdefault(str(path[0]), error)
    out = {}
    for i, (repo, dirs) in enumerate(repos):
        node, error = root.get(f"r{i}"), errors.get(f"r{i}")
        if node is None:
            why = "not found, or not visible to this token" if not error or error.get("type") == "NOT_FOUND" \
                else f"could not be read: {error.get('message')}"
            out[repo] = WorkflowRead(repo, found=False, error=f"repository {repo} {why}")
        elif error is not None:
            out[repo] = WorkflowRead(repo, found=False, error=f"could not read {repo}: {error.get('message')}")
        else:
            out[repo] = _workflow_read(repo, dirs, node)
    return out


def _workflow_read(repo: str, dirs: tuple[str, ...], node: dict[str, Any]) -> WorkflowRead:
    texts: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    symlinks: list[str] = []
    for j, folder in enumerate(dirs):
        tree = node.get(f"d{j}") or {}
        for entry in tree.get("entries") or [] if tree.get("__typename") == "Tree" else []:
            path = f"{folder}/{entry['name']}" if folder else entry["name"]
            blob = entry.get("object") or {}
            if entry["type"] != "blob":
                continue
            if entry["mode"] == SYMLINK_MODE:
                symlinks.append(path)
            elif blob.get("isTruncated"):
                unreadable[path] = f"too large to read through the API ({blob.get('byteSize')} bytes)"
            elif blob.get("isBinary") or blob.get("text") is None:
                unreadable[path] = "not UTF-8 text (GitHub reads it as binary)"
            else:
                texts[path] = blob["text"]
    branch = node.get("defaultBranchRef") or None
    return WorkflowRead(repo, archived=bool(node["isArchived"]), fork=bool(node["isFork"]),
                        default_branch=branch["name"] if branch else None, texts=texts, unreadable=unreadable,
                        symlinks=tuple(symlinks), dirs=tuple(dirs))
