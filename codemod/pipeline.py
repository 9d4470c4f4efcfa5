"""One repository, end to end: preflight -> fetch -> migrate -> branch, commit, push -> pull request.

The forge, the engine and the git credentials are parameters (`Services`), so tests run the same flow with
a fake forge or engine. Each step either goes on or stops with an `Action` and a one-line message; nothing
here prints. Idempotent (SPEC "Pull requests"): an open pull request from a previous run is updated (its
branch only when every commit on it was made by the tool), a branch carrying someone else's commit is left
alone, a pull request closed without merge is skipped unless `reopen`, and the default branch is never
pushed to. A dry run goes through everything that only reads, and stops before anything remote changes.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from codemod import __version__, prbody
from codemod.config import RepoConfig
from codemod.diff import unified_diff
from codemod.github import AuthError, Forge, ForgeError, NewPull, Preflight, PullRequest
from codemod.gitrepo import TOOL_TRAILER, Checkout, GitAuth, GitError, Identity, RemoteBranch, sparse_patterns
from codemod.result import Outcome, RepoResult

log = logging.getLogger(__name__)

Engine = Callable[..., RepoResult]  # (root: Path, config: RepoConfig, *, default_branch: str) -> RepoResult


class Action(StrEnum):
    """What happened on the forge for one repository."""

    OPENED = "opened"  # a new pull request
    UPDATED = "updated"  # the open pull request's branch and/or description refreshed
    REOPENED = "reopened"  # a closed pull request reopened (--reopen)
    UNCHANGED = "unchanged"  # the open pull request already says exactly this
    DRY_RUN = "dry-run"  # would have done something; nothing remote changed
    NOTHING = "nothing"  # the migration has nothing to publish (already-migrated, not-applicable, unsupported...)
    SKIPPED = "skipped"  # left alone on purpose: archived, closed pull request, someone else's commits
    FAILED = "failed"  # could not finish: the message says why


@dataclass
class RepoRun:
    repo: str
    action: Action = Action.FAILED
    message: str = ""
    result: RepoResult | None = None
    pull: PullRequest | None = None
    diff: str = ""
    body: str = ""
    requests: int = 0
    commit: str | None = None  # the commit the tool's branch points at after the run (None: nothing pushed)
    warnings: list[str] = field(default_factory=list)
    clone: Path | None = None  # kept only with Options.keep_clone
    fatal: bool = False  # the token was rejected: every other repository would fail the same way

    @property
    def ok(self) -> bool:
        return self.action != Action.FAILED and (self.result is None or self.result.outcome.ok)


@dataclass(frozen=True)
class Options:
    dry_run: bool = False
    reopen: bool = False
    workdir: Path | None = None  # where clones are made (default: the system's temporary folder)
    keep_clone: bool = False


@dataclass(frozen=True)
class Services:
    forge: Forge
    engine: Engine
    auth: GitAuth


class _Stop(Exception):
    def __init__(self, action: Action, message: str):
        super().__init__(message)
        self.action = action
        self.message = message


def run_repository(name: str, config: RepoConfig, services: Services, options: Options = Options()) -> RepoRun:
    """Migrate one repository (`owner/name`) and open or update its pull request."""
    run = RepoRun(name)
    try:
        _run(run, config, services, options)
    except _Stop as stop:
        run.action, run.message = stop.action, stop.message
    except (ForgeError, GitError) as exc:
        run.action, run.message, run.fatal = Action.FAILED, str(exc), isinstance(exc, AuthError)
    finally:
        run.requests = services.forge.request_count(name)
    return run


def _run(run: RepoRun, config: RepoConfig, services: Services, options: Options) -> None:
    pre = services.forge.preflight(run.repo, config.pr.branch)
    branch = _check_preflight(pre, config, options, run)
    previous = _previous_pull(pre, options)
    with _workspace(run, options) as dest:
        checkout = Checkout.fetch(pre.repo.clone_url, dest, default_branch=branch,
                                  patterns=sparse_patterns(config), auth=services.auth)
        run.result = result = _migrate(services.engine, checkout.root, config, branch)
        _check_outcome(result)
        _render(run, result, pre, services.forge, config)
        remote = checkout.remote_branch(config.pr.branch)
        _check_branch(remote, config, previous)
        if options.dry_run:
            raise _Stop(Action.DRY_RUN, _would(previous, remote, config))
        _publish(run, checkout, remote, previous, config, services.forge)


def _check_preflight(pre: Preflight, config: RepoConfig, options: Options, run: RepoRun) -> str:
    info = pre.repo
    if info.archived:
        raise _Stop(Action.SKIPPED, f"{info.full_name} is archived: skipped")
    if info.default_branch is None:
        raise _Stop(Action.SKIPPED, f"{info.full_name} is empty (no default branch): skipped")
    if config.pr.branch == info.default_branch:
        raise _Stop(Action.FAILED, f"pr.branch is the default branch {info.default_branch}: the tool never pushes there")
    if info.can_push is False:
        message = f"no push permission on {info.full_name} (the token has {info.permission} access)"
        if not options.dry_run:
            raise _Stop(Action.FAILED, message)
        run.warnings.append(message + ": a real run would stop here")
    return info.default_branch


def _previous_pull(pre: Preflight, options: Options) -> PullRequest | None:
    """The tool's open pull request; a closed one stops the run unless `reopen`; merged ones are history."""
    open_pulls = [p for p in pre.pulls if p.state == "open"]
    if open_pulls:
        return open_pulls[0]
    closed = [p for p in pre.pulls if p.state == "closed"]
    if closed and not options.reopen:
        raise _Stop(Action.SKIPPED, f"pull request #{closed[0].number} was closed without merge: skipped "
                                    "(pass --reopen to reopen it)")
    return closed[0] if closed else None


