"""A batch: many repositories, concurrently, paced, journaled. Nothing here prints: `Events` callbacks
tell the command what happens, and the result is plain data (report entries).

Two kinds of batch:

- `audit_batch` changes nothing and clones nothing: it reads the workflow folders of up to
  `READ_BATCH` repositories per GraphQL request (`Forge.read_workflows`) and runs the real engine
  (`migrate_texts`) on what it read. Docs and scripts are not read, so their notes are not in an audit.
- `run_batch` runs `codemod.pipeline.run_repository` for each repository (dry run or real). With `triage`
  (more than one repository), it first reads the workflows the same batched way and settles the
  repositories that have no post workflow (already-migrated, not-applicable), archived and empty ones,
  without a preflight or a clone; the others go through the full pipeline, which stays the authority.

Concurrency is a pool of threads (the work waits on the network and on git). One failing repository never
stops the batch; only a rejected token does (every other repository would fail the same way). Each
finished repository is written to the journal (one transaction, after its remote side effects) before the
command hears of it; a rerun skips the repositories the journal has finished unless `force`. Ctrl-C stops
starting repositories, lets the ones in progress finish and be journaled; a second Ctrl-C aborts.

`Pacer` is shared by every worker's requests: content-creating requests (REST writes) are spaced by
`write_interval` seconds across all workers, as GitHub asks, and a rate limit pauses every worker until
it resets (or for Retry-After).
"""

from __future__ import annotations

import posixpath
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from codemod import report
from codemod.config import Config, RepoConfig
from codemod.errors import InputError
from codemod.github import READ_BATCH, AuthError, Forge, ForgeError, RateLimited, WorkflowRead
from codemod.journal import Journal
from codemod.pipeline import Action, Options, RepoRun, Services, run_repository
from codemod.repofiles import RepoFiles
from codemod.result import Outcome, RepoResult
from codemod.selection import Target

TextEngine = Callable[..., RepoResult]  # (files: RepoFiles, config: RepoConfig, *, default_branch: str)


class Events:
    """What a batch tells its caller, from the worker threads (the caller serialises its own output)."""

    def started(self, repo: str) -> None:
        """Work on `repo` began."""

    def finished(self, entry: dict[str, Any], run: RepoRun | None) -> None:
        """`repo` ended (and is journaled); `run` is the pipeline's record, None for reads and skips."""

    def resumed(self, entry: dict[str, Any]) -> None:
        """`repo` was finished by an earlier run (the journal's entry)."""

    def message(self, text: str) -> None:
        """Something worth a line: an interruption, a pause for a rate limit."""


class Pacer:
    """Spaces writes across threads and pauses every thread until a moment (see the module docstring)."""

    def __init__(self, write_interval: float = 1.0, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, on_pause: Callable[[float, str], None] | None = None):
        self.write_interval = write_interval
        self.clock, self.sleep, self.on_pause = clock, sleep, on_pause
        self._lock = threading.Lock()
        self._last_write = float("-inf")
        self._paused_until = 0.0
        self.writes = 0

    def before_request(self, *, write: bool) -> None:
        self._wait_for_pause()
        if not write:
            return
        with self._lock:
            now = self.clock()
            slot = max(now, self._last_write + self.write_interval)
            self._last_write = slot
            self.writes += 1
        if slot > now:
            self.sleep(slot - now)

    def pause_until(self, when: float, reason: str) -> None:
        with self._lock:
            later = when > self._paused_until
            if later:
                self._paused_until = when
        if later and self.on_pause:
            self.on_pause(when, reason)

    def _wait_for_pause(self) -> None:
        while True:
            with self._lock:
                until = self._paused_until
            now = self.clock()
            if now >= until:
                return
            self.sleep(until - now)


@dataclass(frozen=True)
class BatchOptions:
    concurrency: int = 1
    force: bool = False  # redo the repositories the journal says are finished
    triage: bool = True  # run: settle repositories without a post workflow from batched reads
    include_archived: bool = False  # audit: audit archived repositories instead of skipping them


@dataclass
class BatchResult:
    mode: str
    entries: list[dict[str, Any]]  # one per repository reached, in the selection's order
    resumed: int = 0
    fatal: str | None = None  # why the batch stopped early (a rejected token, an unwritable journal)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return self.fatal is None and not self.interrupted and all(
            e["outcome"] not in ("error", "unsupported") for e in self.entries)


