"""Helpers of the batch tests: an organisation of repositories of every kind on the local GitHub, and the CLI
run against it (tiny retry waits, no write pacing unless a test asks for it, the contract checked at the end)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from github_server import GitHubServer, contract
from github_server.testing import e2e_engine, loopback_only, seed_files

from codemod.commands import run as run_cmd
from codemod.github import GitHubForge, RetryPolicy

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BRANCH = "consolidate-ci/publish-production"


def case_files(case: str) -> dict[str, str | bytes]:
    root = FIXTURES / case / "before"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


KINDS: dict[str, Callable[[], dict[str, str | bytes]]] = {
    "migrate": seed_files,
    "already": lambda: case_files("already-migrated"),
    "na": lambda: case_files("not-applicable"),
    "no-ci": lambda: {"README.md": "# no workflows here\n"},
    "unsupported": lambda: case_files("missing-gate"),
    "invalid": lambda: case_files("invalid-yaml"),
}
EXPECTED = {"migrate": "migrated", "already": "already-migrated", "na": "not-applicable", "no-ci": "not-applicable",
            "unsupported": "unsupported", "invalid": "error"}


def populate(srv: GitHubServer, layout: dict[str, str], **settings) -> None:
    """`layout`: repository name -> kind (a key of KINDS)."""
    for name, kind in layout.items():
        srv.add_repos_fast(name, KINDS[kind](), **settings)


class Policy:
    """What the batch tests' forge uses: tiny waits, recorded."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.throttle = False

    def make_forge(self, api_url: str, token: str, *, wait_rate_limit: bool) -> GitHubForge:
        policy = RetryPolicy(attempts=2, backoff=0.01, secondary_wait=0.01, wait_for_reset=wait_rate_limit,
                             sleep=self.sleeps.append)
        return GitHubForge(api_url, token, policy, throttle=self.throttle)


@pytest.fixture(name="org")
def org_fixture(tmp_path, monkeypatch):
    """A local GitHub with no repository yet; the working directory is a fresh folder (journals land there)."""
    loopback_only(monkeypatch)
    for name in ("GITHUB_TOKEN", "GITHUB_API_URL", "GH_HOST", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    policy = Policy()
    monkeypatch.setattr(run_cmd, "make_forge", policy.make_forge)
    monkeypatch.setattr(run_cmd, "load_engine", e2e_engine)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    with GitHubServer(tmp_path / "server") as srv:
        monkeypatch.setenv("GH_TOKEN", srv.token)
        srv.policy = policy
        yield srv
        assert contract.problems(srv.exchanges) == []


def cli(capsys, srv: GitHubServer, *argv: str) -> tuple[int, str, str]:
    from codemod import cli as cli_module

    code = cli_module.main([*argv, "--github-url", srv.url])
    out, err = capsys.readouterr()
    return code, out, err


def api_requests(srv: GitHubServer, start: int = 0) -> int:
    return len([e for e in srv.exchanges[start:] if e.kind != "git"])


def pulls_by_repo(srv: GitHubServer) -> dict[str, int]:
    return {name: len(repo.pulls) for name, repo in srv.repos.items()}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


__all__ = ["BRANCH", "EXPECTED", "KINDS", "api_requests", "case_files", "cli", "org_fixture", "populate",
           "pulls_by_repo", "write_lines"]
