"""`consolidate-ci apply --path DIR`: migrate a local checkout's working tree (no commit).

`--dry-run` prints a unified diff (coloured on a terminal, `git apply`-able) and writes nothing; otherwise
the files are written all-or-nothing. Exit codes: 0 migrated / already-migrated / not-applicable, 1
unsupported / error, 2 usage."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from codemod.config import load_config
from codemod.diff import colourise, unified_diff
from codemod.engine import migrate_checkout
from codemod.errors import ConfigError
from codemod.result import FileChange, RepoResult

NAME = "apply"
HELP = "migrate a local checkout's working tree (dry run: print the diff)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--path", required=True, type=Path, help="the repository's working tree")
    parser.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    parser.add_argument("--config", type=Path, help="TOML configuration file")
    parser.add_argument("--repo", help="OWNER/NAME whose [repos] overrides apply (default: none)")
    parser.add_argument("--default-branch", help="the default branch (default: origin/HEAD, else the checked-out branch)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")


def execute(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config).for_repo(args.repo)
    except ConfigError as exc:
        print(f"consolidate-ci: {exc}", file=sys.stderr)
        return 2
    root: Path = args.path
    if not root.is_dir():
        print(f"consolidate-ci: {root}: not a directory", file=sys.stderr)
        return 2
    branch = args.default_branch or default_branch(root)
    if branch is None:
        print(f"consolidate-ci: {root}: cannot tell the default branch (no origin/HEAD, no checked-out branch); "
              "pass --default-branch", file=sys.stderr)
        return 2
    result = migrate_checkout(root, config, default_branch=branch)
    print_result(result, root)
    if result.changes:
        diff = unified_diff(result.changes)
        if args.dry_run:
            colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
            sys.stdout.write(colourise(diff) if colour else diff)
        else:
            write_changes(root, result.changes)
            print(f"wrote {len(result.changes)} file(s)", file=sys.stderr)
    return 0 if result.outcome.ok else 1


def print_result(result: RepoResult, root: Path) -> None:
    line = f"{root}: {result.outcome}"
    if result.reason:
        line += f": {result.reason}"
    print(line, file=sys.stderr)
    for note in result.notes:
        print(f"  {note}", file=sys.stderr)


def default_branch(root: Path) -> str | None:
    """origin/HEAD's branch, else the checked-out branch; None outside git or on a detached HEAD."""
    try:
        import git
    except ImportError:  # pragma: no cover - GitPython is a dependency
        return None
    try:
        repo = git.Repo(root, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    try:
        ref = repo.git.symbolic_ref("refs/remotes/origin/HEAD", "--short")
        return ref.split("/", 1)[1]
    except git.GitCommandError:
        pass
    try:
        return repo.active_branch.name
    except TypeError:
        return None


def write_changes(root: Path, changes: list[FileChange]) -> None:
    """All or nothing: every new text is written to a temporary file first, then all are moved into place."""
    staged: list[tuple[Path, Path]] = []
    try:
        for change in changes:
            if change.new_text is None:
                continue
            target = root / change.path
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".consolidate-ci-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(change.new_text.encode("utf-8"))
            if target.exists():
                os.chmod(tmp, target.stat().st_mode & 0o7777)
            staged.append((Path(tmp), target))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    for change in changes:
        if change.new_text is None:
            (root / change.path).unlink(missing_ok=True)
