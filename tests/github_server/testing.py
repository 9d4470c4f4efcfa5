"""Test helpers around the local GitHub: the seed repository's files, the engine to run end to end, a small
stand-in engine (FAKE) that pipeline unit tests inject, and a subprocess spy."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from codemod.config import RepoConfig
from codemod.result import Category, FileChange, MigrationSummary, Note, Outcome, RepoResult

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "seed" / "before"


def seed_files(extra: dict[str, str] | None = None) -> dict[str, str | bytes]:
    """The seed repository's files, plus a README, a docs page and a file the migration never reads."""
    files: dict[str, str | bytes] = {p.relative_to(SEED).as_posix(): p.read_bytes() for p in SEED.rglob("*") if p.is_file()}
    files.update({
        "README.md": "# Demo\n\nCI: see `.github/workflows/main-ci-cd.yml`.\n",
        "docs/development/workflows/ci.md": "# CI\n\nProduction publishing: main-branch-post-processing.yml\n",
        "src/app.py": "print('not read by the migration')\n",
        "assets/large.bin": b"\0" * 4096,
    })
    files.update(extra or {})
    return files


def e2e_engine() -> Callable[..., RepoResult]:
    """The real engine: end-to-end tests and the GitHub benchmark always run `codemod.engine.migrate_checkout`."""
    from codemod.engine import migrate_checkout

    return migrate_checkout


def fake_engine_for_e2e(root: Path, config: RepoConfig, *, default_branch: str) -> RepoResult:
    """FAKE engine: a real, plausible change of a seed-shaped repository (not the SPEC's migration).

    Deletes the post workflow, renames the CI cleanup job and appends a `publish-production` job; a CI
    workflow that already has `publish-production` and no post workflow is already-migrated.
    """
    ci_path, post_path = config.workflows.ci, config.workflows.post
    ci_file, post_file = root / ci_path, root / post_path
    if not ci_file.is_file():
        return RepoResult(Outcome.NOT_APPLICABLE, reason=f"no {ci_path}")
    ci = _read(ci_file)
    if not post_file.is_file():
        outcome = Outcome.ALREADY_MIGRATED if "publish-production:" in ci else Outcome.NOT_APPLICABLE
        return RepoResult(outcome)
    old, new = config.jobs.ci_cleanup, config.jobs.final_cleanup
    migrated = ci.replace(f"  {old}:", f"  {new}:") + (
        "\n  publish-production:\n    needs: [e2e-tests, security-scanning]\n"
        f"    if: github.event_name == 'push' && github.ref == 'refs/heads/{default_branch}'\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - run: echo publish\n"
    )
    changes = [FileChange(ci_path, ci, migrated), FileChange(post_path, _read(post_file), None)]
    summary = MigrationSummary(
        ci_path=ci_path, post_path=post_path, ci_name="Main CI/CD", post_name="Main Branch Post-Processing",
        default_branch=default_branch, release_branches=[default_branch], gates=list(config.jobs.gates),
        publish_group=["publish-production"], moved={"publish-dockerhub": "publish-production"},
        dropped={"detect-changes": "publishing always follows a green build"}, old_cleanup=old, final_cleanup=new,
        secrets=["DOCKERHUB_TOKEN", "NPM_TOKEN"],
    )
    notes = [Note(Category.TRIGGER, "workflow_dispatch of the post workflow is not carried over")]
    return RepoResult(Outcome.MIGRATED, changes=changes, notes=notes, summary=summary)


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as fh:
        return fh.read()


class PopenSpy:
    """Records the argv and environment of every child process started while installed: it wraps
    `Popen._execute_child`, which GitPython's Popen, subprocess.run and everything else go through."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict | None]] = []

    def install(self, monkeypatch) -> PopenSpy:
        original = subprocess.Popen._execute_child  # type: ignore[attr-defined]
        calls = self.calls

        def execute_child(popen, args, executable, preexec_fn, close_fds, pass_fds, cwd, env, *rest):
            argv = [str(x) for x in args] if isinstance(args, list | tuple) else [str(args)]
            calls.append((argv, dict(env) if env is not None else None))
            return original(popen, args, executable, preexec_fn, close_fds, pass_fds, cwd, env, *rest)

        monkeypatch.setattr(subprocess.Popen, "_execute_child", execute_child)
        return self

    def argv_text(self) -> str:
        return "\n".join(" ".join(argv) for argv, _ in self.calls)


def loopback_only(monkeypatch) -> None:
    """Make any connection to an address outside 127.0.0.0/8 fail the test: no test reaches the internet."""
    import socket

    original = socket.socket.connect

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not (host.startswith("127.") or host in ("::1", "localhost")):
            raise AssertionError(f"a test tried to reach {address}")
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
