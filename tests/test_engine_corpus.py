"""The engine on real-world workflow_run pairs from ../shared/corpus: every `workflow_run`-triggered workflow
whose upstream workflow is in the same snapshot is migrated into it, with the upstream's jobs as gates and the
post workflow's jobs as publish jobs. Whatever the shape, the engine must end in an outcome (never raise), a
migrated result must re-parse, keep the truth table (the engine checks it) and be already-migrated on a
second run, and an unsupported or error outcome must name a file and line."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict

import pytest
from conftest import CORPUS, corpus_manifest

from codemod.config import Jobs, RepoConfig, Workflows
from codemod.engine import migrate_texts
from codemod.errors import InputError
from codemod.repofiles import RepoFiles
from codemod.yamldoc import YamlDocument, YamlEditError


def _load(row):
    data = (CORPUS / "workflows" / row["file"]).read_bytes()
    try:
        return YamlDocument.from_bytes(data, row["path"]).plain()
    except InputError:
        return None


def pairs():
    """(snapshot files, CI path, post path, CI jobs, post jobs) for every resolvable workflow_run pair."""
    snapshots = defaultdict(list)
    for row in corpus_manifest():
        if row["valid_yaml"] == "yes":
            snapshots[(row["repo"], row["commit"])].append(row)
    out = []
    for (repo, commit), rows in sorted(snapshots.items()):
        docs = {r["path"]: (r, _load(r)) for r in rows}
        for path, (_row, data) in docs.items():
            on = data.get("on") if isinstance(data, dict) else None
            run = on.get("workflow_run") if isinstance(on, dict) else None
            upstreams = run.get("workflows") if isinstance(run, dict) else None
            if not upstreams:
                continue
            upstreams = [upstreams] if isinstance(upstreams, str) else upstreams
            ci = next((p for p, (_, d) in docs.items() if isinstance(d, dict) and d.get("name") == upstreams[0]), None)
            if ci and ci != path and isinstance(docs[ci][1].get("jobs"), dict) and isinstance(data.get("jobs"), dict):
                out.append(pytest.param(repo, commit, rows, ci, path, id=f"{repo}@{commit[:7]}:{path.rsplit('/', 1)[-1]}"))
    return out


PAIRS = pairs()


def test_the_corpus_has_workflow_run_pairs():
    if not corpus_manifest():
        pytest.skip(f"the shared workflow corpus is absent ({CORPUS})")
    assert len(PAIRS) >= 5


@pytest.mark.corpus
@pytest.mark.parametrize(("repo", "commit", "rows", "ci", "post"), PAIRS)
def test_engine_ends_in_an_outcome_on_real_pairs(repo, commit, rows, ci, post):
    blobs = {r["path"]: (CORPUS / "workflows" / r["file"]).read_bytes() for r in rows}
    ci_jobs = list(_load(next(r for r in rows if r["path"] == ci))["jobs"])
    post_jobs = [j for j in _load(next(r for r in rows if r["path"] == post))["jobs"] if "cleanup" not in j]
    config = RepoConfig(
        workflows=Workflows(ci=ci, post=post),
        jobs=Jobs(gates=tuple(ci_jobs[:2]), publish=tuple(post_jobs[:1]) or ("none",), ci_cleanup=""),
    )
    result = migrate_texts(RepoFiles.from_bytes(blobs), config, default_branch="main")
    assert result.outcome in ("migrated", "unsupported", "error", "not-applicable")
    if result.outcome in ("unsupported", "error"):
        assert re.match(r"^\.github/workflows/[^:]+(:\d+){0,2}: |^cannot edit the YAML safely: ", result.reason), result.reason
        assert result.changes == []
        return
    if result.outcome == "migrated":
        after = dict(blobs)
        for change in result.changes:
            if change.new_text is None:
                after.pop(change.path)
            else:
                after[change.path] = change.new_text.encode()
                if change.path.startswith(".github/workflows/"):
                    YamlDocument.parse(change.new_text, change.path)
        again = migrate_texts(RepoFiles.from_bytes(after), config, default_branch="main")
        assert again.outcome == "already-migrated", again.reason


def _push_ci(data) -> bool:
    on = data.get("on") if isinstance(data, dict) else None
    push = on.get("push", False) if isinstance(on, dict) else ("push" in on if isinstance(on, list) else on == "push")
    if push is False or not isinstance(data.get("jobs"), dict) or len(data["jobs"]) < 2:
        return False
    branches = push.get("branches") if isinstance(push, dict) else None
    only_tags = isinstance(push, dict) and branches is None and ("tags" in push or "branches-ignore" in push)
    return not only_tags and (branches is None or "main" in branches) and isinstance(data.get("name"), str)


def synthetic_pairs(count: int = 24):
    """Real CI workflows (they run on push to main) and real other workflows turned into post workflows."""
    rows = [r for r in corpus_manifest() if r["valid_yaml"] == "yes"]
    loaded = [(r, _load(r)) for r in rows]
    loaded = [(r, d) for r, d in loaded if isinstance(d, dict) and isinstance(d.get("jobs"), dict) and d["jobs"]]
    cis = [(r, d) for r, d in loaded if _push_ci(d) and "workflow_run" not in str(d.get("on"))]
    posts = [(r, d) for r, d in loaded if "workflow_run" not in str(d.get("on"))]
    out = []
    for i in range(min(count, len(cis))):
        ci, post = cis[(i * 7) % len(cis)], posts[(i * 13 + 5) % len(posts)]
        if ci[0]["file"] != post[0]["file"]:
            out.append(pytest.param(ci[0], post[0], id=f"{ci[0]['file'][:40]}+{post[0]['file'][:40]}"))
    return out


def _as_post(text: str, path: str, ci_name: str) -> str:
    doc = YamlDocument.parse(text, path)
    key = "on" if "on" in doc.data else True
    doc.set_value((key,), {"workflow_run": {"workflows": [ci_name], "types": ["completed"]}})
    return doc.render()


@pytest.mark.corpus
@pytest.mark.parametrize(("ci_row", "post_row"), synthetic_pairs())
def test_engine_moves_real_jobs_into_real_ci_workflows(ci_row, post_row):
    """Real job shapes (matrices, containers, block scalars, anchors, odd styles) moved into real CI files."""
    ci_path, post_path = ".github/workflows/main-ci-cd.yml", ".github/workflows/main-branch-post-processing.yml"
    ci_text = (CORPUS / "workflows" / ci_row["file"]).read_bytes().decode("utf-8")
    ci_data = YamlDocument.parse(ci_text, ci_path).plain()
    try:
        post_text = _as_post((CORPUS / "workflows" / post_row["file"]).read_bytes().decode("utf-8"), post_path,
                             ci_data["name"])
    except YamlEditError as exc:
        pytest.skip(f"this workflow cannot be turned into a post workflow by replacing its `on:` ({exc})")
    post_jobs = list(YamlDocument.parse(post_text, post_path).plain()["jobs"])
    config = RepoConfig(jobs=Jobs(gates=tuple(list(ci_data["jobs"])[:2]), publish=(post_jobs[0],), ci_cleanup=""))
    files = {ci_path: ci_text.encode(), post_path: post_text.encode()}
    result = migrate_texts(RepoFiles.from_bytes(files), config, default_branch="main")
    assert result.outcome in ("migrated", "unsupported"), result.reason
    if result.outcome == "unsupported":
        assert re.match(r"^\.github/workflows/[^:]+:\d+(:\d+)?: |^cannot edit the YAML safely: ", result.reason), result.reason
        return
    new_ci = next(c.new_text for c in result.changes if c.path == ci_path)
    # with no cleanup job to rename, the CI workflow only gains lines: every original line stays, in order (a
    # last line without a newline gets one when jobs are appended after it)
    old = ci_text if ci_text.endswith("\n") else ci_text + ("\r\n" if "\r\n" in ci_text else "\n")
    opcodes = difflib.SequenceMatcher(None, old.splitlines(True), new_ci.splitlines(True), autojunk=False).get_opcodes()
    assert [op for op in opcodes if op[0] in ("delete", "replace")] == []
    again = migrate_texts(RepoFiles.from_bytes({ci_path: new_ci.encode()}), config, default_branch="main")
    assert again.outcome == "already-migrated", again.reason
