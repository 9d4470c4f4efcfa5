"""Writes tests/data/report-sample.json: a realistic batch report (version 1) of ~30 repositories of every
outcome, for the HTML page's tests and for looking at the page.

Migrated, unsupported, error and not-applicable repositories are the fixtures (`fixtures/*/case.toml`) run
through the real engine, and every entry is made by `codemod.report` as a real batch makes it: reasons, notes,
diffs (`codemod.diff`) and job graphs (`codemod.mermaid`) are what a real run gives. What only a forge knows
(actions, pull request URLs, commits, requests, seconds, times) is made up, deterministically, so the file
only changes when the engine's or the report's output does.

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

from codemod import report as json_report  # noqa: E402
from codemod.engine import migrate_checkout  # noqa: E402
from codemod.result import Outcome, RepoResult  # noqa: E402

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


def _time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry(i: int, name: str, result: RepoResult | None, action: str, reason: str | None) -> dict:
    repo, finished = f"{ORG}/{name}", _time(START + timedelta(seconds=7 * i + 3))
    if result is None:
        return json_report.entry(repo, outcome="skipped", action="skipped", reason=reason, finished_at=finished)
    pr = action in ("opened", "updated", "reopened", "unchanged")
    return json_report.entry(
        repo, outcome="error" if action == "failed" else str(result.outcome), action=action,
        reason=reason or (result.reason if result.outcome != Outcome.MIGRATED else None), result=result,
        pr_url=f"https://github.com/{repo}/pull/{40 + _digits(repo, 'pr') % 400}" if pr else None,
        commit=hashlib.sha1(repo.encode()).hexdigest() if pr else None,
        requests=4 + _digits(repo, "requests") % 9 + (8 if pr else 0),
        seconds=round(0.4 + (_digits(repo, "seconds") % 400) / 100, 2), finished_at=finished,
    )


def sample_report() -> dict:
    results: dict[str, RepoResult] = {}
    entries = [_entry(i, name, _run(case, results) if case else None, action, reason)
               for i, (name, case, action, reason) in enumerate(PLAN)]
    report = json_report.build(entries, mode="run")
    report["generated_at"] = _time(START)
    problems = json_report.validate(report)
    assert not problems, problems
    return report


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
