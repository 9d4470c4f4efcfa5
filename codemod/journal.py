"""The journal of a batch: one SQLite file (stdlib sqlite3) recording how each repository ended, so that a
rerun resumes where an interrupted or killed run stopped.

Each repository is recorded in one transaction, after its remote side effects (push, pull request), as a
row of `outcomes` (the latest entry per mode and repository: outcome, action, commit, pull request URL,
reason, time, and the whole JSON report entry) and a row of `history` (every attempt). A kill between the
side effects and the commit of that transaction loses only the record, never half of it; the rerun then
finds the pull request through the pipeline's idempotency (an open pull request from the tool's branch is
updated, not opened twice).

A repository counts as finished when its last entry's action is not `failed` (failures are network, API or
git trouble that a rerun may not meet again). Modes (`run`, `dry-run`) are journaled apart, so a dry run
never makes a real run skip anything.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
DEFAULT_PATH = Path("consolidate-ci-journal.sqlite")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outcomes (
    mode TEXT NOT NULL, repo_key TEXT NOT NULL, repo TEXT NOT NULL, outcome TEXT NOT NULL, action TEXT NOT NULL,
    reason TEXT, pr_url TEXT, commit_sha TEXT, finished_at TEXT NOT NULL, entry TEXT NOT NULL,
    PRIMARY KEY (mode, repo_key));
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, mode TEXT NOT NULL, repo TEXT NOT NULL, outcome TEXT NOT NULL,
    action TEXT NOT NULL, reason TEXT, pr_url TEXT, commit_sha TEXT, finished_at TEXT NOT NULL);
"""


class JournalError(Exception):
    """The journal file cannot be used (unreadable, not a journal, another schema version)."""


class Journal:
    """Thread-safe: workers record through one connection, one transaction per repository."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            with self._db:
                self._db.executescript(_SCHEMA)
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            version = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"{self.path}: not a usable consolidate-ci journal ({exc})") from None
        if version != str(SCHEMA_VERSION):
            raise JournalError(f"{self.path}: journal schema {version}, this tool writes schema {SCHEMA_VERSION}")

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record(self, mode: str, entry: dict[str, Any]) -> None:
        """Record one repository's entry (a report entry), atomically."""
        row = (mode, entry["repo"], entry["outcome"], entry["action"], entry["reason"], entry["pr_url"],
               entry["commit"], entry["finished_at"])
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mode, repo_key) DO UPDATE SET "
                "repo = excluded.repo, outcome = excluded.outcome, action = excluded.action, reason = excluded.reason, "
                "pr_url = excluded.pr_url, commit_sha = excluded.commit_sha, finished_at = excluded.finished_at, "
                "entry = excluded.entry",
                (mode, entry["repo"].lower(), *row[1:], json.dumps(entry, ensure_ascii=False)),
            )
            self._db.execute("INSERT INTO history (mode, repo, outcome, action, reason, pr_url, commit_sha, finished_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)

    def entries(self, mode: str) -> dict[str, dict[str, Any]]:
        """The latest entry of every repository journaled in `mode`, by lower-cased name."""
        with self._lock:
            rows = self._db.execute("SELECT repo_key, entry FROM outcomes WHERE mode = ?", (mode,)).fetchall()
        return {key: json.loads(text) for key, text in rows}

    def finished(self, mode: str) -> dict[str, dict[str, Any]]:
        """The repositories a rerun in `mode` skips: their last entry did not fail."""
        return {key: e for key, e in self.entries(mode).items() if e["action"] != "failed"}

    def history(self, repo: str | None = None) -> list[tuple[str, ...]]:
        query = "SELECT mode, repo, outcome, action, reason, pr_url, commit_sha, finished_at FROM history"
        with self._lock:
            if repo is None:
                return self._db.execute(query + " ORDER BY id").fetchall()
            return self._db.execute(query + " WHERE lower(repo) = ? ORDER BY id", (repo.lower(),)).fetchall()
