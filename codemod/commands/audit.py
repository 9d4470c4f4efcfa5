"""`consolidate-ci audit (--org ORG | --repos-file FILE | --repo OWNER/NAME ...)`: what the migration would do
in each repository, and the manual follow-ups it would leave. Changes nothing and clones nothing: the
workflow folders of up to 50 repositories are read per GraphQL request (an organisation's listing included) and the real engine runs on them
(docs and scripts are not read, so their notes are not in an audit).

Prints a table per repository and the summary tables, and writes the JSON report (`--json`, default
consolidate-ci-audit.json; format: codemod/report.py). Exit codes: 0 no repository would end unsupported or
in error, 1 some would (or the batch stopped), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codemod import report
from codemod.batch import BatchOptions, BatchResult, Pacer, TextEngine, audit_batch, read_dirs
from codemod.commands import common
from codemod.commands import run as run_cmd
from codemod.commands.batchui import BatchUI, audit_table, print_tables, summary_tables

NAME = "audit"
HELP = "report what the migration would do in each repository (changes nothing, clones nothing)"
DEFAULT_JSON = Path("consolidate-ci-audit.json")


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_selection_flags(parser)
    parser.add_argument("--config", type=Path, help="TOML configuration file")
    parser.add_argument("--github-url", help="GitHub Enterprise Server URL (default: GITHUB_API_URL, GH_HOST, github.com)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: debug)")
    common.add_batch_flags(parser)
    parser.set_defaults(json=DEFAULT_JSON)


def load_engine() -> TextEngine:
    from codemod.engine import migrate_texts

    return migrate_texts


def execute(args: argparse.Namespace) -> int:
    try:
        config, api_url, token, engine = common.prepare(args, load_engine)
    except common.Usage as exc:
        print(f"consolidate-ci: {exc}", file=sys.stderr)
        return 2
    run_cmd._setup_logging(args.verbose, token)
    forge = run_cmd.make_forge(api_url, token, wait_rate_limit=common.wait_rate_limit(args))
    ui = BatchUI(None, "auditing")
    forge.pacer = Pacer(0.0, on_pause=ui.paused)
    try:
        targets = common.select_targets(args, forge, read_dirs(config.for_repo(None)))
    except common.Stop as exc:
        print(f"consolidate-ci: {exc}", file=sys.stderr)
        return exc.code
    ui.set_total(len(targets))
    options = BatchOptions(concurrency=args.concurrency, include_archived=args.include_archived)
    with ui:
        result = audit_batch(targets, config, forge, options, events=ui, engine=engine)
    return _finish(args, result, forge.total_requests())


def _finish(args: argparse.Namespace, result: BatchResult, requests: int) -> int:
    if result.fatal and all(e["action"] == "failed" for e in result.entries):
        print(f"consolidate-ci: {result.fatal}", file=sys.stderr)
        return 1
    print_tables([audit_table(result.entries), *summary_tables(result.entries)])
    if result.fatal:
        print(f"consolidate-ci: stopped: {result.fatal}", file=sys.stderr)
    count = len(result.entries)
    print(f"consolidate-ci: audited {count} repositor{'y' if count == 1 else 'ies'} with {requests} API request(s)",
          file=sys.stderr)
    shard = common.shard(args)
    common.write_reports(report.build(result.entries, mode="audit", shard=str(shard) if shard else None), args)
    if result.interrupted:
        return 130
    return 0 if result.ok else 1
