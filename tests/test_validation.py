"""R9 on every migrated fixture: actionlint and zizmor report nothing new; the truth table holds."""

from __future__ import annotations

import pytest
from fixture_repos import apply_changes, cases, tree

from codemod.checks import lint, new_findings
from codemod.engine import migrate_checkout
from codemod.migration import truthtable
from codemod.migration.cleanup import pushes_beyond
from codemod.migration.context import Workflow
from codemod.yamldoc import YamlDocument

MIGRATED = [pytest.param(c, id=c.name) for c in cases() if c.outcome == "migrated"]


def _texts(files: dict[str, bytes]) -> dict[str, str]:
    return {p: b.decode() for p, b in files.items() if p.startswith(".github/workflows/")}


@pytest.mark.slow
@pytest.mark.parametrize("case", MIGRATED)
def test_no_new_lint_findings(case):
    before = tree(case.before)
    result = migrate_checkout(case.before, case.config, default_branch=case.default_branch)
    after = apply_changes(before, result.changes)
    found = new_findings(_texts(before), _texts(after))
    assert found is not None, "actionlint and zizmor are installed by the test extra"
    assert found == []


def test_lint_sees_a_real_problem():
    """The check is not vacuous: an undefined `needs` reference is an actionlint finding."""
    broken = {".github/workflows/x.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
              "    steps:\n      - run: echo ${{ needs.nope.outputs.x }}\n"}
    findings = lint(broken)
    assert findings is not None
    assert any(tool == "actionlint" and kind == "expression" for tool, kind, _ in findings)


@pytest.mark.parametrize("case", MIGRATED)
def test_truth_table_holds_on_every_gate_combination(case):
    result = migrate_checkout(case.before, case.config, default_branch=case.default_branch)
    summary = result.summary
    ci_doc = YamlDocument.parse((case.before / summary.ci_path).read_bytes().decode())
    before = ci_doc.plain()["jobs"]
    ci_after = next(c.new_text for c in result.changes if c.path == summary.ci_path)
    after = YamlDocument.parse(ci_after).plain()["jobs"]
    problems = truthtable.check(before, after, gates=summary.gates, group=summary.publish_group,
                                moved=sorted(set(summary.moved.values())), final=summary.final_cleanup,
                                old_cleanup=summary.old_cleanup, release=summary.release_branches,
                                pushes_elsewhere=pushes_beyond(Workflow(summary.ci_path, ci_doc).triggers(),
                                                               summary.release_branches))
    assert problems == []


def test_truth_table_catches_an_ungated_publish():
    """A publish job with `always()` and no gate-result terms would publish after a failed test."""
    jobs = {
        "e2e-tests": {"runs-on": "x"},
        "publish-production": {"needs": ["e2e-tests"], "if": "always() && github.event_name == 'push'"},
    }
    problems = truthtable.check(jobs, jobs, gates=["e2e-tests"], group=["publish-production"],
                                moved=["publish-production"], final=None, old_cleanup=None,
                                release=["main"], pushes_elsewhere=False)
    assert any("would run" in p for p in problems)
