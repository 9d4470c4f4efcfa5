"""Writes tests/data/report-sample.json: a realistic batch report (version 1) of ~30 repositories of every
outcome, for the HTML page's tests and for looking at the page.

Migrated, unsupported, error and not-applicable repositories are the fixtures (`fixtures/*/case.toml`) run
through the real engine: their reasons, notes, diffs (`codemod.diff`) and job graphs (`codemod.mermaid`) are
what a real run gives. What only a forge knows (actions, pull request URLs, commits, requests, seconds) is
made up, deterministically, so the file only changes when the engine's output does.

    .venv/bin/python scripts/sample_report.py [--html OUT.html]
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fixture_repos import cases  # noqa: E402

from codemod import __version__  # noqa: E402
from codemod.diff import unified_diff  # noqa: E402
from codemod.engine import migrate_checkout  # noqa: E402
from codemod.mermaid import job_graph  # noqa: E402
from codemod.result import RepoResult  # noqa: E402

OUT = ROOT / "tests" / "data" / "report-sample.json"
START = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
ORG = "acme"

# (repository, fixture case or None, action, reason when the forge or the runner decided the outcome)
PLAN: list[tuple[str, str | None, str, str | None]] = [
    ("storefront", "seed", "opened", None),
    ("payments-api", "matrix-publish", "opened", None),
    ("search-service", "job-id-collision", "updated", None),
    ("mobile-bff", "listener", "opened", None),
    ("design-system", "ci-workflow-call", "reopened", None),
    ("legacy-billing", "crlf-4space", "unchanged", None),
    ("release-train", "release-branches", "opened", None),
    ("docs-site", "no-ci-cleanup", "opened", None),
    ("inventory", "seed", "updated", None),
    ("notifications", "listener", "opened", None),
    ("checkout-web", "job-id-collision", "opened", None),
    ("auth-gateway", "matrix-publish", "failed",
     "could not push branch consolidate-ci/publish-production: the token was rejected (403)"),
    ("orders", "already-migrated", "nothing", None),
    ("catalog", "already-migrated", "nothing", None),
    ("ledger", "already-migrated", "nothing", None),
    ("web-shell", "already-migrated", "nothing", None),
    ("terraform-modules", "no-ci-workflow", "nothing", None),
    ("handbook", "no-ci-workflow", "nothing", None),
    ("data-pipelines", "not-applicable", "nothing", None),
    ("ml-experiments", "not-applicable", "nothing", None),
    ("status-page", "not-applicable", "nothing", None),
    ("edge-proxy", "ci-without-push", "nothing", None),
    ("reporting", "dispatch-inputs", "nothing", None),
    ("partner-sync", "missing-gate", "nothing", None),
    ("nightly-builds", "two-upstreams", "nothing", None),
    ("fulfilment", "unknown-workflow-run-field", "nothing", None),
    ("warehouse-ui", "invalid-yaml", "nothing", None),
    ("old-website", None, "skipped", "archived repository"),
    ("sandbox", None, "skipped", "excluded by --exclude 'acme/sandbox*'"),
    ("analytics", None, "skipped", "stopped before this repository: API rate limit (resets at 10:12 UTC)"),
]


def _digits(name: str, salt: str) -> int:
    return int(hashlib.sha256(f"{salt}:{name}".encode()).hexdigest()[:8], 16)


def _run(case_name: str, results: dict[str, RepoResult]) -> RepoResult:
    if case_name not in results:
        case = next(c for c in cases() if c.name == case_name)
        results[case_name] = migrate_checkout(case.before, case.config, default_branch=case.default_branch)
    return results[case_name]


def _notes(result: RepoResult | None) -> list[dict]:
    if result is None:
        return []
    return [{"category": str(n.category), "message": n.message, "location": str(n.location) if n.location else None}
            for n in result.notes]


def _entry(i: int, name: str, result: RepoResult | None, action: str, reason: str | None) -> dict:
    repo = f"{ORG}/{name}"
    outcome = "skipped" if result is None else "error" if action == "failed" else str(result.outcome)
    pr = action in ("opened", "updated", "reopened", "unchanged")
    changes = result.changes if result is not None else []
    return {
        "repo": repo, "outcome": outcome, "action": action,
        "reason": reason or (result.reason if result is not None else None),
        "pr_url": f"https://github.com/{repo}/pull/{40 + _digits(repo, 'pr') % 400}" if pr else None,
        "commit": hashlib.sha1(repo.encode()).hexdigest() if pr else None,
        "requests": 0 if result is None else (4 + _digits(repo, "requests") % 9 + (8 if pr else 0)),
        "seconds": 0.0 if result is None else round(0.4 + (_digits(repo, "seconds") % 400) / 100, 2),
        "notes": _notes(result),
        "diff": unified_diff(changes) or None,
        "mermaid": job_graph(result.summary) if result is not None and result.summary is not None else None,
        "finished_at": (START + timedelta(seconds=7 * i + 3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def sample_report() -> dict:
    results: dict[str, RepoResult] = {}
    repos = [_entry(i, name, _run(case, results) if case else None, action, reason)
             for i, (name, case, action, reason) in enumerate(PLAN)]
    totals = {o: sum(1 for r in repos if r["outcome"] == o)
              for o in ("migrated", "already-migrated", "not-applicable", "unsupported", "error", "skipped")}
    return {"version": 1, "tool": f"consolidate-ci {__version__}", "generated_at": START.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "mode": "run", "shard": None, "totals": totals, "repositories": repos}


def main(argv: list[str]) -> None:
    report = sample_report()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(report['repositories'])} repositories, totals {report['totals']}")
    if len(argv) == 2 and argv[0] == "--html":
        from codemod.html import render_html

        Path(argv[1]).write_text(render_html(report), encoding="utf-8")
        print(f"{argv[1]}: the page")


if __name__ == "__main__":
    main(sys.argv[1:])
