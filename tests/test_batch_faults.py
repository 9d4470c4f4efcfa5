"""Faults in the middle of a batch, against the local GitHub: the server killed and restarted, the tool
killed between opening a pull request and journaling it, a broken repository among good ones. Every rerun
ends with one outcome per repository and never a second pull request."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from batch_support import cli, org_fixture, populate, pulls_by_repo, write_lines  # noqa: F401

from codemod import report
from codemod.journal import Journal

ROOT = Path(__file__).resolve().parent.parent


def kill_on(srv, pattern: str, nth: int, action):
    """A hook that runs `action` when the nth request matching `pattern` took effect, and loses its answer."""
    seen = []

    def hook(exchange):
        if exchange.kind != "git" and pattern in f"{exchange.method} {exchange.path}":
            seen.append(exchange)
            if len(seen) == nth:
                action()
                return "drop"
        return None

    srv.hooks.append(hook)
    return seen


def test_the_server_killed_mid_batch_then_restarted(org, capsys):
    names = [f"acme/k{i}" for i in range(6)]
    populate(org, dict.fromkeys(names, "migrate"))
    kill_on(org, "/pulls", 3, org.kill)  # the third pull request is opened, then the server dies unanswering
    code, _, _ = cli(capsys, org, "run", "--org", "acme", "--concurrency", "2", "--json", "first.json")
    first = report.read(Path("first.json"))
    assert code == 1 and first["totals"]["error"] >= 1
    assert all(e["action"] in ("opened", "failed") for e in first["repositories"])
    opened = {e["repo"] for e in first["repositories"] if e["action"] == "opened"}
    # pull requests the server created but whose answer was lost (the killed one, and with two workers maybe
    # the other worker's, when it landed in the same instant)
    lost = {repo for repo, count in pulls_by_repo(org).items() if count and repo not in opened}
    assert len(lost) >= 1
    org.hooks.clear()
    org.restart()
    code, out, err = cli(capsys, org, "run", "--org", "acme", "--concurrency", "2", "--json", "second.json")
    assert code == 0, out + err
    assert out.count(": unchanged: ") == len(lost)  # found, not opened again
    second = report.read(Path("second.json"))
    assert {e["repo"]: e["outcome"] for e in second["repositories"]} == dict.fromkeys(names, "migrated")
    assert pulls_by_repo(org) == dict.fromkeys(names, 1)  # zero duplicates
    with Journal(Path("consolidate-ci-journal.sqlite")) as journal:  # zero lost outcomes
        assert set(journal.finished("run")) == set(names)
        assert all(e["pr_url"] and e["commit"] for e in journal.finished("run").values())


def test_killed_between_opening_a_pull_request_and_journaling_it(org, capsys, tmp_path):
    populate(org, {"acme/a": "migrate", "acme/b": "migrate", "acme/c": "migrate"})
    repos = write_lines(tmp_path / "repos.txt", ["acme/a", "acme/b", "acme/c"])
    journal_path = tmp_path / "journal.sqlite"
    argv = [sys.executable, "-m", "codemod.cli", "run", "--repos-file", str(repos), "--journal", str(journal_path),
            "--github-url", org.url, "--write-interval", "0"]
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TMPDIR": str(tmp_path), "GH_TOKEN": org.token}
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    kill_on(org, "POST /api/v3/repos/acme/b/pulls", 1, lambda: os.kill(proc.pid, signal.SIGKILL))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, (out, err)
    assert pulls_by_repo(org) == {"acme/a": 1, "acme/b": 1, "acme/c": 0}  # b's pull request exists...
    db = sqlite3.connect(journal_path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT repo, action FROM outcomes").fetchall() == [("acme/a", "opened")]  # ...unjournaled
    db.close()
    org.hooks.clear()
    code, out, err = cli(capsys, org, "run", "--repos-file", str(repos), "--journal", str(journal_path))
    assert code == 0, out + err
    assert "acme/b: unchanged: pull request #2 is up to date" in out and "acme/c: opened" in out
    assert pulls_by_repo(org) == {"acme/a": 1, "acme/b": 1, "acme/c": 1}
    with Journal(journal_path) as journal:
        assert {k: e["action"] for k, e in journal.finished("run").items()} == {
            "acme/a": "opened", "acme/b": "unchanged", "acme/c": "opened"}
        assert journal.finished("run")["acme/b"]["pr_url"].endswith("/acme/b/pull/2")


def test_invalid_yaml_in_one_repository_is_that_repositorys_error_only(org, capsys):
    populate(org, {"acme/good1": "migrate", "acme/broken": "invalid", "acme/good2": "migrate"})
    for command in (["audit"], ["run"]):
        code, _, _ = cli(capsys, org, *command, "--org", "acme", "--json", "out.json")
        data = report.read(Path("out.json"))
        by_repo = {e["repo"]: e for e in data["repositories"]}
        assert code == 1 and data["totals"]["error"] == 1 and data["totals"]["migrated"] == 2, command
        assert by_repo["acme/broken"]["reason"].startswith(".github/workflows/main-branch-post-processing.yml:12:4: "
                                                           "invalid YAML")
    assert pulls_by_repo(org) == {"acme/good1": 1, "acme/broken": 0, "acme/good2": 1}
