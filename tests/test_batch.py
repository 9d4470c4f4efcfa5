"""Org-wide runs through the CLI against the local GitHub: every repository ends with its own outcome, the
triage settles repositories without a post workflow without cloning them, the journal resumes, writes are
paced across workers, rate limits pause everyone, and request budgets hold."""

from __future__ import annotations

import itertools
import json
import os
import signal
import threading
import time

from batch_support import (  # noqa: F401
    BRANCH,
    EXPECTED,
    api_requests,
    cli,
    org_fixture,
    populate,
    pulls_by_repo,
    write_lines,
)

from codemod import report
from codemod.batch import Pacer
from codemod.journal import Journal

LAYOUT = {"acme/app1": "migrate", "acme/app2": "migrate", "acme/app3": "migrate", "acme/done": "already",
          "acme/na": "na", "acme/empty-ci": "no-ci", "acme/gate": "unsupported", "acme/bad": "invalid"}
MIGRATE_BUDGET = 6  # API requests per migrated repository (the target)


def outcomes(entries):
    return {e["repo"]: e["outcome"] for e in entries}


def test_an_org_run_gives_each_repository_its_outcome(org, capsys):
    populate(org, LAYOUT)
    populate(org, {"acme/old": "migrate"}, archived=True)
    populate(org, {"acme/fork": "migrate"}, fork=True)
    code, out, err = cli(capsys, org, "run", "--org", "acme", "--concurrency", "4", "--json", "run.json")
    assert code == 1  # one unsupported, one error
    data = report.read(org.root.parent / "cwd" / "run.json")
    assert outcomes(data["repositories"]) == {**{k: EXPECTED[v] for k, v in LAYOUT.items()},
                                              "acme/old": "skipped", "acme/fork": "skipped"}
    assert data["mode"] == "run" and data["totals"]["migrated"] == 3 and data["totals"]["skipped"] == 2
    assert {k: n for k, n in pulls_by_repo(org).items() if n} == {"acme/app1": 1, "acme/app2": 1, "acme/app3": 1}
    by_repo = {e["repo"]: e for e in data["repositories"]}
    for name in ("acme/app1", "acme/app2", "acme/app3"):
        entry = by_repo[name]
        assert entry["action"] == "opened" and entry["pr_url"].endswith("/pull/" + entry["pr_url"].rsplit("/", 1)[1])
        assert entry["commit"] == org.branches(name)[BRANCH] and entry["mermaid"] and entry["diff"]
        assert 1 <= entry["requests"] <= MIGRATE_BUDGET
    assert "error" in by_repo["acme/bad"]["outcome"] and "invalid YAML" in by_repo["acme/bad"]["reason"]
    assert "gate job(s) security-scanning not found" in by_repo["acme/gate"]["reason"]
    # the triage settled these from the org listing: no preflight, no clone
    for name in ("acme/done", "acme/na", "acme/empty-ci", "acme/old", "acme/fork"):
        assert by_repo[name]["requests"] == 0 and not [e for e in org.exchanges if e.repo == name]
    assert api_requests(org) <= 1 + MIGRATE_BUDGET * 3 + 2  # listing, three migrations, two preflights
    assert "acme/app1: opened: opened pull request #" in out and "acme/old: skipped: archived" in out
    assert "Repositories by outcome" in out and "Needs attention" in out and "Notes by category" in out
    assert err.splitlines()[-1].startswith("consolidate-ci: 10 repositories: ")
    assert "wrote the JSON report run.json" in err


def test_a_rerun_resumes_from_the_journal_and_force_redoes(org, capsys):
    populate(org, {"acme/a": "migrate", "acme/b": "migrate", "acme/c": "na"})
    cli(capsys, org, "run", "--org", "acme")
    start = len(org.exchanges)
    code, out, err = cli(capsys, org, "run", "--org", "acme", "--json", "again.json")
    assert code == 0 and "3 repositories finished by an earlier run" in err
    assert api_requests(org, start) == 1 and not [e for e in org.exchanges[start:] if e.kind == "git"]  # the listing
    assert "acme/a: opened (migrated; finished " in out and "from the journal" in out
    again = report.read(org.root.parent / "cwd" / "again.json")
    assert outcomes(again["repositories"]) == {"acme/a": "migrated", "acme/b": "migrated", "acme/c": "not-applicable"}
    code, out, _ = cli(capsys, org, "run", "--org", "acme", "--force")
    assert code == 0 and "acme/a: unchanged: pull request #" in out and pulls_by_repo(org)["acme/a"] == 1
    with Journal(org.root.parent / "cwd" / "consolidate-ci-journal.sqlite") as journal:
        assert [row[3] for row in journal.history("acme/a")] == ["opened", "unchanged"]


