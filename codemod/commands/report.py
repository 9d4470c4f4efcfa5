"""`consolidate-ci report merge A.json B.json ... --json ALL.json [--html ALL.html]`: one report from the
reports of several shards (a CI matrix). A repository in two reports: the later `finished_at` wins. Reports
of another version, or of different modes, are refused. Exit codes: 0 merged, 2 an input is not a report
this version can merge."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codemod import report
from codemod.commands import common
from codemod.commands.batchui import print_tables, summary_tables

NAME = "report"
HELP = "work with JSON reports (merge the reports of several shards)"


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="report_command", metavar="SUBCOMMAND")
    merge = sub.add_parser("merge", help="merge reports into one", description="merge reports into one")
    merge.add_argument("inputs", nargs="+", type=Path, metavar="REPORT.json")
    merge.add_argument("--json", type=Path, required=True, metavar="FILE", help="where to write the merged report")
    merge.add_argument("--html", type=Path, metavar="FILE", help="also write the merged report as HTML")


def execute(args: argparse.Namespace) -> int:
    if getattr(args, "report_command", None) != "merge":
        print("consolidate-ci: report: say what to do (merge)", file=sys.stderr)
        return 2
    try:
        merged = report.merge([report.read(path) for path in args.inputs], [str(p) for p in args.inputs])
    except report.ReportError as exc:
        print(f"consolidate-ci: {exc}", file=sys.stderr)
        return 2
    print_tables(summary_tables(merged["repositories"]))
    common.write_reports(merged, args)
    totals = ", ".join(f"{n} {outcome}" for outcome, n in merged["totals"].items() if n)
    print(f"consolidate-ci: merged {len(args.inputs)} report(s): {len(merged['repositories'])} repositories"
          f"{': ' + totals if totals else ''}", file=sys.stderr)
    return 0
