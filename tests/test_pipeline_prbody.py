"""The pull request body (codemod.prbody): what moved, what was dropped, the follow-ups, the job graph."""

from __future__ import annotations

import dataclasses

import pytest

from codemod import prbody
from codemod.result import Category, FileChange, Location, MigrationSummary, Note, Outcome, RepoResult

CI_BEFORE = """name: Main CI/CD
on: {push: {branches: [main]}, pull_request: {}}
jobs:
  e2e-tests: {runs-on: x, steps: [{run: t}]}
  security-scanning: {runs-on: x, steps: [{run: s}]}
  smart-staging-cleanup:
    name: Smart Staging Cleanup
    runs-on: x
    steps: [{run: c}]
"""

SUMMARY = MigrationSummary(
    ci_path=".github/workflows/main-ci-cd.yml", post_path=".github/workflows/main-branch-post-processing.yml",
    ci_name="Main CI/CD", post_name="Main Branch Post-Processing", default_branch="main", release_branches=["main"],
    gates=["e2e-tests", "security-scanning"], publish_group=["publish-production"],
    moved={"publish-dockerhub": "publish-production", "publish-client-libraries": "publish-production"},
    dropped={"detect-changes": "change detection: publishing always follows a green build"},
    old_cleanup="smart-staging-cleanup", final_cleanup="final-cleanup", secrets=["DOCKERHUB_TOKEN", "NPM_TOKEN"],
)
NOTES = [
    Note(Category.TRIGGER, "`workflow_dispatch` of the post workflow is dropped",
         Location(".github/workflows/main-branch-post-processing.yml", 5, 3)),
    Note(Category.PERMISSION, "`packages: write` is now job-level on publish-production"),
    Note(Category.SCRIPT, "scripts/release.py dispatches the deleted workflow (workflow_dispatch)"),
    Note(Category.SCRIPT, "scripts/check.py: a string literal retargeted"),
    Note(Category.DOCS, "docs/workflows/main-ci-cd.md: generated section added"),
]
RESULT = RepoResult(
    Outcome.MIGRATED,
    changes=[FileChange(SUMMARY.ci_path, CI_BEFORE, CI_BEFORE + "  # migrated\n"),
             FileChange(SUMMARY.post_path, "name: Main Branch Post-Processing\n", None)],
    notes=NOTES, summary=SUMMARY,
)


def body(facts: prbody.ForgeFacts | None = None, result: RepoResult = RESULT) -> str:
    return prbody.render(result, facts or prbody.ForgeFacts(), title="Consolidate production publishing")


@pytest.mark.parametrize(
    "expected",
    [
        pytest.param("## Consolidate production publishing", id="title"),
        pytest.param("| `publish-dockerhub` | `publish-production` |", id="moved table"),
        pytest.param("| `smart-staging-cleanup` (CI) | `final-cleanup` (renamed in place) |", id="cleanup rename"),
        pytest.param("- `detect-changes`: change detection: publishing always follows a green build", id="dropped, why"),
        pytest.param("- [ ] `DOCKERHUB_TOKEN`", id="secrets checklist"),
        pytest.param("- [ ] `workflow_dispatch` of the post workflow is dropped "
                     "(.github/workflows/main-branch-post-processing.yml:5:3)", id="dropped trigger, located"),
        pytest.param("- [ ] `packages: write` is now job-level on publish-production", id="permission note"),
        pytest.param("**Scripts that dispatch the deleted workflow**\n\n- [ ] scripts/release.py dispatches", id="dispatch"),
        pytest.param("- modified `.github/workflows/main-ci-cd.yml`\n- deleted `.github/workflows/main-branch-post-processing.yml`",
                     id="files changed"),
        pytest.param("**docs**\n\n- docs/workflows/main-ci-cd.md: generated section added", id="other notes by category"),
        pytest.param("```mermaid\nflowchart TD", id="job graph from codemod.mermaid"),
    ],
)
def test_body_says(expected):
    assert expected in body()


def test_body_starts_with_the_marker_and_ends_with_the_footer():
    text = body()
    assert text.startswith(prbody.MARKER + "\n")
    assert "unless someone else has pushed to the branch" in text.splitlines()[-1]


@pytest.mark.parametrize(
    ("checks", "present", "absent"),
    [
        pytest.param(("smart-staging-cleanup", "lint"), ["- [ ] `smart-staging-cleanup` is required on `main`"], ["`lint`"],
                     id="by job id"),
        pytest.param(("Smart Staging Cleanup",), ["- [ ] `Smart Staging Cleanup` is required"], [], id="by display name"),
        pytest.param(("Smart Staging Cleanup (ubuntu)",), ["`Smart Staging Cleanup (ubuntu)` is required"], [],
                     id="a matrix variant"),
        pytest.param(("lint",), [], ["Required status checks"], id="no stale check: no section"),
        pytest.param(None, ["the token could not read the branch protection or rulesets of `main`",
                            "`smart-staging-cleanup` or `Smart Staging Cleanup`"], [], id="unknown: asks to check"),
    ],
)
def test_required_checks_that_name_the_old_cleanup_job(checks, present, absent):
    text = body(prbody.ForgeFacts(required_checks=checks, default_branch="main"))
    for item in present:
        assert item in text
    for item in absent:
        assert item not in text


@pytest.mark.parametrize(
    ("names", "present", "absent"),
    [
        pytest.param(frozenset({"DOCKERHUB_TOKEN", "NPM_TOKEN"}), ["- [ ] `NPM_TOKEN`\n"], ["not a repository secret"],
                     id="all known"),
        pytest.param(frozenset({"DOCKERHUB_TOKEN"}), ["- [ ] `NPM_TOKEN` (not a repository secret"], [], id="one missing"),
        pytest.param(None, ["could not list this repository's secrets"], ["not a repository secret"], id="unknown"),
    ],
)
def test_secrets_checklist_uses_what_the_forge_knows(names, present, absent):
    text = body(prbody.ForgeFacts(secret_names=names))
    for item in present:
        assert item in text
    for item in absent:
        assert item not in text


def test_without_mermaid_the_graph_is_left_out(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_mermaid(name, *args, **kwargs):
        if name == "codemod.mermaid":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "codemod.mermaid", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_mermaid)
    monkeypatch.setattr(prbody.importlib, "import_module", lambda name: no_mermaid(name))
    text = body()
    assert "mermaid" not in text and "| `publish-dockerhub` |" in text


def test_no_summary_gives_a_plain_outcome():
    text = prbody.render(RepoResult(Outcome.UNSUPPORTED, reason="x.yml:1:1: nope"))
    assert "outcome **unsupported**: x.yml:1:1: nope" in text


def test_a_huge_body_is_cut_below_githubs_limit():
    many = [Note(Category.INFO, "n" * 200) for _ in range(1000)]
    text = body(result=dataclasses.replace(RESULT, notes=many))
    assert len(text) <= prbody.MAX_BODY and text.rstrip().endswith("report._")