def test_a_dry_run_changes_nothing_and_does_not_make_a_real_run_skip(org, capsys):
    populate(org, {"acme/a": "migrate", "acme/b": "already"})
    code, out, _ = cli(capsys, org, "run", "--dry-run", "--org", "acme", "--json", "dry.json")
    assert code == 0 and "--- diff of acme/a ---" in out and pulls_by_repo(org)["acme/a"] == 0
    assert BRANCH not in org.branches("acme/a")
    assert not [e for e in org.exchanges if e.kind == "rest" and e.method != "GET"]
    assert json.loads((org.root.parent / "cwd" / "dry.json").read_text())["mode"] == "dry-run"
    code, out, _ = cli(capsys, org, "run", "--org", "acme")
    assert code == 0 and "acme/a: opened" in out


def test_repos_file_and_repeated_repo_with_globs(org, capsys, tmp_path):
    populate(org, {"acme/a": "na", "acme/b": "na", "acme/api-x": "na", "other/z": "already"})
    listed = write_lines(tmp_path / "repos.txt", ["# platform", "acme/a", "acme/api-x", "", "acme/A"])
    code, out, _ = cli(capsys, org, "run", "--repos-file", str(listed), "--repo", "other/z", "--exclude", "api-*",
                       "--no-journal")
    assert code == 0
    assert [line.split(":")[0] for line in out.splitlines() if ": nothing: " in line] == ["acme/a", "other/z"]
    assert not (org.root.parent / "cwd" / "consolidate-ci-journal.sqlite").exists()


def test_one_failing_repository_never_stops_the_batch(org, capsys):
    populate(org, {"acme/a": "migrate", "acme/b": "migrate", "acme/c": "migrate"})
    org.fail(r"POST /api/v3/repos/acme/b/pulls$", 500, times=2)  # every try of the first run
    code, out, _ = cli(capsys, org, "run", "--org", "acme", "--concurrency", "2", "--json", "r.json")
    assert code == 1
    data = report.read(org.root.parent / "cwd" / "r.json")
    by_repo = {e["repo"]: e for e in data["repositories"]}
    assert by_repo["acme/b"]["outcome"] == "error" and by_repo["acme/b"]["action"] == "failed"
    assert "500 Server Error" in by_repo["acme/b"]["reason"]
    assert by_repo["acme/a"]["action"] == by_repo["acme/c"]["action"] == "opened"
    code, out, _ = cli(capsys, org, "run", "--org", "acme")  # the rerun retries only the failure
    assert code == 0 and "acme/b: opened" in out and "acme/a: opened (migrated; finished" in out
    assert pulls_by_repo(org) == {"acme/a": 1, "acme/b": 1, "acme/c": 1}


def test_a_rejected_token_stops_the_batch_with_one_line(org, capsys, monkeypatch, tmp_path):
    populate(org, {"acme/a": "migrate", "acme/b": "migrate"})
    monkeypatch.setenv("GH_TOKEN", "ghp_wrong")
    code, out, err = cli(capsys, org, "run", "--org", "acme")
    assert (code, out) == (1, "") and err == "consolidate-ci: GitHub rejected the token (401 Bad credentials) on POST /api/graphql\n"
    listed = write_lines(tmp_path / "r.txt", ["acme/a", "acme/b"])
    code, out, err = cli(capsys, org, "run", "--repos-file", str(listed), "--no-triage", "--concurrency", "1")
    assert (code, out) == (1, "") and "rejected the token" in err
    assert len([e for e in org.exchanges if e.kind == "graphql"]) == 2  # the listing, then one preflight: stopped


def test_usage_errors(org, capsys, tmp_path):
    assert cli(capsys, org, "run")[0] == 2
    code, _, err = cli(capsys, org, "run", "--repo", "acme/a", "--shard", "3/2")
    assert code == 2 and "--shard 3/2: K must be between 1 and N" in err
    code, _, err = cli(capsys, org, "run", "--repos-file", str(tmp_path / "none.txt"))
    assert code == 2 and "cannot read" in err
    code, _, err = cli(capsys, org, "run", "--org", "nobody")
    assert code == 1 and "organization nobody not found" in err
    (tmp_path / "j.sqlite").write_text("garbage" * 200)
    code, _, err = cli(capsys, org, "run", "--repo", "acme/a", "--journal", str(tmp_path / "j.sqlite"))
    assert code == 2 and "not a usable consolidate-ci journal" in err


