#!/usr/bin/env python3
"""API requests per repository, measured against the local GitHub (tests/github_server), for each path
through `consolidate-ci run`: fresh migration (with labels and reviewers), rerun, dry run, archived, and a
branch someone else pushed to. Prints one row per scenario: the product's own count, the server's count,
the budget, and the git round trips (not API requests). Never touches the network beyond 127.0.0.1.

Usage: .venv/bin/python scripts/bench_github.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from github_server import GitHubServer  # noqa: E402
from github_server.testing import e2e_engine, seed_files  # noqa: E402

from codemod.config import Pr, RepoConfig  # noqa: E402
from codemod.github import GitHubForge, RetryPolicy  # noqa: E402
from codemod.gitrepo import GitAuth  # noqa: E402
from codemod.pipeline import Options, Services, run_repository  # noqa: E402

BRANCH = RepoConfig().pr.branch
CONFIG = RepoConfig(pr=Pr(labels=("ci",), reviewers=("alice",)))
BUDGETS = {"migrate (fresh, labels + reviewers)": 6, "dry run": 3}


def scenario(srv: GitHubServer, name: str, repo: str, **options) -> tuple[str, int, int, int, float]:
    forge = GitHubForge(srv.api_url, srv.token, RetryPolicy(), throttle=False)
    services = Services(forge=forge, engine=e2e_engine(), auth=GitAuth(srv.token))
    start, began = len(srv.exchanges), time.perf_counter()
    run = run_repository(repo, CONFIG, services, Options(**options))
    seconds = time.perf_counter() - began
    exchanges = srv.exchanges[start:]
    api = len([e for e in exchanges if e.kind != "git"])
    git = len([e for e in exchanges if e.kind == "git"])
    return f"{name} -> {run.action}", run.requests, api, git, seconds


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as tmp, GitHubServer(Path(tmp)) as srv:
        srv.add_repo("acme/app", seed_files(), secrets=["DOCKERHUB_TOKEN"], protection_checks=["smart-staging-cleanup"])
        srv.add_repo("acme/dry", seed_files())
        srv.add_repo("acme/old", seed_files(), archived=True)
        rows.append(scenario(srv, "migrate (fresh, labels + reviewers)", "acme/app"))
        rows.append(scenario(srv, "rerun (open PR, nothing changed)", "acme/app"))
        srv.commit("acme/app", "main", {"src/app.py": "print(2)\n"}, "main moves on")
        rows.append(scenario(srv, "rerun after main moved (branch refreshed)", "acme/app"))
        srv.commit("acme/app", BRANCH, {"README.md": "by hand\n"}, "human commit")
        rows.append(scenario(srv, "rerun with a human commit on the branch", "acme/app"))
        rows.append(scenario(srv, "dry run", "acme/dry", dry_run=True))
        rows.append(scenario(srv, "archived", "acme/old"))
    print("API requests per repository (real engine):")
    print(f"{'scenario':62} {'counted':>7} {'server':>6} {'budget':>6} {'git':>4} {'seconds':>7}")
    failed = False
    for name, counted, api, git, seconds in rows:
        budget = next((b for key, b in BUDGETS.items() if name.startswith(key)), None)
        failed |= (budget is not None and api > budget) or counted != api
        print(f"{name:62} {counted:>7} {api:>6} {budget if budget is not None else '-':>6} {git:>4} {seconds:>7.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