@contextmanager
def _workspace(run: RepoRun, options: Options) -> Iterator[Path]:
    if options.workdir:
        options.workdir.mkdir(parents=True, exist_ok=True)
    parent = tempfile.mkdtemp(prefix="consolidate-ci-", dir=options.workdir)
    dest = Path(parent) / run.repo.replace("/", "__")
    try:
        yield dest
    finally:
        if options.keep_clone:
            run.clone = dest
        else:
            shutil.rmtree(parent, ignore_errors=True)


def _migrate(engine: Engine, root: Path, config: RepoConfig, branch: str) -> RepoResult:
    try:
        result = engine(root, config, default_branch=branch)
    except Exception as exc:  # the engine promises no exception; if one escapes, it is this repository's failure
        log.exception("the migration engine failed")
        raise _Stop(Action.FAILED, f"the migration failed unexpectedly: {type(exc).__name__}: {exc}") from None
    return result


def _check_outcome(result: RepoResult) -> None:
    """Only a migration with file changes goes on to the forge; the run keeps the result either way."""
    if result.outcome != Outcome.MIGRATED:
        reason = f": {result.reason}" if result.reason else ""
        raise _Stop(Action.NOTHING, f"{result.outcome}{reason}")
    if not result.changes:
        raise _Stop(Action.NOTHING, "migrated, but with no file change")


def _render(run: RepoRun, result: RepoResult, pre: Preflight, forge: Forge, config: RepoConfig) -> None:
    summary = result.summary
    secrets = forge.secret_names(run.repo) if summary and summary.secrets else None
    facts = prbody.ForgeFacts(
        required_checks=pre.required_checks if pre.checks_known else None,
        secret_names=secrets,
        default_branch=pre.repo.default_branch,
    )
    run.body = prbody.render(result, facts, title=config.pr.title)
    run.diff = unified_diff(result.changes)


def _check_branch(remote: RemoteBranch | None, config: RepoConfig, previous: PullRequest | None) -> None:
    if remote is None:
        return
    foreign = remote.foreign(Identity.from_config(config))
    if foreign:
        first = foreign[0]
        where = f" (pull request #{previous.number})" if previous else ""
        raise _Stop(Action.SKIPPED, f"branch {remote.name}{where} has {len(foreign)} commit(s) not made by "
                                    f"consolidate-ci ({first.sha[:10]} by {first.author_name} <{first.author_email}>): "
                                    "left alone")


