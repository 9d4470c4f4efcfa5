"""Flags and set-up shared by the batch commands (`run`, `audit`): which repositories, which GitHub, how
fast, which reports. Not a command itself (not listed in codemod.cli.COMMANDS)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from codemod import report
from codemod.config import Config, load_config
from codemod.errors import ConfigError
from codemod.github import AuthError, Forge, ForgeError, resolve_api_url, resolve_token
from codemod.selection import Filters, SelectionError, Shard, Target, parse_shard, select


class Usage(Exception):
    """A usage error (exit code 2); the message is the line to print."""


class Stop(Exception):
    """The command cannot go on (exit code `code`); the message is the line to print."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def option(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    """A flag's value; callers that build a Namespace by hand may leave the batch flags out."""
    value = getattr(args, name, default)
    return default if value is None else value


def add_selection_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("which repositories")
    group.add_argument("--repo", action="append", metavar="OWNER/NAME", help="a repository (repeat for several)")
    group.add_argument("--org", action="append", metavar="ORG",
                       help="every repository of an organisation (archived ones and forks are reported as skipped)")
    group.add_argument("--repos-file", action="append", type=Path, metavar="FILE",
                       help="a file of OWNER/NAME lines (# comments and blank lines ignored)")
    group.add_argument("--topic", action="append", metavar="TOPIC",
                       help="--org: only repositories with this topic (repeat: any of them)")
    group.add_argument("--include", action="append", metavar="GLOB",
                       help="only names matching this glob (NAME, or OWNER/NAME when it has a /; repeatable)")
    group.add_argument("--exclude", action="append", metavar="GLOB", help="leave out names matching this glob")
    group.add_argument("--include-archived", action="store_true", help="--org: include archived repositories")
    group.add_argument("--include-forks", action="store_true", help="--org: include forks")
    group.add_argument("--shard", metavar="K/N",
                       help="only the K-th of N stable shards of the selection (for a CI matrix; K from 1)")


def add_batch_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("batch")
    group.add_argument("--concurrency", type=_positive_int, default=1, metavar="N",
                       help="repositories worked on at once (default 1: GitHub prefers serial requests)")
    group.add_argument("--write-interval", type=float, default=1.0, metavar="SECONDS",
                       help="least time between two content-creating API requests, across all workers (default 1)")
    group.add_argument("--wait-rate-limit", action=argparse.BooleanOptionalAction, default=None,
                       help="when the API rate limit is exhausted, pause every worker until its reset instead of "
                            "stopping (default: on for --org, --repos-file and several --repo)")
    group.add_argument("--json", type=Path, metavar="FILE", help="write the JSON report (format: codemod/report.py)")
    group.add_argument("--html", type=Path, metavar="FILE", help="write the HTML report")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def has_source(args: argparse.Namespace) -> bool:
    return bool(option(args, "repo") or option(args, "org") or option(args, "repos_file"))


def is_batch(args: argparse.Namespace) -> bool:
    """An organisation, a file, or several --repo: the work of a batch (waits on rate limits by default)."""
    return bool(option(args, "org") or option(args, "repos_file") or len(option(args, "repo", [])) > 1)


def wait_rate_limit(args: argparse.Namespace) -> bool:
    chosen = getattr(args, "wait_rate_limit", None)
    return is_batch(args) if chosen is None else bool(chosen)


def shard(args: argparse.Namespace) -> Shard | None:
    """The --shard flag, parsed (raises SelectionError)."""
    text = option(args, "shard")
    return parse_shard(text) if text else None


def prepare(args: argparse.Namespace, load_engine: Any) -> tuple[Config, str, str, Any]:
    """The configuration, the API URL, the token and the engine of a batch command (raises Usage)."""
    if not has_source(args):
        raise Usage("no repositories: pass --repo, --org or --repos-file")
    try:
        config = load_config(args.config)
        api_url = resolve_api_url(args.github_url)
        token = resolve_token(api_url)
        engine = load_engine()
        shard(args)
    except (ConfigError, AuthError, SelectionError) as exc:
        raise Usage(str(exc)) from None
    except ImportError as exc:
        raise Usage(f"the migration engine is not available: {exc}") from None
    return config, api_url, token, engine


def select_targets(args: argparse.Namespace, forge: Forge, dirs: tuple[str, ...] = ()) -> list[Target]:
    """`targets`, with its failures as Stop: a bad selection is usage (2), an unlistable organisation 1."""
    try:
        return targets(args, forge, dirs)
    except SelectionError as exc:
        raise Stop(str(exc), 2) from None
    except ForgeError as exc:
        raise Stop(str(exc), 1) from None


def targets(args: argparse.Namespace, forge: Forge, dirs: tuple[str, ...] = ()) -> list[Target]:
    """The selection (raises SelectionError, or ForgeError from listing an organisation); `dirs`: the folders
    an organisation's listing reads too."""
    filters = Filters(topics=tuple(option(args, "topic", ())), include=tuple(option(args, "include", ())),
                      exclude=tuple(option(args, "exclude", ())),
                      include_archived=bool(option(args, "include_archived", False)),
                      include_forks=bool(option(args, "include_forks", False)))
    return select(forge=forge, orgs=option(args, "org", ()), files=option(args, "repos_file", ()),
                  repos=option(args, "repo", ()), filters=filters, shard=shard(args), dirs=dirs)


def write_reports(data: dict[str, Any], args: argparse.Namespace, *, json_default: Path | None = None) -> None:
    """The JSON report (--json) and the HTML page (--html), each where it was asked for."""
    json_path = option(args, "json", json_default)
    if json_path:
        report.write(data, json_path)
        print(f"consolidate-ci: wrote the JSON report {json_path}", file=sys.stderr)
    html_path = option(args, "html")
    if html_path:
        write_html(data, html_path)


def write_html(data: dict[str, Any], path: Path) -> bool:
    try:
        from codemod import html
    except ImportError:
        print(f"consolidate-ci: --html {path} skipped: the HTML report (codemod/html.py) is not available in this "
              "version; the JSON report holds the same data", file=sys.stderr)
        return False
    try:
        page = html.render_html(data)
    except Exception as exc:  # the batch is done and its JSON written: a rendering bug must not hide them
        print(f"consolidate-ci: --html {path} not written: the HTML report failed ({type(exc).__name__}: {exc}); "
              "the JSON report holds the same data", file=sys.stderr)
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    print(f"consolidate-ci: wrote the HTML report {path}", file=sys.stderr)
    return True
