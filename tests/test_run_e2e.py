"""`consolidate-ci --repo OWNER/NAME` end to end against the local GitHub (real HTTP, real git, GitHub's own API
descriptions): the engine is the real `codemod.engine.migrate_checkout` when it works on the seed repository,
else the FAKE engine of github_server/testing.py. Every exchange of every test is also checked against the
contract at teardown."""

from __future__ import annotations

import argparse
import logging
import subprocess
import tempfile
from pathlib import Path

import pytest
from github_server import GitHubServer, contract, gitstore
from github_server.testing import PopenSpy, e2e_engine, loopback_only, seed_files

from codemod.commands import run as run_cmd
from codemod.config import RepoConfig, load_config
from codemod.github import GitHubForge, RetryPolicy
from codemod.gitrepo import authorization_header
from codemod.result import Outcome

REPO = "acme/app"
BRANCH = "consolidate-ci/publish-production"
MIGRATE_BUDGET, DRY_RUN_BUDGET = 6, 3


@pytest.fixture
def gh(tmp_path, monkeypatch):
    loopback_only(monkeypatch)
    for name in ("GITHUB_TOKEN", "GITHUB_API_URL", "GH_HOST", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    sleeps: list[float] = []

    def make_forge(api_url, token, *, wait_rate_limit):
        policy = RetryPolicy(attempts=3, backoff=0.01, secondary_wait=0.01, wait_for_reset=wait_rate_limit,
                             sleep=sleeps.append)
        return GitHubForge(api_url, token, policy, throttle=False)

    monkeypatch.setattr(run_cmd, "make_forge", make_forge)
    monkeypatch.setattr(run_cmd, "load_engine", e2e_engine)
    with GitHubServer(tmp_path / "server") as srv:
        srv.add_repo(REPO, seed_files(), secrets=["DOCKERHUB_TOKEN"], protection_checks=["smart-staging-cleanup"])
        monkeypatch.setenv("GH_TOKEN", srv.token)
        srv.sleeps = sleeps
        yield srv
        assert contract.problems(srv.exchanges) == []


def consolidate_ci(capsys, gh: GitHubServer, *args: str, repo: str = REPO, command: tuple[str, ...] = ()) -> tuple[int, str, str]:
    argv = [*command, "--repo", repo, "--github-url", gh.url, *args]
    try:
        from codemod import cli

        cli.build_parser()
    except ImportError:  # another command's module cannot be imported yet: run this one directly
        parser = argparse.ArgumentParser()
        run_cmd.configure(parser)
        code = run_cmd.execute(parser.parse_args([a for a in argv if a not in command]))
    else:
        code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def requests_for(gh: GitHubServer, start: int = 0) -> int:
    return len([e for e in gh.exchanges[start:] if e.kind != "git"])


def expected_tree(gh: GitHubServer, tmp_path: Path, config: RepoConfig) -> dict[str, bytes]:
    """main's files with the engine's changes applied, the engine run on a plain copy of main."""
    files = gitstore.tree_files(gh.repo(REPO).bare, "main")
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    result = e2e_engine()(root, config, default_branch="main")
    assert result.outcome == Outcome.MIGRATED
    for change in result.changes:
        if change.new_text is None:
            files.pop(change.path)
        else:
            files[change.path] = change.new_text.encode()
    return files


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "consolidate-ci.toml"
    path.write_text('[pr]\nlabels = ["ci", "automation"]\nreviewers = ["alice", "acme/platform"]\ndraft = true\n')
    return path


@pytest.mark.parametrize("where", [pytest.param("flag", id="--github-url"), pytest.param("env", id="GITHUB_API_URL")])
def test_a_fresh_repository_gets_a_pr_holding_exactly_the_engines_changes(gh, capsys, tmp_path, monkeypatch, where):
    config = write_config(tmp_path)
    if where == "env":
        monkeypatch.setenv("GITHUB_API_URL", gh.api_url)
        code = run_cmd.execute(argparse.Namespace(repo=[REPO], github_url=None, config=config, dry_run=False,
                                                  wait_rate_limit=False, reopen=False, workdir=None, keep_clones=False,
                                                  verbose=0))
        out = capsys.readouterr().out
    else:
        code, out, _ = consolidate_ci(capsys, gh, "--config", str(config))
    assert code == 0, out
    assert f"{REPO}: opened: opened pull request #1: {gh.url}/{REPO}/pull/1 [migrated; " in out
    pull = gh.repo(REPO).pulls[1]
    assert (pull.head, pull.base, pull.state, pull.draft) == (BRANCH, "main", "open", True)
    assert (pull.labels, pull.reviewers, pull.team_reviewers) == (["ci", "automation"], ["alice"], ["platform"])
    assert pull.title == RepoConfig().pr.title and "- [ ] `smart-staging-cleanup` is required on `main`" in pull.body
    commits = gitstore.log(gh.repo(REPO).bare, f"main..{BRANCH}")
    assert [c["email"] for c in commits] == [RepoConfig().pr.author_email]
    assert gitstore.tree_files(gh.repo(REPO).bare, BRANCH) == expected_tree(gh, tmp_path, load_config(config).default)
    assert requests_for(gh) <= MIGRATE_BUDGET
    assert f"; {requests_for(gh)} API request(s)]" in out


def test_a_rerun_opens_nothing_new(gh, capsys):
    consolidate_ci(capsys, gh)
    tip = gh.branches(REPO)[BRANCH]
    start = len(gh.exchanges)
    code, out, _ = consolidate_ci(capsys, gh)
    assert code == 0 and f"{REPO}: unchanged: pull request #1 is up to date" in out
    assert list(gh.repo(REPO).pulls) == [1] and gh.branches(REPO)[BRANCH] == tip
    assert [e.method for e in gh.exchanges[start:] if e.kind == "rest" and e.method != "GET"] == []
    assert requests_for(gh, start) <= 2 and "; 2 API request(s)]" in out  # the preflight and the secret names


def test_a_human_commit_on_the_branch_is_never_overwritten(gh, capsys):
    consolidate_ci(capsys, gh)
    human = gh.commit(REPO, BRANCH, {"README.md": "# fixed by hand\n"}, "Fix by hand")
    gh.commit(REPO, "main", {"src/app.py": "print('main moved on')\n"}, "Main moves on")
    code, out, _ = consolidate_ci(capsys, gh)
    assert code == 0
    assert "skipped: branch consolidate-ci/publish-production (pull request #1) has 1 commit(s) not made by" in out
    assert "Alice Human <alice@example.com>): left alone" in out
    assert gh.branches(REPO)[BRANCH] == human


def test_tool_commits_are_refreshed_when_main_moves_on(gh, capsys):
    consolidate_ci(capsys, gh)
    old_tip = gh.branches(REPO)[BRANCH]
    new_main = gh.commit(REPO, "main", {"src/app.py": "print('main moved on')\n"}, "Main moves on")
    code, out, _ = consolidate_ci(capsys, gh)
    assert code == 0 and "updated: updated the branch of pull request #1" in out
    commits = gitstore.log(gh.repo(REPO).bare, f"main..{BRANCH}")
    assert len(commits) == 1 and commits[0]["sha"] != old_tip
    assert gitstore.log(gh.repo(REPO).bare, f"{BRANCH}~1")[0]["sha"] == new_main


def test_a_closed_pull_request_is_skipped_unless_reopen(gh, capsys):
    gh.add_pull(REPO, BRANCH, state="closed", title="closed by a maintainer")
    code, out, _ = consolidate_ci(capsys, gh)
    assert code == 0 and "skipped: pull request #1 was closed without merge: skipped (pass --reopen" in out
    assert BRANCH not in gh.branches(REPO) and len(gh.repo(REPO).pulls) == 1
    code, out, _ = consolidate_ci(capsys, gh, "--reopen")
    assert code == 0 and "reopened: reopened pull request #1" in out
    assert gh.repo(REPO).pulls[1].state == "open" and BRANCH in gh.branches(REPO)


def test_an_archived_repository_is_skipped(gh, capsys):
    gh.repo(REPO).archived = True
    code, out, _ = consolidate_ci(capsys, gh)
    assert code == 0 and out.startswith(f"{REPO}: skipped: {REPO} is archived: skipped [1 API request(s)]")
    assert [e.kind for e in gh.exchanges] == ["graphql"]


def test_already_migrated_opens_nothing(gh, capsys, tmp_path):
    consolidate_ci(capsys, gh)
    pull_branch = gh.branches(REPO)[BRANCH]
    gh.repo(REPO).pulls[1].merged, gh.repo(REPO).pulls[1].state = True, "closed"
    gitstore._git(gh.repo(REPO).bare, "update-ref", "refs/heads/main", pull_branch)  # the pull request was merged
    code, out, _ = consolidate_ci(capsys, gh)
    assert code == 0 and f"{REPO}: nothing: already-migrated" in out
    assert len(gh.repo(REPO).pulls) == 1


def test_a_bad_token_gives_one_clear_line(gh, capsys, monkeypatch):
    monkeypatch.setenv("GH_TOKEN", "ghp_wrong")
    code, out, err = consolidate_ci(capsys, gh)
    assert (code, out) == (1, "")
    assert err == "consolidate-ci: GitHub rejected the token (401 Bad credentials) on POST /api/graphql\n"


def test_no_token_gives_one_clear_line(gh, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("GH_TOKEN")
    monkeypatch.setattr("shutil.which", lambda name: None)
    code, out, err = consolidate_ci(capsys, gh)
    assert (code, out) == (2, "")
    assert err == ("consolidate-ci: no GitHub token for 127.0.0.1: set GH_TOKEN or GITHUB_TOKEN, "
                   "or log in with `gh auth login --hostname 127.0.0.1`\n")
    assert gh.exchanges == []


def test_transient_faults_are_retried(gh, capsys):
    gh.fail("POST /api/graphql", 502, times=2)
    gh.fail(r"POST /api/v3/repos/acme/app/pulls$", 403, headers={"Retry-After": "0"})
    code, out, err = consolidate_ci(capsys, gh)
    assert code == 0 and "opened pull request #1" in out
    assert "502 Server Error on POST /api/graphql; retrying in 0.0 s (try 2 of 3)" in err
    assert "a secondary rate limit on POST /repos/acme/app/pulls; retrying" in err
    assert gh.sleeps == pytest.approx([0.01, 0.02, 0.0])
    assert len(gh.repo(REPO).pulls) == 1


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        pytest.param((503, {}), "POST /api/graphql: GitHub answered with 503 Server Error 3 time(s); gave up", id="5xx"),
        pytest.param((429, {"Retry-After": "0"}), "POST /api/graphql: GitHub answered with a secondary rate limit 3 time(s); gave up",
                     id="secondary limit"),
        pytest.param((403, {"x-ratelimit-remaining": "0"}), "GitHub API rate limit exhausted (POST /api/graphql)",
                     id="primary limit"),
    ],
)
def test_persistent_faults_are_reported(gh, capsys, fault, message):
    status, headers = fault
    gh.fail("POST /api/graphql", status, headers=headers, times=10, message="API rate limit exceeded" if status == 403 else None)
    code, out, _ = consolidate_ci(capsys, gh)
    assert code == 1 and out.startswith(f"{REPO}: failed: {message}")