def _would(previous: PullRequest | None, remote: RemoteBranch | None, config: RepoConfig) -> str:
    if previous and previous.state == "open":
        return f"would update pull request #{previous.number} ({config.pr.branch})"
    if previous:
        return f"would reopen pull request #{previous.number} ({config.pr.branch})"
    again = " (replacing the tool's own commits there)" if remote else ""
    return f"would push {config.pr.branch}{again} and open a pull request"


def _publish(run: RepoRun, checkout: Checkout, remote: RemoteBranch | None, previous: PullRequest | None,
             config: RepoConfig, forge: Forge) -> None:
    assert run.result is not None
    sha = checkout.commit(config.pr.branch, run.result.changes, commit_message(run.result, config),
                          Identity.from_config(config))
    pushed = remote is None or not checkout.same_content(remote, sha)
    if pushed:
        checkout.push(sha, config.pr.branch, expect=remote.tip if remote else None)
    run.commit = sha if pushed or remote is None else remote.tip
    if previous is None:
        _open(run, config, forge)
    elif previous.state == "open":
        _refresh(run, previous, config, forge, pushed)
    else:
        run.pull = forge.update_pull(run.repo, previous.number, title=config.pr.title, body=run.body, reopen=True)
        run.action, run.message = Action.REOPENED, f"reopened pull request #{previous.number}: {run.pull.url}"


def _open(run: RepoRun, config: RepoConfig, forge: Forge) -> None:
    pr = config.pr
    new = NewPull(title=pr.title, body=run.body, head=pr.branch, base=_base(run), draft=pr.draft)
    run.pull = pull = forge.create_pull(run.repo, new)
    for verb, values, what in ((forge.add_labels, list(pr.labels), "labels"),
                               (forge.request_reviewers, list(pr.reviewers), "reviewers")):
        if not values:
            continue
        try:
            verb(run.repo, pull.number, values)
        except ForgeError as exc:
            run.warnings.append(f"pull request #{pull.number} opened, but its {what} were not set: {exc}")
    if pr.draft and not pull.draft:
        run.warnings.append("draft pull requests are not available in this repository: opened a ready one")
    run.action, run.message = Action.OPENED, f"opened pull request #{pull.number}: {pull.url}"


def _base(run: RepoRun) -> str:
    assert run.result is not None and run.result.summary is not None
    return run.result.summary.default_branch


def _refresh(run: RepoRun, previous: PullRequest, config: RepoConfig, forge: Forge, pushed: bool) -> None:
    changed = _normal(previous.body) != _normal(run.body) or previous.title != config.pr.title
    run.pull = previous
    if changed:
        run.pull = forge.update_pull(run.repo, previous.number, title=config.pr.title, body=run.body)
    if pushed or changed:
        what = " and ".join(w for w, done in (("branch", pushed), ("description", changed)) if done)
        run.action, run.message = Action.UPDATED, f"updated the {what} of pull request #{previous.number}: {previous.url}"
    else:
        run.action, run.message = Action.UNCHANGED, f"pull request #{previous.number} is up to date: {previous.url}"


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def commit_message(result: RepoResult, config: RepoConfig) -> str:
    """The one commit's message: what changed and why, then the trailer that marks the tool's commits."""
    s = result.summary
    lines = [config.pr.title, ""]
    if s is not None:
        group = ", ".join(s.publish_group)
        gates = ", ".join(s.gates)
        branches = ", ".join(s.release_branches) or s.default_branch
        lines.append(f"Fold {s.post_path} (run after CI through workflow_run) into {s.ci_path}: on a push to "
                     f"{branches}, production publishing ({group}) now runs only after {gates} passed, so nothing "
                     "reaches production untested and releases no longer wait for a second workflow.")
        if s.old_cleanup and s.final_cleanup and s.old_cleanup != s.final_cleanup:
            lines.append(f"{s.old_cleanup} became {s.final_cleanup}: it keeps staging for debugging when the publish fails.")
        lines.append(f"{s.post_path} is deleted.")
    lines += ["", "Files:", *[f"  {c.kind}: {c.path}" for c in result.changes], "",
              f"{TOOL_TRAILER} {__version__}"]
    return "\n".join(lines) + "\n"
