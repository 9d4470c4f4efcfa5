"""`consolidate-ci audit` end to end against the local GitHub: what the migration would do in each repository
and its follow-ups, from batched GraphQL reads only (never a clone, never a write), at most one request per
25 repositories, and the same outcomes a dry run finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from batch_support import EXPECTED, KINDS, api_requests, cli, org_fixture, populate, write_lines  # noqa: F401
from github_server import gitstore
from github_server.server import Repo

from codemod import report
from codemod.cli import main as cli_main

LAYOUT = {"acme/app": "migrate", "acme/done": "already", "acme/na": "na", "acme/bare": "no-ci",
          "acme/gate": "unsupported", "acme/bad": "invalid"}


def outcomes(data):
    return {e["repo"]: e["outcome"] for e in data["repositories"]}


def test_audit_reports_what_would_happen_and_matches_a_dry_run(org, capsys):
    populate(org, LAYOUT)
    populate(org, {"acme/old": "migrate"}, archived=True)
    code, out, err = cli(capsys, org, "audit", "--org", "acme")
    assert code == 1  # acme/gate would be unsupported, acme/bad an error
    data = report.read(Path("consolidate-ci-audit.json"))  # the default place, in the working directory
    assert data["mode"] == "audit" and data["shard"] is None
    assert outcomes(data) == {**{k: EXPECTED[v] for k, v in LAYOUT.items()}, "acme/old": "skipped"}
    app = next(e for e in data["repositories"] if e["repo"] == "acme/app")
    assert app["action"] == "audited" and app["pr_url"] is None and app["commit"] is None
    assert app["diff"].startswith("diff --git") and app["mermaid"].startswith("flowchart")
    assert {"secret", "trigger", "moved"} <= {n["category"] for n in app["notes"]}
    assert "Audit" in out and "acme/app" in out and "secret" in out and "Repositories by outcome" in out
    assert "audited 7 repositories with 1 API request(s)" in err
    assert [e.kind for e in org.exchanges] == ["graphql"]  # one listing that read the workflows too: no clone
    dry_code, _, _ = cli(capsys, org, "run", "--dry-run", "--org", "acme", "--no-triage", "--no-journal",
                         "--json", "dry.json")
    assert outcomes(report.read(Path("dry.json"))) == outcomes(data) and dry_code == code


@pytest.mark.parametrize("source", [pytest.param("org", id="--org"), pytest.param("file", id="--repos-file")])
def test_at_most_one_request_per_25_repositories(org, capsys, tmp_path, source):
    kinds = ["no-ci", "na", "already", "migrate", "unsupported"]
    names = [f"acme/r{i:02}" for i in range(60)]
    populate(org, {name: kinds[i % len(kinds)] for i, name in enumerate(names)})
    args = ["--org", "acme"] if source == "org" else ["--repos-file", str(write_lines(tmp_path / "r.txt", names))]
    code, _, err = cli(capsys, org, "audit", *args, "--concurrency", "3", "--json", "a.json")
    requests = api_requests(org)
    assert code == 1 and requests * 25 <= len(names), requests
    assert not [e for e in org.exchanges if e.kind != "graphql"]  # no REST, no git: nothing cloned or written
    assert f"with {requests} API request(s)" in err
    data = report.read(Path("a.json"))
    assert len(data["repositories"]) == 60 and data["totals"]["migrated"] == 12 and data["totals"]["unsupported"] == 12
    assert all(e["requests"] == 0 for e in data["repositories"])  # batched reads belong to no single repository


def test_only_the_workflow_folders_are_read(org, capsys):
    files = {**KINDS["migrate"](), "src/big.txt": "never read by an audit\n" * 5000}
    org.add_repos_fast("acme/app", files)
    cli(capsys, org, "audit", "--repo", "acme/app", "--json", "a.json")
    assert all("never read by an audit" not in str(e.response) for e in org.exchanges)
    assert org.bytes_sent() < 40_000  # the workflows (about 7 KB), not the 110 KB file


def add_empty_repo(srv, name):
    owner, repo_name = name.split("/")
    bare = srv.git_root / owner / f"{repo_name}.git"
    gitstore.init_bare(bare, "main")
    srv.repos[name] = Repo(owner, repo_name, bare, "main")


def test_repositories_that_cannot_be_read_as_expected(org, capsys, tmp_path):
    symlinked = {**KINDS["migrate"](), ".github/workflows/main-branch-post-processing.yml": gitstore.Symlink("../x.yml")}
    latin1 = {**KINDS["migrate"](), ".github/workflows/main-ci-cd.yml": "name: caf\xe9\n".encode("latin-1")}
    org.add_repos_fast("acme/link", symlinked)
    org.add_repos_fast("acme/latin1", latin1)
    org.add_repos_fast("acme/old", KINDS["migrate"](), archived=True)
    add_empty_repo(org, "acme/empty")
    names = ["acme/link", "acme/latin1", "acme/missing", "acme/old", "acme/empty"]
    listed = write_lines(tmp_path / "r.txt", names)
    code, _, _ = cli(capsys, org, "audit", "--repos-file", str(listed), "--json", "a.json")
    by_repo = {e["repo"]: e for e in report.read(Path("a.json"))["repositories"]}
    assert code == 1
    assert (by_repo["acme/link"]["outcome"], by_repo["acme/link"]["reason"]) == (
        "error", ".github/workflows/main-branch-post-processing.yml: is a symbolic link; the codemod edits only regular files")
    assert by_repo["acme/latin1"]["outcome"] == "error" and "not UTF-8" in by_repo["acme/latin1"]["reason"]
    assert (by_repo["acme/missing"]["outcome"], by_repo["acme/missing"]["action"]) == ("error", "failed")
    assert "acme/missing not found" in by_repo["acme/missing"]["reason"]
    assert by_repo["acme/old"]["outcome"] == "skipped" and "--include-archived" in by_repo["acme/old"]["reason"]
    assert by_repo["acme/empty"]["outcome"] == "skipped" and "empty" in by_repo["acme/empty"]["reason"]
    cli(capsys, org, "audit", "--repo", "acme/old", "--include-archived", "--json", "b.json")
    assert outcomes(report.read(Path("b.json"))) == {"acme/old": "migrated"}


def test_a_read_that_fails_is_split_and_retried(org, capsys, tmp_path):
    names = [f"acme/s{i}" for i in range(6)]
    populate(org, dict.fromkeys(names, "na"))
    org.fail("POST /api/graphql", 502, times=2)  # both tries of the whole batch: then halves are read
    code, _, _ = cli(capsys, org, "audit", "--repos-file", str(write_lines(tmp_path / "r.txt", names)),
                     "--json", "a.json")
    assert code == 0 and outcomes(report.read(Path("a.json"))) == dict.fromkeys(names, "not-applicable")
    assert api_requests(org) == 2 + 2


def test_a_repository_configured_with_other_paths_is_read_where_its_workflows_are(org, capsys, tmp_path):
    moved = {k.replace(".github/workflows/main-ci-cd.yml", "ci/main.yml")
              .replace(".github/workflows/main-branch-post-processing.yml", "ci/post.yml"): v
             for k, v in KINDS["migrate"]().items()}
    org.add_repos_fast("acme/custom", moved)
    populate(org, {"acme/plain": "migrate"})
    config = tmp_path / "c.toml"
    config.write_text('[repos."acme/custom".workflows]\nci = "ci/main.yml"\npost = "ci/post.yml"\n')
    code, _, _ = cli(capsys, org, "audit", "--org", "acme", "--config", str(config), "--json", "a.json")
    assert code == 0 and outcomes(report.read(Path("a.json"))) == {"acme/custom": "migrated", "acme/plain": "migrated"}
    assert api_requests(org) == 2  # the listing read .github/workflows; acme/custom's folders needed one more read


def test_shard_audits_merge_into_the_whole(org, capsys):
    names = [f"acme/m{i}" for i in range(12)]
    populate(org, {n: ["na", "already", "no-ci"][i % 3] for i, n in enumerate(names)})
    parts = []
    for k in (1, 2, 3):
        cli(capsys, org, "audit", "--org", "acme", "--shard", f"{k}/3", "--json", f"s{k}.json")
        part = report.read(Path(f"s{k}.json"))
        assert part["shard"] == f"{k}/3"
        parts.append(part)
    assert sorted(e["repo"] for p in parts for e in p["repositories"]) == sorted(names)
    code = cli_main(["report", "merge", "s1.json", "s2.json", "s3.json", "--json", "all.json"])
    merged = report.read(Path("all.json"))
    assert code == 0 and [e["repo"] for e in merged["repositories"]] == sorted(names) and merged["mode"] == "audit"
    assert merged["totals"]["already-migrated"] == 4
