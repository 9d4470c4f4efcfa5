"""How a batch looks on a terminal: a rich progress bar (counts per outcome, the repositories in progress)
while it runs, then summary tables grouped by outcome and by note category. Reads `codemod.batch.Events`
and report entries; never changes anything."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from codemod.batch import Events
from codemod.pipeline import RepoRun
from codemod.report import OUTCOMES

Printer = Callable[[dict[str, Any], RepoRun | None], None]
FOLLOW_UP_CATEGORIES = ("trigger", "follow-up", "secret", "check", "permission", "concurrency")
_STYLE = {"migrated": "green", "already-migrated": "cyan", "not-applicable": "dim", "unsupported": "yellow",
          "error": "red", "skipped": "magenta"}


class BatchUI(Events):
    """The progress bar (on stderr, only on a terminal) and the per-repository lines (`printer`)."""

    def __init__(self, total: int | None, title: str, printer: Printer | None = None, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.printer = printer
        self.counts: Counter[str] = Counter()
        self.current: dict[str, None] = {}
        self._lock = threading.RLock()
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.fields[counts]}"),
                                 TextColumn("[dim]{task.fields[current]}"), console=self.console,
                                 disable=not self.console.is_terminal, transient=False)
        self.task = self.progress.add_task(title, total=total, counts="", current="")

    def __enter__(self) -> BatchUI:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def set_total(self, total: int) -> None:
        self.progress.update(self.task, total=total)

    def started(self, repo: str) -> None:
        with self._lock:
            self.current[repo] = None
            self._refresh()

    def finished(self, entry: dict[str, Any], run: RepoRun | None) -> None:
        with self._lock:
            self.current.pop(entry["repo"], None)
            self.counts[entry["outcome"]] += 1
            self.progress.advance(self.task)
            self._refresh()
            if self.printer:
                self.printer(entry, run)

    def resumed(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.counts[entry["outcome"]] += 1
            self.progress.advance(self.task)
            self._refresh()
            if self.printer:
                self.printer(entry, None)

    def message(self, text: str) -> None:
        with self._lock:
            self.console.print(f"consolidate-ci: {text}", markup=False, highlight=False)

    def paused(self, until: float, reason: str) -> None:
        when = datetime.fromtimestamp(until, UTC).strftime("%H:%M:%S UTC")
        self.message(f"{reason}: every worker pauses until {when}")

    def _refresh(self) -> None:
        counts = " ".join(f"[{_STYLE[o]}]{o} {self.counts[o]}[/]" for o in OUTCOMES if self.counts[o])
        names = list(self.current)
        current = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
        self.progress.update(self.task, counts=counts, current=current)


def summary_tables(entries: list[dict[str, Any]]) -> list[Table]:
    """By outcome (with the actions taken), what needs attention, and the notes by category."""
    tables = [_by_outcome(entries)]
    attention = [e for e in entries if e["outcome"] in ("error", "unsupported")]
    if attention:
        table = Table(title="Needs attention", title_justify="left")
        for column in ("repository", "outcome", "reason"):
            table.add_column(column, overflow="fold")
        for e in attention:
            table.add_row(e["repo"], f"[{_STYLE[e['outcome']]}]{e['outcome']}", e["reason"] or "")
        tables.append(table)
    notes = _by_category(entries)
    if notes.row_count:
        tables.append(notes)
    return tables


def _by_outcome(entries: list[dict[str, Any]]) -> Table:
    table = Table(title="Repositories by outcome", title_justify="left")
    table.add_column("outcome")
    table.add_column("repositories", justify="right")
    table.add_column("actions")
    table.add_column("examples", overflow="fold")
    for outcome in OUTCOMES:
        found = [e for e in entries if e["outcome"] == outcome]
        if not found:
            continue
        actions = Counter(e["action"] for e in found)
        examples = ", ".join(e["repo"] for e in found[:5]) + (f" (+{len(found) - 5})" if len(found) > 5 else "")
        table.add_row(f"[{_STYLE[outcome]}]{outcome}", str(len(found)),
                      ", ".join(f"{n} {a}" for a, n in sorted(actions.items())), examples)
    table.add_row("[bold]total", f"[bold]{len(entries)}", "", "")
    return table


def _by_category(entries: list[dict[str, Any]]) -> Table:
    table = Table(title="Notes by category", title_justify="left")
    table.add_column("category")
    table.add_column("notes", justify="right")
    table.add_column("repositories", justify="right")
    notes: Counter[str] = Counter()
    repos: defaultdict[str, set[str]] = defaultdict(set)
    for e in entries:
        for note in e["notes"]:
            notes[note["category"]] += 1
            repos[note["category"]].add(e["repo"])
    for category, count in sorted(notes.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(category, str(count), str(len(repos[category])))
    return table


def audit_table(entries: list[dict[str, Any]]) -> Table:
    """One row per repository: what the migration would do, and the manual follow-ups it would leave."""
    table = Table(title="Audit", title_justify="left")
    table.add_column("repository", overflow="fold")
    table.add_column("outcome")
    table.add_column("reason", overflow="fold")
    table.add_column("follow-ups", overflow="fold")
    for e in entries:
        follow = Counter(n["category"] for n in e["notes"] if n["category"] in FOLLOW_UP_CATEGORIES)
        table.add_row(e["repo"], f"[{_STYLE[e['outcome']]}]{e['outcome']}", e["reason"] or "",
                      ", ".join(f"{n} {c}" for c, n in sorted(follow.items())))
    return table


def print_tables(tables: list[Table], console: Console | None = None) -> None:
    console = console or Console()
    for table in tables:
        console.print(table)
