"""`consolidate-ci run --repo OWNER/NAME [--repo ...]` (also `consolidate-ci --repo OWNER/NAME`): migrate
repositories on GitHub and open (or update) one pull request in each.

Batches: `--org ORG` (with `--topic`, `--include`/`--exclude`, `--include-archived`, `--include-forks`),
`--repos-file FILE`, `--shard K/N`, `--concurrency N`, `--json FILE`, `--html FILE` (see codemod/batch.py).
For `--org` and `--repos-file` (or with `--journal FILE`) every finished repository is journaled in SQLite
(default consolidate-ci-journal.sqlite in the working directory); a rerun resumes and skips finished
repositories unless `--force`. Ctrl-C finishes the repositories in progress, journals them, and stops.

Authentication: GH_TOKEN, else GITHUB_TOKEN (GH_ENTERPRISE_TOKEN first on GitHub Enterprise Server), else
`gh auth token`. `--github-url` (or GITHUB_API_URL / GH_HOST) points at GitHub Enterprise Server.
`--dry-run` prints the diff and the pull request body that would be posted, and changes nothing remote.
Exit codes: 0 every repository ended well (migrated, nothing to do, skipped), 1 at least one failed or is
unsupported / error, 2 usage (bad configuration, no token, bad selection), 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from codemod import report
from codemod.batch import BatchOptions, BatchResult, Pacer, read_dirs, run_batch
from codemod.commands import common
from codemod.commands.batchui import BatchUI, print_tables, summary_tables
from codemod.github import GitHubForge, RetryPolicy
from codemod.gitrepo import GitAuth, authorization_header
from codemod.journal import DEFAULT_PATH, Journal, JournalError
from codemod.pipeline import Action, Engine, Options, RepoRun, Services
from codemod.selection import Target

NAME = "run"
HELP = "migrate repositories on GitHub and open a pull request in each (--dry-run: print it instead)"


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_selection_flags(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="print the diff and the pull request body; change nothing remote")
    parser.add_argument("--config", type=Path, help="TOML configuration file")
    parser.add_argument("--github-url", help="GitHub Enterprise Server URL (default: GITHUB_API_URL, GH_HOST, github.com)")
    parser.add_argument("--reopen", action="store_true", help="reopen the tool's pull request if it was closed")
    parser.add_argument("--workdir", type=Path, help="where to clone (default: a temporary folder)")
    parser.add_argument("--keep-clones", action="store_true", help="keep the clones (their paths are printed)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: debug)")
    common.add_batch_flags(parser)
    group = parser.add_argument_group("journal")
    group.add_argument("--journal", type=Path, metavar="FILE",
                       help=f"SQLite journal of finished repositories (default for --org/--repos-file: {DEFAULT_PATH})")
    group.add_argument("--no-journal", action="store_true", help="keep no journal (and resume nothing)")
    group.add_argument("--force", action="store_true", help="redo repositories the journal says are finished")
    group.add_argument("--no-triage", action="store_true",
                       help="clone every repository, even those the batched read shows have no post workflow")


def load_engine() -> Engine:
    from codemod.engine import migrate_checkout

    return migrate_checkout


def make_forge(api_url: str, token: str, *, wait_rate_limit: bool) -> GitHubForge:
    return GitHubForge(api_url, token, RetryPolicy(wait_for_reset=wait_rate_limit))


class RedactingFormatter(logging.Formatter):
    """Censors secrets from every log line (multi-gitter does the same)."""

    def __init__(self, secrets: list[str]):
        super().__init__("consolidate-ci: %(levelname)s: %(message)s")
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def _setup_logging(verbose: int, token: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter([token, authorization_header(token).split()[-1]]))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_consolidate_ci", False)]:
        root.removeHandler(old)
    handler._consolidate_ci = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.WARNING - 10 * min(verbose, 2))


def execute(args: argparse.Namespace) -> int:
    try:
        config, api_url, token, engine = common.prepare(args, load_engine)
    except common.Usage as exc:
        print(f"consolidate-ci: {exc}", file=sys.stderr)
        return 2
    _setup_logging(args.verbose, token)
    forge = make_forge(api_url, token, wait_rate_limit=common.wait_rate_limit(args))
    ui = BatchUI(None, "dry run" if args.dry_run else "migrating",
                 printer=lambda entry, run: print_entry(entry, run, dry_run=args.dry_run))
    forge.pacer = Pacer(common.option(args, "write_interval", 1.0) if forge.throttle else 0.0, on_pause=ui.paused)
    try:
        dirs = () if common.option(args, "no_triage", False) else read_dirs(config.for_repo(None))
        targets = common.select_targets(args, forge, dirs)
        journal = _open_journal(args)
    except common.Stop as exc:
        print(f"consolidate-ci: {exc}", file=sys.stderr)
        return exc.code
    ui.set_total(len(targets))
    try:
        result = _run(args, targets, config, forge, engine, token, journal, ui)
    finally:
        if journal is not None:
            journal.close()
    return _finish(args, result, journal)


def _open_journal(args: argparse.Namespace) -> Journal | None:
    if common.option(args, "no_journal", False):
        return None
    path = common.option(args, "journal")
    if path is None and (common.option(args, "org") or common.option(args, "repos_file")):
        path = DEFAULT_PATH
    try:
        return Journal(path) if path else None
    except JournalError as exc:
        raise common.Stop(str(exc), 2) from None


def _run(args: argparse.Namespace, targets: list[Target], config: Any, forge: GitHubForge, engine: Engine,
         token: str, journal: Journal | None, ui: BatchUI) -> BatchResult:
    options = Options(dry_run=args.dry_run, reopen=args.reopen, workdir=args.workdir, keep_clone=args.keep_clones)
    batch = BatchOptions(concurrency=common.option(args, "concurrency", 1), force=common.option(args, "force", False),
                         triage=not common.option(args, "no_triage", False))
    services = Services(forge=forge, engine=engine, auth=GitAuth(token))
    with ui:
        return run_batch(targets, config, services, options, batch, journal=journal, events=ui)


def _finish(args: argparse.Namespace, result: BatchResult, journal: Journal | None) -> int:
    if result.fatal and all(e["action"] == "failed" for e in result.entries):
        print(f"consolidate-ci: {result.fatal}", file=sys.stderr)  # e.g. a rejected token: nothing else to say
        return 1
    if len(result.entries) > 1:
        print_tables(summary_tables(result.entries))
    if result.fatal:
        print(f"consolidate-ci: stopped: {result.fatal}", file=sys.stderr)
    if result.resumed:
        print(f"consolidate-ci: {result.resumed} repositor{'y' if result.resumed == 1 else 'ies'} finished by an "
              f"earlier run (journal {journal.path if journal else ''}; --force to redo)", file=sys.stderr)
    if result.entries and (common.option(args, "json") or common.option(args, "html")):
        shard = common.shard(args)
        common.write_reports(report.build(result.entries, mode=result.mode, shard=str(shard) if shard else None), args)
    print(_tally(result.entries), file=sys.stderr)
    if result.interrupted:
        print("consolidate-ci: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    return 0 if result.ok else 1


def print_entry(entry: dict[str, Any], run: RepoRun | None, *, dry_run: bool) -> None:
    """One line per repository (and, for a dry run, its diff and pull request body)."""
    if run is not None:
        if not run.fatal:
            print_run(run, dry_run=dry_run)
    elif entry["action"] == "skipped" and entry["reason"]:
        print(f"{entry['repo']}: skipped: {entry['reason']}")
    else:
        print(f"{entry['repo']}: {entry['action']} ({entry['outcome']}; finished {entry['finished_at']}, from the journal)")


def print_run(run: RepoRun, *, dry_run: bool) -> None:
    outcome = f"{run.result.outcome}; " if run.result else ""
    print(f"{run.repo}: {run.action}: {run.message} [{outcome}{run.requests} API request(s)]")
    for warning in run.warnings:
        print(f"  warning: {warning}")
    if run.clone:
        print(f"  clone kept in {run.clone}")
    if dry_run and run.action == Action.DRY_RUN:
        print(f"--- diff of {run.repo} ---")
        sys.stdout.write(run.diff)
        print(f"--- pull request body for {run.repo} ---")
        sys.stdout.write(run.body)
        print(f"--- end of {run.repo} ---")


def _tally(entries: list[dict[str, Any]]) -> str:
    counts = Counter(e["action"] for e in entries)
    parts = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
    return f"consolidate-ci: {len(entries)} repositor{'y' if len(entries) == 1 else 'ies'}: {parts}"
