"""`consolidate-ci apply` on real git checkouts (GitPython): dry run, writing, exit codes, default branch."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import git
import pytest
from fixture_repos import FIXTURES, tree

from codemod.cli import main


def checkout(tmp_path: Path, case: str, branch: str = "main") -> Path:
    root = tmp_path / case
    shutil.copytree(FIXTURES / case / "before", root)
    repo = git.Repo.init(root, initial_branch=branch)
    repo.git.add(A=True)
    repo.index.commit("before", author=git.Actor("t", "t@example.com"), committer=git.Actor("t", "t@example.com"))
    return root


def test_dry_run_prints_a_git_apply_able_diff_and_writes_nothing(tmp_path, capsys):
    root = checkout(tmp_path, "seed")
    files_before = tree(root / ".github")
    assert main(["apply", "--dry-run", "--path", str(root)]) == 0
    out = capsys.readouterr()
    assert "migrated" in out.err
    assert tree(root / ".github") == files_before
    patch = tmp_path / "change.patch"
    patch.write_text(out.out)
    subprocess.run(["git", "apply", "--index", str(patch)], cwd=root, check=True)
    assert tree(root) == {**tree(FIXTURES / "seed" / "after"), **{k: v for k, v in tree(root).items() if k.startswith(".git/")}}


def test_apply_writes_the_expected_tree(tmp_path):
    root = checkout(tmp_path, "seed")
    assert main(["apply", "--path", str(root)]) == 0
    got = {k: v for k, v in tree(root).items() if not k.startswith(".git/")}
    assert got == tree(FIXTURES / "seed" / "after")
    assert main(["apply", "--path", str(root)]) == 0  # already-migrated now
    assert {k: v for k, v in tree(root).items() if not k.startswith(".git/")} == got


@pytest.mark.parametrize(
    ("case", "code"),
    [
        pytest.param("two-upstreams", 1, id="unsupported exits 1 and writes nothing"),
        pytest.param("invalid-yaml", 1, id="error exits 1 and writes nothing"),
        pytest.param("not-applicable", 0, id="not-applicable exits 0"),
    ],
)
def test_exit_codes_and_nothing_written(tmp_path, capsys, case, code):
    root = checkout(tmp_path, case)
    before = tree(root)
    assert main(["apply", "--path", str(root)]) == code
    assert tree(root) == before
    err = capsys.readouterr().err
    assert err.count("\n") >= 1


def test_usage_error_exits_2(tmp_path, capsys):
    assert main(["apply"]) == 2
    assert main(["apply", "--path", str(tmp_path / "missing")]) == 2


def test_default_branch_comes_from_the_checkout_not_a_hard_coded_main(tmp_path, capsys):
    """On a repository whose default branch is `trunk`, the gate names trunk."""
    root = checkout(tmp_path, "seed", branch="trunk")
    wf = root / ".github/workflows"
    for name in ("main-ci-cd.yml", "main-branch-post-processing.yml"):
        (wf / name).write_text((wf / name).read_text().replace("[ main ]", "[ trunk ]").replace("[main]", "[trunk]"))
    assert main(["apply", "--dry-run", "--path", str(root)]) == 0
    out = capsys.readouterr().out
    assert "refs/heads/trunk" in out
    assert "refs/heads/main" not in out


def test_unknown_config_key_is_a_usage_error(tmp_path, capsys):
    root = checkout(tmp_path, "seed")
    cfg = tmp_path / "c.toml"
    cfg.write_text("[jobs]\ngatez = []\n")
    assert main(["apply", "--dry-run", "--path", str(root), "--config", str(cfg)]) == 2
    assert "unknown key jobs.gatez" in capsys.readouterr().err
