"""codemod.report: the JSON report's entries, its validator, writing and reading, and `report merge` (also
through the CLI, with the HTML page when codemod.html is there and a clear message when it is not)."""

from __future__ import annotations

import json
import sys
import types

import pytest

from codemod import cli, report
from codemod.pipeline import Action, RepoRun
from codemod.result import Category, FileChange, Location, MigrationSummary, Note, Outcome, RepoResult

SUMMARY = MigrationSummary(
    ci_path=".github/workflows/main-ci-cd.yml", post_path=".github/workflows/main-branch-post-processing.yml",
    ci_name="CI", post_name="Post", default_branch="main", release_branches=["main"], gates=["e2e-tests"],
    publish_group=["publish-production"], moved={"publish-dockerhub": "publish-production"}, dropped={},
    old_cleanup="smart-staging-cleanup", final_cleanup="final-cleanup", secrets=["TOKEN"],
)
MIGRATED = RepoResult(Outcome.MIGRATED, changes=[FileChange("a.yml", "a: 1\n", "a: 2\n")], summary=SUMMARY,
                      notes=[Note(Category.SECRET, "uses TOKEN", Location("a.yml", 3)), Note(Category.INFO, "fyi")])


class Pull:
    url = "https://github.example/acme/app/pull/7"


def a_run(action, result=None, message="", **fields):
    run = RepoRun("acme/app", action=action, message=message, result=result, **fields)
    return run


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        pytest.param(a_run(Action.OPENED, MIGRATED, "opened #7", pull=Pull(), commit="abc", requests=4, diff="d\n"),
                     {"outcome": "migrated", "action": "opened", "reason": None, "pr_url": Pull.url, "commit": "abc",
                      "requests": 4, "diff": "d\n"}, id="opened"),
        pytest.param(a_run(Action.NOTHING, RepoResult(Outcome.UNSUPPORTED, reason="x.yml:1:2: no")),
                     {"outcome": "unsupported", "action": "nothing", "reason": "x.yml:1:2: no", "diff": None,
                      "mermaid": None}, id="unsupported"),
        pytest.param(a_run(Action.FAILED, None, "could not push branch b: denied"),
                     {"outcome": "error", "action": "failed", "reason": "could not push branch b: denied"},
                     id="a failure is an error with its message"),
        pytest.param(a_run(Action.SKIPPED, MIGRATED, "pull request #1 was closed without merge: skipped"),
                     {"outcome": "skipped", "action": "skipped", "reason": "pull request #1 was closed without merge: skipped"},
                     id="skipped on purpose"),
        pytest.param(a_run(Action.DRY_RUN, MIGRATED, "would push", warnings=["labels were not set"]),
                     {"outcome": "migrated", "action": "dry-run", "pr_url": None}, id="dry run"),
    ],
)
def test_run_entry(run, expected):
    entry = report.run_entry(run, seconds=1.23456)
    assert report.validate_entry(entry) == []
    assert {k: entry[k] for k in expected} == expected
    assert entry["seconds"] == 1.235 and entry["repo"] == "acme/app"
    if run.result is MIGRATED:
        assert entry["mermaid"].startswith("flowchart") and entry["notes"][0] == {
            "category": "secret", "message": "uses TOKEN", "location": "a.yml:3"}
        assert entry["notes"][1]["location"] is None
    if run.warnings:
        assert entry["notes"][-1] == {"category": "follow-up", "message": "labels were not set", "location": None}


def test_audit_entry_carries_the_diff_of_the_changes():
    entry = report.audit_entry("acme/app", MIGRATED, seconds=0.5)
    assert entry["action"] == "audited" and entry["diff"].startswith("diff --git a/a.yml b/a.yml")
    assert report.validate_entry(entry) == []


def a_report(*entries, mode="run", shard=None):
    return report.build(list(entries), mode=mode, shard=shard)


def e(repo, outcome="migrated", finished="2026-01-01T10:00:00.000Z", **fields):
    return {**report.entry(repo, outcome=outcome, action="opened" if outcome == "migrated" else "nothing"),
            "finished_at": finished, **fields}


def test_build_counts_every_outcome():
    built = a_report(e("a/x"), e("a/y", "error"), e("a/z", "error"), shard="1/2")
    assert built["totals"] == {"migrated": 1, "already-migrated": 0, "not-applicable": 0, "unsupported": 0,
                               "error": 2, "skipped": 0}
    assert report.validate(built) == [] and built["version"] == 1 and built["tool"].startswith("consolidate-ci ")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        pytest.param(lambda r: r.update(version=2), "version is 2", id="another version"),
        pytest.param(lambda r: r.update(mode="apply"), "mode 'apply'", id="unknown mode"),
        pytest.param(lambda r: r.update(shard="3/2"), "shard '3/2'", id="bad shard"),
        pytest.param(lambda r: r.pop("totals"), "lacks totals", id="missing key"),
        pytest.param(lambda r: r.update(extra=1), "unknown keys extra", id="unknown key"),
        pytest.param(lambda r: r["totals"].update(error=5), "totals do not count", id="totals that lie"),
        pytest.param(lambda r: r["repositories"][0].update(outcome="done"), "outcome 'done' is unknown", id="outcome"),
        pytest.param(lambda r: r["repositories"][0].update(action="pushed"), "action 'pushed'", id="action"),
        pytest.param(lambda r: r["repositories"][0].update(requests=-1), "requests is not a count", id="requests"),
        pytest.param(lambda r: r["repositories"][0].update(finished_at="yesterday"), "finished_at", id="time"),
        pytest.param(lambda r: r["repositories"][0].update(notes=[{"category": "x"}]), "notes are not notes", id="notes"),
        pytest.param(lambda r: r["repositories"][0].update(repo="app"), "not owner/name", id="repo"),
        pytest.param(lambda r: r["repositories"][0].update(diff=3), "diff is not a string or null", id="diff"),
    ],
)
def test_validate_finds_what_is_wrong(change, problem):
    broken = a_report(e("a/x"))
    change(broken)
    assert any(problem in p for p in report.validate(broken)), report.validate(broken)


