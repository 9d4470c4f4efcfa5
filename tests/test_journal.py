"""codemod.journal: what a rerun resumes from. One transaction per repository (never half a record), modes
apart, failures not finished, safe from several threads, and refusing files it cannot trust."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from codemod import report
from codemod.journal import Journal, JournalError


def entry(repo, action="opened", outcome="migrated", **fields):
    base = report.entry(repo, outcome=outcome, action=action, pr_url=f"https://x/{repo}/pull/1", commit="c0ffee")
    return {**base, **fields}


def test_record_and_read_back(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.record("run", entry("acme/a"))
        journal.record("run", entry("acme/b", "failed", "error", reason="502"))
        journal.record("dry-run", entry("acme/c", "dry-run"))
        journal.record("run", entry("Acme/A", "unchanged"))
        assert set(journal.entries("run")) == {"acme/a", "acme/b"}
        assert journal.entries("run")["acme/a"]["action"] == "unchanged"  # the latest entry counts
        assert set(journal.finished("run")) == {"acme/a"}  # a failure is retried by the next run
        assert set(journal.finished("dry-run")) == {"acme/c"}  # a dry run never makes a real run skip
        assert [row[3] for row in journal.history("acme/a")] == ["opened", "unchanged"]
    with Journal(tmp_path / "j.sqlite") as again:  # durable across processes
        assert again.entries("run")["acme/a"]["commit"] == "c0ffee"


def test_one_transaction_per_repository(tmp_path):
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        db = sqlite3.connect(path)
        db.execute("CREATE TRIGGER no_b BEFORE INSERT ON history WHEN NEW.repo = 'acme/b' "
                   "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        db.commit()
        journal.record("run", entry("acme/a"))
        with pytest.raises(sqlite3.DatabaseError, match="disk full"):
            journal.record("run", entry("acme/b"))  # the second statement fails: the first is rolled back too
        assert set(journal.entries("run")) == {"acme/a"}
        assert [row[1] for row in journal.history()] == ["acme/a"]
        db.close()


def test_several_threads_record_at_once(tmp_path):
    with Journal(tmp_path / "j.sqlite") as journal:
        def work(k):
            for i in range(25):
                journal.record("run", entry(f"acme/r{k}-{i}"))

        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(journal.finished("run")) == 200 and len(journal.history()) == 200


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"this is not a database, just text" * 100, "not a usable consolidate-ci journal", id="not SQLite"),
        pytest.param(None, "journal schema 99", id="another schema version"),
    ],
)
def test_files_it_cannot_trust_are_refused(tmp_path, content, message):
    path = tmp_path / "j.sqlite"
    if content is None:
        Journal(path).close()
        db = sqlite3.connect(path)
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        db.commit()
        db.close()
    else:
        path.write_bytes(content)
    with pytest.raises(JournalError, match=message):
        Journal(path)