def test_writes_are_spaced_across_workers(org, capsys):
    populate(org, {f"acme/w{i}": "migrate" for i in range(4)})
    org.policy.throttle = True  # the real pacing, with a short interval
    code, out, err = cli(capsys, org, "run", "--org", "acme", "--concurrency", "4", "--write-interval", "0.4")
    assert code == 0, out + err
    writes = sorted(e.at for e in org.exchanges if e.kind == "rest" and e.method != "GET")
    assert len(writes) == 4 and all(b - a >= 0.3 for a, b in itertools.pairwise(writes))  # arrival jitter: < 0.1 s


def test_a_spent_rate_limit_pauses_every_worker_until_its_reset(org, capsys):
    populate(org, {"acme/a": "na", "acme/b": "na", "acme/c": "migrate"})
    reset = str(int(time.time()))
    org.fail("POST /api/graphql", 403, message="API rate limit exceeded for user ID 1.",
             headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})
    code, out, err = cli(capsys, org, "run", "--org", "acme")
    assert code == 0 and "acme/c: opened" in out
    assert "primary rate limit exhausted: every worker pauses until" in err
    assert org.policy.sleeps and 0 < org.policy.sleeps[0] <= 2


def test_pacer_spaces_writes_and_pauses_everyone():
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    pauses = []
    pacer = Pacer(1.0, clock=lambda: clock[0], sleep=sleep, on_pause=lambda when, why: pauses.append((when, why)))
    for _ in range(3):
        pacer.before_request(write=True)
    pacer.before_request(write=False)
    assert slept == [1.0, 1.0] and pacer.writes == 3
    pacer.pause_until(clock[0] + 30, "secondary rate limit")
    pacer.pause_until(clock[0] + 10, "an earlier moment changes nothing")
    pacer.before_request(write=False)
    assert slept[-1] == 30 and pauses == [(132.0, "secondary rate limit")]


def test_pacer_spaces_writes_between_threads():
    pacer = Pacer(0.05)
    times: list[float] = []
    lock = threading.Lock()

    def write():
        pacer.before_request(write=True)
        with lock:
            times.append(time.monotonic())

    threads = [threading.Thread(target=write) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    assert all(b - a >= 0.045 for a, b in itertools.pairwise(times))


def test_ctrl_c_finishes_the_repositories_in_progress_and_the_rerun_resumes(org, capsys, monkeypatch):
    populate(org, {f"acme/i{i}": "migrate" for i in range(4)})
    from codemod.commands import batchui

    original = batchui.BatchUI.finished
    seen = []

    def finished(self, entry, run):
        original(self, entry, run)
        seen.append(entry["repo"])
        if len(seen) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C after the first repository

    monkeypatch.setattr(batchui.BatchUI, "finished", finished)
    code, _, err = cli(capsys, org, "run", "--org", "acme", "--concurrency", "2")
    assert code == 130 and "interrupted: finishing the repositories in progress" in err
    assert "run the same command again to resume" in err
    first = len(seen)
    assert 1 <= first < 4
    monkeypatch.setattr(batchui.BatchUI, "finished", original)
    code, out, err = cli(capsys, org, "run", "--org", "acme")
    assert code == 0 and f"{first} repositor" in err and "finished by an earlier run" in err, out + err
    assert pulls_by_repo(org) == {f"acme/i{i}": 1 for i in range(4)}


def test_the_progress_bar_shows_counts_per_outcome_and_the_repositories_in_progress():
    import io

    from rich.console import Console

    from codemod.commands.batchui import BatchUI

    screen = io.StringIO()
    ui = BatchUI(None, "migrating", console=Console(file=screen, force_terminal=True, width=160))
    ui.set_total(3)
    with ui:
        ui.started("acme/a")
        ui.started("acme/b")
        ui.finished(report.entry("acme/a", outcome="migrated", action="opened"), None)
        ui.resumed(report.entry("acme/c", outcome="error", action="nothing"))
        ui.paused(0, "secondary rate limit")
    text = screen.getvalue()
    assert "migrating" in text and "2/3" in text and "migrated 1" in text and "error 1" in text
    assert "acme/b" in text.rsplit("2/3", 1)[1]  # still in progress in the last frame
    assert "secondary rate limit: every worker pauses until 00:00:00 UTC" in text