def test_write_then_read(tmp_path):
    path = tmp_path / "out" / "r.json"
    original = a_report(e("a/x", diff="diff --git a/ä b/ä\n"), mode="audit")
    report.write(original, path)
    assert report.read(path) == original and "ä" in path.read_text(encoding="utf-8")
    path.write_text(json.dumps({**original, "version": 9}))
    with pytest.raises(report.ReportError, match="report version 9, this tool reads version 1"):
        report.read(path)
    path.write_text("{not json")
    with pytest.raises(report.ReportError, match="cannot read the report"):
        report.read(path)


def test_merge_unions_later_wins_and_recounts():
    first = a_report(e("acme/a", "error", "2026-01-01T10:00:00.000Z"), e("acme/b"), shard="1/2")
    second = a_report(e("Acme/A", "migrated", "2026-01-01T11:00:00Z"), e("acme/c", "skipped"), shard="2/2")
    older = a_report(e("acme/b", "error", "2025-12-31T00:00:00.000Z"))
    merged = report.merge([first, second, older])
    assert [(x["repo"], x["outcome"]) for x in merged["repositories"]] == [
        ("Acme/A", "migrated"), ("acme/b", "migrated"), ("acme/c", "skipped")]
    assert merged["totals"]["migrated"] == 2 and merged["totals"]["error"] == 0 and merged["shard"] is None
    assert report.validate(merged) == []
    tie = report.merge([a_report(e("a/x", "error")), a_report(e("a/x", "migrated"))])
    assert tie["repositories"][0]["outcome"] == "migrated"  # same time: the later input wins


@pytest.mark.parametrize(
    ("reports", "message"),
    [
        pytest.param([a_report(e("a/x")), {**a_report(e("a/y")), "version": 2}], "report 2: report version 2",
                     id="another version"),
        pytest.param([a_report(e("a/x")), a_report(e("a/y"), mode="audit")], "different modes (audit, run)",
                     id="an audit and a run"),
        pytest.param([], "nothing to merge", id="nothing"),
    ],
)
def test_merge_refuses(reports, message):
    with pytest.raises(report.ReportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        report.merge(reports)


def test_report_merge_cli(tmp_path, capsys, monkeypatch):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    report.write(a_report(e("acme/a"), e("acme/b", "unsupported", reason="x.yml:1:1: no"), shard="1/2"), a)
    report.write(a_report(e("acme/c", "error", reason="boom"), shard="2/2"), b)
    import codemod

    monkeypatch.delattr(codemod, "html", raising=False)
    monkeypatch.setitem(sys.modules, "codemod.html", None)  # the HTML page is not written yet
    code = cli.main(["report", "merge", str(a), str(b), "--json", str(tmp_path / "all.json"),
                     "--html", str(tmp_path / "all.html")])
    out, err = capsys.readouterr()
    assert code == 0 and "Repositories by outcome" in out and "Needs attention" in out
    assert "merged 2 report(s): 3 repositories: 1 migrated, 1 unsupported, 1 error" in err
    assert "--html" in err and "skipped" in err and not (tmp_path / "all.html").exists()
    merged = report.read(tmp_path / "all.json")
    assert [x["repo"] for x in merged["repositories"]] == ["acme/a", "acme/b", "acme/c"]
    fake = types.ModuleType("codemod.html")
    fake.render_html = lambda data: f"<html>{len(data['repositories'])}</html>"
    monkeypatch.setitem(sys.modules, "codemod.html", fake)
    monkeypatch.delattr(codemod, "html", raising=False)
    assert cli.main(["report", "merge", str(a), "--json", str(tmp_path / "one.json"), "--html",
                     str(tmp_path / "one.html")]) == 0
    assert (tmp_path / "one.html").read_text() == "<html>2</html>"
    (tmp_path / "bad.json").write_text(json.dumps({"version": 2}))
    assert cli.main(["report", "merge", str(a), str(tmp_path / "bad.json"), "--json", str(tmp_path / "x.json")]) == 2
    assert "bad.json: report version 2" in capsys.readouterr().err


def test_a_failing_html_renderer_leaves_the_json(tmp_path, capsys, monkeypatch):
    import codemod

    source = tmp_path / "a.json"
    report.write(a_report(e("acme/a")), source)
    broken = types.ModuleType("codemod.html")

    def render_html(data):
        raise KeyError("totals")

    broken.render_html = render_html
    monkeypatch.setitem(sys.modules, "codemod.html", broken)
    monkeypatch.delattr(codemod, "html", raising=False)
    code = cli.main(["report", "merge", str(source), "--json", str(tmp_path / "all.json"), "--html",
                     str(tmp_path / "all.html")])
    err = capsys.readouterr().err
    assert code == 0 and report.read(tmp_path / "all.json")["totals"]["migrated"] == 1
    assert "the HTML report failed (KeyError: 'totals')" in err and not (tmp_path / "all.html").exists()