def test_dry_run_prints_the_diff_and_body_and_changes_nothing(gh, capsys):
    code, out, _ = consolidate_ci(capsys, gh, "--dry-run")
    assert code == 0
    assert f"{REPO}: dry-run: would push {BRANCH} and open a pull request [migrated; " in out
    assert "--- diff of acme/app ---\ndiff --git a/" in out
    assert "deleted file mode 100644" in out and "<!-- consolidate-ci:pr-body -->" in out
    assert BRANCH not in gh.branches(REPO) and gh.repo(REPO).pulls == {}
    assert not [e for e in gh.exchanges if e.kind == "rest" and e.method != "GET"]
    assert not [e for e in gh.exchanges if "receive-pack" in e.path]
    assert requests_for(gh) <= DRY_RUN_BUDGET


def test_several_repositories_and_the_tally(gh, capsys):
    gh.add_repo("acme/old", seed_files(), archived=True)
    code, out, err = consolidate_ci(capsys, gh, "--repo", "acme/old", command=("run",))
    assert code == 0 and "acme/old: skipped" in out
    assert err.splitlines()[-1] == "consolidate-ci: 2 repositories: 1 opened, 1 skipped"


def test_the_token_never_leaks(gh, capsys, caplog, monkeypatch, tmp_path):
    spy = PopenSpy().install(monkeypatch)
    caplog.set_level(logging.DEBUG)
    code, out, err = consolidate_ci(capsys, gh, "-vv", "--keep-clones", "--workdir", str(tmp_path / "work"))
    assert code == 0 and "clone kept in" in out
    secrets = [gh.token, authorization_header(gh.token).split()[-1]]
    files = [p for p in (tmp_path / "work").rglob("*") if p.is_file()]
    assert any(p.name == "config" and p.parent.name == ".git" for p in files)
    for path in files:
        assert not any(s.encode() in path.read_bytes() for s in secrets), path
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST" in logs, "debug logging of requests was on"
    for text in (out, err, logs, spy.argv_text()):
        assert not any(s in text for s in secrets)
    git_argv = [argv for argv, _ in spy.calls if argv and Path(argv[0]).name == "git" and "http-backend" not in argv]
    assert any("clone" in argv for argv in git_argv) and any("push" in argv for argv in git_argv)


def test_the_dry_run_diff_is_exactly_what_a_real_run_pushes(gh, capsys, tmp_path):
    _, out, _ = consolidate_ci(capsys, gh, "--dry-run")
    diff = out.split("--- diff of acme/app ---\n", 1)[1].split("--- pull request body for acme/app ---\n", 1)[0]
    consolidate_ci(capsys, gh)
    work = tmp_path / "apply"
    subprocess.run(["git", "clone", "-q", str(gh.repo(REPO).bare), str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "apply", "--whitespace=nowarn", "-"], input=diff.encode(), check=True)
    applied = {p.relative_to(work).as_posix(): p.read_bytes() for p in work.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert applied == gitstore.tree_files(gh.repo(REPO).bare, BRANCH)
