"""Every whole-repository fixture through the engine: outcome, byte-for-byte result, idempotency, truth table."""

from __future__ import annotations

import pytest
from fixture_repos import Case, apply_changes, cases, tree

from codemod.engine import migrate_checkout, migrate_texts
from codemod.repofiles import RepoFiles

CASES = cases()
MIGRATED = [c for c in CASES if c.outcome == "migrated"]


def params(selected: list[Case]):
    return [pytest.param(c, id=c.name) for c in selected]


def test_there_are_enough_fixtures():
    assert len(CASES) >= 14
    assert {"migrated", "already-migrated", "not-applicable", "unsupported", "error"} <= {c.outcome for c in CASES}


@pytest.mark.parametrize("case", params(CASES))
def test_outcome(case: Case):
    result = migrate_checkout(case.before, case.config, default_branch=case.default_branch)
    assert result.outcome == case.outcome, result.reason
    if case.reason:
        assert case.reason in (result.reason or "")
    if case.outcome != "migrated":
        assert result.changes == []
        assert "\n" not in (result.reason or "")


@pytest.mark.parametrize("case", params(MIGRATED))
def test_result_is_byte_for_byte_the_expected_tree(case: Case):
    result = migrate_checkout(case.before, case.config, default_branch=case.default_branch)
    got = apply_changes(tree(case.before), result.changes)
    want = tree(case.after)
    assert sorted(got) == sorted(want)
    for path in want:
        assert got[path].decode() == want[path].decode(), path


@pytest.mark.parametrize("case", params(MIGRATED))
def test_second_run_is_already_migrated(case: Case):
    result = migrate_checkout(case.after, case.config, default_branch=case.default_branch)
    assert result.outcome == "already-migrated", result.reason
    assert result.changes == []


@pytest.mark.parametrize("case", params(MIGRATED))
def test_changes_record_the_original_text(case: Case):
    files = tree(case.before)
    result = migrate_texts(RepoFiles.from_bytes(files), case.config, default_branch=case.default_branch)
    for change in result.changes:
        assert change.old_text is None or change.old_text.encode() == files[change.path]


def test_seed_ci_diff_removes_only_the_cleanup_lines_it_must_change():
    """Minimal diff: on the seed-shaped fixture the CI workflow loses only the cleanup job's header, display
    name, `needs:` and condition; every other line of the file is still there, in order."""
    from codemod.diff import file_diff
    from codemod.result import FileChange

    case = next(c for c in CASES if c.name == "seed")
    path = ".github/workflows/main-ci-cd.yml"
    before = (case.before / path).read_bytes().decode()
    after = (case.after / path).read_bytes().decode()
    removed = [line[1:].strip() for line in file_diff(FileChange(path, before, after)).splitlines()
               if line.startswith("-") and not line.startswith("---")]
    assert removed == [
        "smart-staging-cleanup:",
        "name: Smart Staging Cleanup",
        "needs: [build-and-stage, e2e-tests, security-scanning]",
        "if: always() && needs.build-and-stage.result == 'success'",
    ]
