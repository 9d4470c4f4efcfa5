"""codemod.pipeline with a fake forge (in memory) and real git (file:// bare repositories): every way one
repository can end, as a table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from github_server import gitstore
from github_server.testing import fake_engine_for_e2e, seed_files

from codemod.config import Pr, RepoConfig
from codemod.github import ForgeError, NewPull, Preflight, PullRequest, RepoInfo
from codemod.gitrepo import TOOL_TRAILER, GitAuth
from codemod.pipeline import Action, Options, Services, commit_message, run_repository
from codemod.result import Outcome, RepoResult

REPO = "acme/app"
BRANCH = "consolidate-ci/publish-production"
CONFIG = RepoConfig(pr=Pr(labels=("ci",), reviewers=("alice",)))
TOOL = (CONFIG.pr.author_name, CONFIG.pr.author_email)


@dataclasses.dataclass
class FakeForge:
    """The `Forge` verbs over a dict; records the calls."""

    clone_url: str
    archived: bool = False
    permission: str = "admin"
    pulls: list[PullRequest] = dataclasses.field(default_factory=list)
    calls: list[str] = dataclasses.field(default_factory=list)
    fail_labels: bool = False

    def preflight(self, repo: str, head_branch: str) -> Preflight:
        self.calls.append("preflight")
        info = RepoInfo(repo, "main", self.archived, self.permission in ("admin", "write"), self.permission,
                        self.clone_url, "https://example.invalid/" + repo)
        mine = tuple(p for p in reversed(self.pulls) if p.head_branch == head_branch)
        return Preflight(info, ("smart-staging-cleanup",), True, mine)

    def secret_names(self, repo: str) -> frozenset[str] | None:
        self.calls.append("secret_names")
        return frozenset({"NPM_TOKEN"})

    def create_pull(self, repo: str, pull: NewPull) -> PullRequest:
        self.calls.append("create_pull")
        created = PullRequest(len(self.pulls) + 1, f"https://example.invalid/pull/{len(self.pulls) + 1}", "open",
                              pull.draft, pull.title, pull.body, pull.head)
        self.pulls.append(created)
        return created

    def update_pull(self, repo: str, number: int, *, title: str, body: str, reopen: bool = False) -> PullRequest:
        self.calls.append("reopen_pull" if reopen else "update_pull")
        i = number - 1
        self.pulls[i] = dataclasses.replace(self.pulls[i], title=title, body=body,
                                            state="open" if reopen else self.pulls[i].state)
        return self.pulls[i]

    def add_labels(self, repo: str, number: int, labels: list[str]) -> None:
        self.calls.append("add_labels")
        if self.fail_labels:
            raise ForgeError("POST /repos/acme/app/issues/1/labels: GitHub answered 403 nope")

    def request_reviewers(self, repo: str, number: int, reviewers: list[str]) -> None:
        self.calls.append("request_reviewers")

    def request_count(self, repo: str) -> int:
        return len(self.calls)


@pytest.fixture
def bare(tmp_path) -> Path:
    path = tmp_path / "remote" / "acme" / "app.git"
    gitstore.init_bare(path, "main")
    gitstore.commit_files(path, "main", seed_files(), "Initial commit")
    return path


def run(bare: Path, tmp_path: Path, forge: FakeForge | None = None, engine=fake_engine_for_e2e, config=CONFIG, **options):
    forge = forge or FakeForge(bare.as_uri())
    services = Services(forge=forge, engine=engine, auth=GitAuth(None))
    return run_repository(REPO, config, services, Options(workdir=tmp_path / "work", **options)), forge


def tool_commit(bare: Path) -> str:
    return gitstore.commit_files(bare, BRANCH, {"README.md": "tool\n"}, f"Old run\n\n{TOOL_TRAILER} 0.0.1",
                                 author=TOOL, parent=gitstore.rev(bare, "refs/heads/main"))


def crash(root, config, *, default_branch):
    raise RuntimeError("boom")


def already(root, config, *, default_branch):
    return RepoResult(Outcome.ALREADY_MIGRATED)


def unsupported(root, config, *, default_branch):
    return RepoResult(Outcome.UNSUPPORTED, reason=".github/workflows/x.yml:3:5: uses: of the post workflow")


PULL = PullRequest(1, "https://example.invalid/pull/1", "open", False, "old title", "old body", BRANCH)


@pytest.mark.parametrize(
    ("setup", "kwargs", "action", "message", "calls"),
    [
        pytest.param({}, {}, Action.OPENED, "opened pull request #1",
                     ["preflight", "secret_names", "create_pull", "add_labels", "request_reviewers"], id="fresh repository"),
        pytest.param({"archived": True}, {}, Action.SKIPPED, "acme/app is archived: skipped", ["preflight"], id="archived"),
        pytest.param({"permission": "read"}, {}, Action.FAILED, "no push permission on acme/app (the token has read access)",
                     ["preflight"], id="no push permission"),
        pytest.param({"permission": "read"}, {"dry_run": True}, Action.DRY_RUN, "would push", ["preflight", "secret_names"],
                     id="dry run without push permission: warned, goes on"),
        pytest.param({"pulls": [dataclasses.replace(PULL, state="closed")]}, {}, Action.SKIPPED,
                     "pull request #1 was closed without merge: skipped (pass --reopen to reopen it)", ["preflight"],
                     id="closed pull request"),
        pytest.param({"pulls": [dataclasses.replace(PULL, state="closed")]}, {"reopen": True}, Action.REOPENED,
                     "reopened pull request #1", ["preflight", "secret_names", "reopen_pull"], id="closed, --reopen"),
        pytest.param({"pulls": [dataclasses.replace(PULL, state="merged")]}, {}, Action.OPENED, "opened pull request #2",
                     ["preflight", "secret_names", "create_pull", "add_labels", "request_reviewers"],
                     id="a merged pull request is history"),
        pytest.param({"pulls": [PULL]}, {}, Action.UPDATED, "updated the branch and description of pull request #1",
                     ["preflight", "secret_names", "update_pull"], id="open pull request from a previous run"),
        pytest.param({"engine": already}, {}, Action.NOTHING, "already-migrated", ["preflight"], id="already migrated"),
        pytest.param({"engine": unsupported}, {}, Action.NOTHING, "unsupported: .github/workflows/x.yml:3:5",
                     ["preflight"], id="unsupported"),
        pytest.param({"engine": crash}, {}, Action.FAILED, "the migration failed unexpectedly: RuntimeError: boom",
                     ["preflight"], id="engine crash"),
        pytest.param({"config": RepoConfig(pr=Pr(branch="main"))}, {}, Action.FAILED,
                     "pr.branch is the default branch main", ["preflight"], id="pr.branch is the default branch"),
        pytest.param({"fail_labels": True}, {}, Action.OPENED, "opened pull request #1",
                     ["preflight", "secret_names", "create_pull", "add_labels", "request_reviewers"],
                     id="labels refused: a warning, not a failure"),
    ],
)
def test_outcomes(bare, tmp_path, setup, kwargs, action, message, calls):
    setup = dict(setup)
    engine = setup.pop("engine", fake_engine_for_e2e)
    config = setup.pop("config", CONFIG)
    forge = FakeForge(bare.as_uri(), **setup)
    main_before = gitstore.rev(bare, "refs/heads/main")
    result, forge = run(bare, tmp_path, forge, engine=engine, config=config, **kwargs)
    assert (result.action, forge.calls) == (action, calls)
    assert message in result.message
    assert gitstore.rev(bare, "refs/heads/main") == main_before, "never pushes to the default branch"
    pushed = BRANCH in gitstore.branches(bare)
    assert pushed == (action in (Action.OPENED, Action.UPDATED, Action.REOPENED))
    assert result.requests == len(calls)
    if setup.get("fail_labels"):
        assert result.warnings and "labels were not set" in result.warnings[0]


def test_the_branch_holds_exactly_the_engines_changes(bare, tmp_path):
    result, _ = run(bare, tmp_path)
    assert gitstore.log(bare, f"main..{BRANCH}")[0]["email"] == CONFIG.pr.author_email
    assert len(gitstore.log(bare, f"main..{BRANCH}")) == 1
    before, after = gitstore.tree_files(bare, "main"), gitstore.tree_files(bare, BRANCH)
    expected = dict(before)
    for change in result.result.changes:
        if change.new_text is None:
            expected.pop(change.path)
        else:
            expected[change.path] = change.new_text.encode()
    assert after == expected


def test_rerun_changes_nothing(bare, tmp_path):
    _first, forge = run(bare, tmp_path)
    tip = gitstore.rev(bare, f"refs/heads/{BRANCH}")
    forge.calls.clear()
    second, forge = run(bare, tmp_path, forge)
    assert (second.action, forge.calls) == (Action.UNCHANGED, ["preflight", "secret_names"])
    assert gitstore.rev(bare, f"refs/heads/{BRANCH}") == tip and len(forge.pulls) == 1


def test_tool_commits_are_replaced_but_a_human_commit_never(bare, tmp_path):
    tool_commit(bare)
    result, forge = run(bare, tmp_path, FakeForge(bare.as_uri(), pulls=[PULL]))
    assert result.action == Action.UPDATED and "branch" in result.message
    human = gitstore.commit_files(bare, BRANCH, {"README.md": "by hand\n"}, "Fix by hand", ("Alice", "alice@example.com"))
    result, forge = run(bare, tmp_path, forge)
    assert result.action == Action.SKIPPED
    assert "has 1 commit(s) not made by consolidate-ci" in result.message and "Alice <alice@example.com>" in result.message
    assert gitstore.rev(bare, f"refs/heads/{BRANCH}") == human


def test_dry_run_renders_and_changes_nothing(bare, tmp_path):
    result, forge = run(bare, tmp_path, dry_run=True)
    assert result.action == Action.DRY_RUN and forge.pulls == []
    assert BRANCH not in gitstore.branches(bare)
    assert result.diff.startswith("diff --git a/.github/workflows/main-ci-cd.yml")
    assert "deleted file mode 100644" in result.diff
    assert "- [ ] `DOCKERHUB_TOKEN` (not a repository secret" in result.body


def test_clones_are_removed_unless_kept(bare, tmp_path):
    run(bare, tmp_path)
    assert list((tmp_path / "work").iterdir()) == []
    result, _ = run(bare, tmp_path / "kept", keep_clone=True, dry_run=True)
    assert result.clone is not None and (result.clone / ".github").is_dir()


def test_commit_message_explains_and_marks_the_change(bare, tmp_path):
    result = fake_engine_for_e2e(Path(__file__).parents[1] / "fixtures" / "seed" / "before", CONFIG, default_branch="main")
    message = commit_message(result, CONFIG)
    assert message.splitlines()[0] == CONFIG.pr.title
    assert "now runs only after e2e-tests, security-scanning passed" in message
    assert "smart-staging-cleanup became final-cleanup" in message
    assert message.rstrip().endswith(f"{TOOL_TRAILER} 0.1.0")
