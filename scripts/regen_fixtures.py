"""Regenerates `fixtures/<case>/after/` from the engine, for review: run it after a deliberate behaviour change,
then read `git diff fixtures/` line by line before committing (the tests compare byte-for-byte with these)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fixture_repos import apply_changes, cases, tree  # noqa: E402

from codemod.engine import migrate_checkout  # noqa: E402


def main(names: list[str]) -> None:
    for case in cases():
        if case.outcome != "migrated" or (names and case.name not in names):
            continue
        result = migrate_checkout(case.before, case.config, default_branch=case.default_branch)
        if result.outcome != "migrated":
            print(f"{case.name}: {result.outcome}: {result.reason}")
            continue
        files = apply_changes(tree(case.before), result.changes)
        shutil.rmtree(case.after, ignore_errors=True)
        for path, data in files.items():
            target = case.after / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        print(f"{case.name}: {len(result.changes)} change(s)")


if __name__ == "__main__":
    main(sys.argv[1:])
