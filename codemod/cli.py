"""Command line: flags and rendering only. Each command lives in `codemod/commands/<name>.py` and is listed
once in COMMANDS; a module there exposes NAME, HELP, configure(parser) and execute(args) -> exit code.

Exit codes: 0 every repository ended migrated / already-migrated / not-applicable (or skipped),
1 at least one ended unsupported or error, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from codemod import __version__

COMMANDS = [
    "codemod.commands.apply",
    "codemod.commands.run",
    "codemod.commands.audit",
    "codemod.commands.report",
]

DEFAULT_COMMAND = "run"  # `consolidate-ci --repo org/x` means `consolidate-ci run --repo org/x`


def _load_commands():
    modules = []
    for name in COMMANDS:
        modules.append(importlib.import_module(name))
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="consolidate-ci",
        description="Fold the workflow_run-triggered post workflow into the CI workflow, and open a pull request.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _load_commands():
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(cmd)
        cmd.set_defaults(execute=module.execute)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    names = {a for a in parser._subparsers._group_actions[0].choices}  # type: ignore[union-attr]
    if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version") and DEFAULT_COMMAND in names:
        argv.insert(0, DEFAULT_COMMAND)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "execute", None):
        parser.print_help(sys.stderr)
        return 2
    return args.execute(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
