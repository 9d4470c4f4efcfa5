"""codemod.gitrepo against real git over smart HTTP (the local GitHub): least transfer, one commit, safe
push, and the token in no file, no argv and no URL."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from github_server import GitHubServer
from github_server.testing import PopenSpy, loopback_only

from codemod.config import Docs, RepoConfig, Scripts
from codemod.gitrepo import (
    TOOL_TRAILER,
    Checkout,
    GitAuth,
    GitError,
    Identity,
    authorization_header,
    sparse_patterns,
)
from codemod.result import FileChange

BOT = Identity("consolidate-ci", "bot@example.com")
FILES = {
    ".github/workflows/ci.yml": "name: CI\n",
    ".github/actions/setup/action.yml": "runs: {using: composite, steps: []}\n",
    "README.md": "# r\n",
    "docs/a/b/page.md": "# page\n",
    "docs/notes.txt": "not markdown\n",
    "scripts/tool/run.py": "print(1)\n",
    "scripts/run.sh": "echo\n",
    "sub/README.md": "# not top-level\n",
    "src/big.bin": "x" * 5000,
}


@pytest.fixture
def server(tmp_path, monkeypatch):
    loopback_only(monkeypatch)
    with GitHubServer(tmp_path / "server") as srv:
        srv.add_repo("acme/app", FILES)
        yield srv


def fetch(server: GitHubServer, dest: Path, token: str | None = None) -> Checkout:
    url = f"{server.url}/acme/app.git"
    return Checkout.fetch(url, dest, default_branch="main", patterns=sparse_patterns(RepoConfig()),
                          auth=GitAuth(token or server.token))


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def git_bytes(root: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=True).stdout


@pytest.mark.parametrize(
    ("docs", "scripts", "expected"),
    [
        pytest.param(("docs/**/*.md", "*.md"), ("scripts/**/*.py",),
                     ["/.github/", "/docs/**/*.md", "/*.md", "/scripts/**/*.py"], id="defaults: *.md anchored at the top"),
        pytest.param(("handbook/*.md",), (), ["/.github/", "/handbook/*.md", "/*.md"], id="custom globs, top-level md always"),
        pytest.param(("/docs/x.md",), ("tools/*.py",), ["/.github/", "/docs/x.md", "/tools/*.py", "/*.md"],
                     id="a leading slash is not doubled"),
    ],
)
def test_sparse_patterns(docs, scripts, expected):
    assert sparse_patterns(RepoConfig(docs=Docs(docs), scripts=Scripts(scripts))) == expected


def test_partial_sparse_clone_transfers_only_what_the_migration_reads(server, tmp_path):
    checkout = fetch(server, tmp_path / "clone")
    on_disk = sorted(p.relative_to(checkout.root).as_posix() for p in checkout.root.rglob("*")
                     if p.is_file() and ".git" not in p.parts)
    assert on_disk == [".github/actions/setup/action.yml", ".github/workflows/ci.yml", "README.md",
                       "docs/a/b/page.md", "scripts/tool/run.py"]
    missing = [line[1:] for line in git(checkout.root, "rev-list", "--objects", "--missing=print", "HEAD").splitlines()
               if line.startswith("?")]
    assert len(missing) == 4, "blobs outside the sparse set were never fetched"
    assert git(checkout.root, "rev-list", "--count", "HEAD").strip() == "1", "depth 1"


def test_token_is_in_no_file_no_argv_and_no_url(server, tmp_path, monkeypatch):
    spy = PopenSpy().install(monkeypatch)
    checkout = fetch(server, tmp_path / "clone")
    sha = checkout.commit("tool/branch", [FileChange("README.md", "# r\n", "# r2\n")], f"m\n\n{TOOL_TRAILER}", BOT)
    checkout.push(sha, "tool/branch", expect=None)
    checkout.remote_branch("tool/branch")
    secrets = [server.token, authorization_header(server.token).split()[-1]]
    for path in checkout.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(s.encode() in data for s in secrets), path
    git_calls = [argv for argv, _ in spy.calls if argv and Path(argv[0]).name == "git"]
    assert len(git_calls) >= 6
    assert not any(s in spy.argv_text() for s in secrets)
    assert server.url in git(checkout.root, "remote", "get-url", "origin")
    with_header = [env for argv, env in spy.calls if env and any(server.token in v for v in env.values())]
    assert with_header == [], "the raw token is never in an environment either: only its basic-auth form"


def test_a_wrong_token_fails_with_one_line_and_no_prompt(server, tmp_path):
    with pytest.raises(GitError) as caught:
        fetch(server, tmp_path / "clone", token="wrong")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("could not fetch")
    assert "wrong" not in message


@pytest.mark.parametrize(
    ("base", "expected_keys"),
    [
        pytest.param({}, {f"GIT_CONFIG_KEY_{i}" for i in range(4)}, id="fresh environment"),
        pytest.param({"GIT_CONFIG_COUNT": "2"}, {f"GIT_CONFIG_KEY_{i}" for i in range(2, 6)},
                     id="appends after the caller's own GIT_CONFIG_COUNT entries"),
    ],
)
def test_auth_environment(base, expected_keys):
    env = GitAuth("t0k").env("https://github.com/acme/app.git", base)
    assert {k for k in env if k.startswith("GIT_CONFIG_KEY_")} == expected_keys
    assert env["GIT_CONFIG_COUNT"] == str(int(base.get("GIT_CONFIG_COUNT", 0)) + 4)
    header_key = next(k for k, v in env.items() if v == "http.https://github.com/.extraheader")
    assert env[header_key.replace("KEY", "VALUE")] == authorization_header("t0k")
    assert env["GIT_TERMINAL_PROMPT"] == "0"


def test_one_commit_with_exactly_the_changes_and_the_tool_identity(server, tmp_path):
    checkout = fetch(server, tmp_path / "clone")
    changes = [FileChange("README.md", "# r\n", "# r\r\nCRLF kept\r\n"), FileChange("docs/a/b/page.md", "# page\n", None),
               FileChange("docs/workflows/new.md", None, "# new\n")]
    sha = checkout.commit("tool/branch", changes, f"Subject\n\nBody\n\n{TOOL_TRAILER}", BOT)
    assert git(checkout.root, "diff", "--name-status", "main", sha).split() == [
        "M", "README.md", "D", "docs/a/b/page.md", "A", "docs/workflows/new.md"]
    assert git_bytes(checkout.root, "show", f"{sha}:README.md") == b"# r\r\nCRLF kept\r\n"
    assert git(checkout.root, "log", "-1", "--format=%an <%ae> / %cn <%ce>", sha).strip() == (
        "consolidate-ci <bot@example.com> / consolidate-ci <bot@example.com>")


def test_changes_must_match_what_the_engine_read(server, tmp_path):
    checkout = fetch(server, tmp_path / "clone")
    with pytest.raises(GitError, match="not as the engine read it"):
        checkout.commit("tool/branch", [FileChange("README.md", "something else\n", "x\n")], "m", BOT)
    with pytest.raises(GitError, match="outside"):
        checkout.apply([FileChange("../escape.md", None, "x\n")])


def test_never_commits_or_pushes_to_the_default_branch(server, tmp_path):
    checkout = fetch(server, tmp_path / "clone")
    with pytest.raises(GitError, match="default branch"):
        checkout.commit("main", [], "m", BOT)
    with pytest.raises(GitError, match="default branch"):
        checkout.push(checkout.base, "main", expect=None)


def test_remote_branch_commits_and_foreign_ones(server, tmp_path):
    checkout = fetch(server, tmp_path / "clone")
    assert checkout.remote_branch("tool/branch") is None
    sha = checkout.commit("tool/branch", [FileChange("README.md", "# r\n", "# r2\n")], f"m\n\n{TOOL_TRAILER}", BOT)
    checkout.push(sha, "tool/branch", expect=None)
    server.commit("acme/app", "main", {"src/other.py": "x\n"}, "default moves on")
    again = fetch(server, tmp_path / "again")
    remote = again.remote_branch("tool/branch")
    assert remote is not None and [c.sha for c in remote.commits] == [sha] and remote.foreign(BOT) == []
    human = server.commit("acme/app", "tool/branch", {"README.md": "# human\n"}, "fix by hand")
    remote = fetch(server, tmp_path / "third").remote_branch("tool/branch")
    assert [c.sha for c in remote.foreign(BOT)] == [human]


def test_push_is_leased_to_the_tip_that_was_inspected(server, tmp_path):
    checkout = fetch(server, tmp_path / "clone")
    first = checkout.commit("tool/branch", [FileChange("README.md", "# r\n", "# r2\n")], f"m\n\n{TOOL_TRAILER}", BOT)
    checkout.push(first, "tool/branch", expect=None)
    remote = checkout.remote_branch("tool/branch")
    assert checkout.same_content(remote, first)
    server.commit("acme/app", "tool/branch", {"README.md": "# racing human\n"}, "pushed meanwhile")
    second = checkout.commit("tool/branch", [FileChange("README.md", "# r\n", "# r3\n")], f"m\n\n{TOOL_TRAILER}", BOT)
    assert not checkout.same_content(remote, second)
    with pytest.raises(GitError, match="could not push branch tool/branch"):
        checkout.push(second, "tool/branch", expect=remote.tip)
    assert server.branches("acme/app")["tool/branch"] != second


def test_bytes_as_stored_despite_attributes_and_autocrlf(tmp_path, monkeypatch):
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[core]\n\tautocrlf = true\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    with GitHubServer(tmp_path / "server") as srv:
        srv.add_repo("acme/app", {".gitattributes": "* text eol=crlf\n", "README.md": "lf\nonly\n"})
        checkout = Checkout.fetch(f"{srv.url}/acme/app.git", tmp_path / "clone", default_branch="main",
                                  patterns=sparse_patterns(RepoConfig()), auth=GitAuth(srv.token))
        assert (checkout.root / "README.md").read_bytes() == b"lf\nonly\n"
        sha = checkout.commit("tool/b", [FileChange("README.md", "lf\nonly\n", "lf\r\nnow crlf\n")], "m", BOT)
        assert git_bytes(checkout.root, "cat-file", "blob", f"{sha}:README.md") == b"lf\r\nnow crlf\n"
