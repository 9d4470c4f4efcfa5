"""`consolidate-ci run --repo OWNER/NAME [--repo ...]` (also `consolidate-ci --repo OWNER/NAME`): migrate
repositories on GitHub and open (or update) one pull request in each.

Authentication: GH_TOKEN, else GITHUB_TOKEN (GH_ENTERPRISE_TOKEN first on GitHub Enterprise Server), else
`gh auth token`. `--github-url` (or GITHUB_API_URL / GH_HOST) points at GitHub Enterprise Server.
`--dry-run` prints the diff and the pull request body that would be posted, and changes nothing remote.
Exit codes: 0 every repository ended well (migrated, nothing to do, skipped), 1 at least one failed or is
unsupported / error, 2 usage (bad configuration, no token).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

from codemod.config import load_config
from codemod.errors import ConfigError
from codemod.github import AuthError, GitHubForge, RetryPolicy, resolve_api_url, resolve_token
from codemod.gitrepo import GitAuth, authorization_header
from codemod.pipeline import Action, Engine, Options, RepoRun, Services, run_repository

NAME = "run"
HELP = "migrate repositories on GitHub and open a pull request in each (--dry-run: print it instead)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", action="append", required=True, metavar="OWNER/NAME",
                        help="a repository to migrate (repeat for several)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the diff and the pull request body; change nothing remote")
    parser.add_argument("--config", type=Path, help="TOML configuration file")
    parser.add_argument("--github-url", help="GitHub Enterprise Server URL (default: GITHUB_API_URL, GH_HOST, github.com)")
    parser.add_argument("--wait-rate-limit", action="store_true",
                        help="when the API rate limit is exhausted, wait for its reset instead of stopping")
    parser.add_argument("--reopen", action="store_true", help="reopen the tool's pull request if it was closed")
    parser.add_argument("--workdir", type=Path, help="where to clone (default: a temporary folder)")
    parser.add_argument("--keep-clones", action="store_true", help="keep the clones (their paths are printed)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: debug)")


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
        config = load_config(args.config)
        api_url = resolve_api_url(args.github_url)
        token = resolve_token(api_url)
        engine = load_engine()
    except (ConfigError, AuthError) as exc:
        print(f"consolidate-ci: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"consolidate-ci: the migration engine is not available: {exc}", file=sys.stderr)
        return 2
    _setup_logging(args.verbose, token)
    forge = make_forge(api_url, token, wait_rate_limit=args.wait_rate_limit)
    services = Services(forge=forge, engine=engine, auth=GitAuth(token))
    options = Options(dry_run=args.dry_run, reopen=args.reopen, workdir=args.workdir, keep_clone=args.keep_clones)
    runs = []
    for repo in dict.fromkeys(args.repo):
        run = run_repository(repo, config.for_repo(repo), services, options)
        if run.fatal:
            print(f"consolidate-ci: {run.message}", file=sys.stderr)
            return 1
        runs.append(run)
        print_run(run, dry_run=args.dry_run)
    print(_tally(runs), file=sys.stderr)
    return 0 if all(r.ok for r in runs) else 1


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


def _tally(runs: list[RepoRun]) -> str:
    counts = Counter(str(r.action) for r in runs)
    parts = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
    return f"consolidate-ci: {len(runs)} repositor{'y' if len(runs) == 1 else 'ies'}: {parts}"