class _Runner:
    """The shared state of one batch: entries, the stop flag, the journal."""

    def __init__(self, mode: str, journal: Journal | None, events: Events):
        self.mode, self.journal, self.events = mode, journal, events
        self.entries: dict[str, dict[str, Any]] = {}
        self.stop = threading.Event()
        self.fatal: str | None = None
        self.interrupted = False
        self.resumed = 0
        self._lock = threading.Lock()

    def finish(self, entry: dict[str, Any], run: RepoRun | None = None, *, journal: bool = True) -> None:
        if journal and self.journal is not None:
            try:
                self.journal.record(self.mode, entry)
            except Exception as exc:  # without a journal a rerun cannot resume: stop here
                self.halt(f"could not write the journal {self.journal.path}: {exc}")
        key = entry["repo"].lower()
        with self._lock:
            self.entries[key] = entry  # the run itself (texts, clone) is not kept: memory stays flat
        self.events.finished(entry, run)

    def resume(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.entries[entry["repo"].lower()] = entry
            self.resumed += 1
        self.events.resumed(entry)

    def halt(self, message: str) -> None:
        with self._lock:
            self.fatal = self.fatal or message
        self.stop.set()

    def interrupt(self) -> None:
        self.interrupted = True
        self.stop.set()
        self.events.message("interrupted: finishing the repositories in progress (Ctrl-C again to abort)")

    def result(self, order: Iterable[str]) -> BatchResult:
        entries = [self.entries[name.lower()] for name in order if name.lower() in self.entries]
        return BatchResult(self.mode, entries, self.resumed, self.fatal, self.interrupted)


def _pool(items: list[Any], work: Callable[[Any], None], concurrency: int, runner: _Runner) -> None:
    """Run `work` on every item with `concurrency` threads, until done or `runner.stop`."""
    queue = deque(items)
    lock = threading.Lock()
    done = [threading.Event() for _ in range(max(1, min(concurrency, len(items))))]

    def worker(finished: threading.Event) -> None:
        try:
            while not runner.stop.is_set():
                with lock:
                    if not queue:
                        return
                    item = queue.popleft()
                work(item)
        finally:
            finished.set()

    for i, finished in enumerate(done):
        threading.Thread(target=worker, args=(finished,), daemon=True, name=f"consolidate-ci-{i}").start()
    try:
        _join(done)
    except KeyboardInterrupt:
        runner.interrupt()
        _join(done)  # a second Ctrl-C propagates: abort


def _join(done: list[threading.Event]) -> None:
    """Wait for every worker. (Events, not Thread.join: a Ctrl-C inside Thread.join can make a running thread
    look finished.)"""
    for finished in done:
        while not finished.wait(0.1):
            pass


# --- reading workflows in batches ---------------------------------------------------------------------------


def read_dirs(config: RepoConfig) -> tuple[str, ...]:
    """The folders whose blobs the engine needs: those of the CI and post workflows, and the workflows folder
    (other workflows may listen to the post workflow)."""
    dirs = {posixpath.dirname(config.workflows.ci), posixpath.dirname(config.workflows.post), ".github/workflows"}
    return tuple(sorted(dirs))


def repo_files(read: WorkflowRead) -> RepoFiles:
    problems = {path: InputError(why, path) for path, why in read.unreadable.items()}
    problems.update({path: InputError("is a symbolic link; the codemod edits only regular files", path)
                     for path in read.symlinks})
    return RepoFiles(read.texts, problems)


def _read_chunk(forge: Forge, chunk: list[str], config: Config) -> dict[str, WorkflowRead | str]:
    """One read request for `chunk`; a failed request is split in halves (a query too heavy for GitHub's
    time budget), down to single repositories whose failure becomes their error message."""
    try:
        return dict(forge.read_workflows([(name, read_dirs(config.for_repo(name))) for name in chunk]))
    except AuthError:
        raise
    except ForgeError as exc:
        if len(chunk) == 1 or isinstance(exc, RateLimited):
            return {name: str(exc) for name in chunk}
        half = len(chunk) // 2
        return {**_read_chunk(forge, chunk[:half], config), **_read_chunk(forge, chunk[half:], config)}


def _read_all(forge: Forge, targets: list[Target], config: Config, runner: _Runner, concurrency: int,
              handle: Callable[[str, WorkflowRead | str], None], announce: bool) -> None:
    """`handle` every target's read: the one its listing brought (when it read the right folders), else
    from batched read requests."""
    def usable(target: Target) -> bool:
        return target.read is not None and target.read.dirs == read_dirs(config.for_repo(target.name))

    def work_read(target: Target) -> None:
        read, target.read = target.read, None  # the texts are not kept once used
        assert read is not None
        if announce:
            runner.events.started(target.name)
        handle(target.name, read)

    ready = [t for t in targets if usable(t)]
    names = [t.name for t in targets if not usable(t)]
    _pool(ready, work_read, concurrency, runner)
    chunks = [names[i:i + READ_BATCH] for i in range(0, len(names), READ_BATCH)]

    def work(chunk: list[str]) -> None:
        if announce:
            for name in chunk:
                runner.events.started(name)
        try:
            reads = _read_chunk(forge, chunk, config)
        except AuthError as exc:
            runner.halt(str(exc))
            return
        for name in chunk:
            handle(name, reads.get(name, f"GitHub's answer did not include {name}"))

    _pool(chunks, work, concurrency, runner)


def _engine(engine: TextEngine | None) -> TextEngine:
    if engine is not None:
        return engine
    from codemod.engine import migrate_texts

    return migrate_texts


def _migrate_texts(engine: TextEngine, files: RepoFiles, config: RepoConfig, branch: str) -> RepoResult:
    try:
        return engine(files, config, default_branch=branch)
    except Exception as exc:  # the engine promises none; if one escapes, it is this repository's
        return RepoResult(Outcome.ERROR, reason=f"the migration failed unexpectedly: {type(exc).__name__}: {exc}")


# --- audit ----------------------------------------------------------------------------------------------------


def audit_entry(name: str, read: WorkflowRead | str, config: RepoConfig, engine: TextEngine,
                include_archived: bool) -> dict[str, Any]:
    """What `name` would become, from its batched read."""
    if isinstance(read, str) or not read.found:
        return report.failed_entry(name, read if isinstance(read, str) else read.error or "could not be read")
    if read.archived and not include_archived:
        return report.skipped_entry(name, "archived: skipped (pass --include-archived to audit it)")
    if read.default_branch is None:
        return report.skipped_entry(name, f"{name} is empty (no default branch): skipped")
    began = time.perf_counter()
    result = _migrate_texts(engine, repo_files(read), config, read.default_branch)
    return report.audit_entry(name, result, seconds=time.perf_counter() - began)


def audit_batch(targets: list[Target], config: Config, forge: Forge, options: BatchOptions = BatchOptions(), *,
                events: Events | None = None, engine: TextEngine | None = None) -> BatchResult:
    """Every target's would-be outcome, from batched reads; changes nothing."""
    runner = _Runner("audit", None, events or Events())
    text_engine = _engine(engine)
    for target in targets:
        if target.skip:
            runner.finish(report.skipped_entry(target.name, target.skip))

    def handle(name: str, read: WorkflowRead | str) -> None:
        runner.finish(audit_entry(name, read, config.for_repo(name), text_engine, options.include_archived))

    _read_all(forge, [t for t in targets if not t.skip], config, runner, options.concurrency, handle, True)
    return runner.result(t.name for t in targets)


# --- run --------------------------------------------------------------------------------------------------------


def triage(name: str, read: WorkflowRead | str, config: RepoConfig, engine: TextEngine) -> RepoRun | None:
    """The run of a repository settled from its batched read, or None when the full pipeline must decide."""
    if isinstance(read, str) or not read.found:
        return None  # the pipeline reports it with its own words
    if read.archived:
        return RepoRun(name, Action.SKIPPED, f"{name} is archived: skipped")
    if read.default_branch is None:
        return RepoRun(name, Action.SKIPPED, f"{name} is empty (no default branch): skipped")
    files = repo_files(read)
    if files.exists(config.workflows.ci) and files.exists(config.workflows.post):
        return None
    result = _migrate_texts(engine, files, config, read.default_branch)
    if result.outcome not in (Outcome.ALREADY_MIGRATED, Outcome.NOT_APPLICABLE):
        return None
    reason = f": {result.reason}" if result.reason else ""
    return RepoRun(name, Action.NOTHING, f"{result.outcome}{reason}", result=result)


def run_batch(targets: list[Target], config: Config, services: Services, pipeline: Options | None = None,
              options: BatchOptions = BatchOptions(), *, journal: Journal | None = None,
              events: Events | None = None, engine: TextEngine | None = None) -> BatchResult:
    """Migrate every target (or dry-run it), resuming from `journal`."""
    pipeline = pipeline or Options()
    runner = _Runner("dry-run" if pipeline.dry_run else "run", journal, events or Events())
    done = journal.finished(runner.mode) if journal is not None and not options.force else {}
    pending: list[Target] = []
    for target in targets:
        if target.skip:
            runner.finish(report.skipped_entry(target.name, target.skip), journal=False)
        elif target.name.lower() in done:
            runner.resume(done[target.name.lower()])
            target.read = None
        else:
            pending.append(target)
    if options.triage and len(pending) > 1:
        pending = _triage_all(pending, config, services.forge, runner, options, _engine(engine))
    for target in pending:
        target.read = None
    _pool([t.name for t in pending], lambda name: _run_one(name, config, services, pipeline, runner),
          options.concurrency, runner)
    return runner.result(t.name for t in targets)


def _triage_all(targets: list[Target], config: Config, forge: Forge, runner: _Runner, options: BatchOptions,
                engine: TextEngine) -> list[Target]:
    settled: set[str] = set()

    def handle(name: str, read: WorkflowRead | str) -> None:
        run = triage(name, read, config.for_repo(name), engine)
        if run is not None:
            settled.add(name)
            runner.finish(report.run_entry(run), run)

    _read_all(forge, targets, config, runner, options.concurrency, handle, False)
    return [t for t in targets if t.name not in settled]


def _run_one(name: str, config: Config, services: Services, pipeline: Options, runner: _Runner) -> None:
    runner.events.started(name)
    began = time.perf_counter()
    try:
        run = run_repository(name, config.for_repo(name), services, pipeline)
    except Exception as exc:  # a bug must not stop the other repositories
        run = RepoRun(name, Action.FAILED, f"internal error: {type(exc).__name__}: {exc}")
    if run.fatal:
        runner.halt(run.message)
    runner.finish(report.run_entry(run, seconds=time.perf_counter() - began), run)
