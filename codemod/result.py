"""The data every renderer reads: the outcome of one repository, its file changes and its notes.

Rules produce these values; the CLI, the PR body, the JSON and HTML reports render them. Nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    MIGRATED = "migrated"
    ALREADY_MIGRATED = "already-migrated"
    NOT_APPLICABLE = "not-applicable"
    UNSUPPORTED = "unsupported"
    ERROR = "error"

    @property
    def ok(self) -> bool:
        return self in (Outcome.MIGRATED, Outcome.ALREADY_MIGRATED, Outcome.NOT_APPLICABLE)


class Category(StrEnum):
    """What a note is about; reports group notes by it."""

    MOVED = "moved"  # a job moved into the CI workflow (and where)
    DROPPED = "dropped"  # a job or trigger dropped on purpose, with the reason
    RENAMED = "renamed"  # a job or step id renamed, with its references
    SECRET = "secret"  # a secret the moved jobs use (the PR's checklist)
    TRIGGER = "trigger"  # a trigger of the post workflow that is not carried over (manual follow-up)
    FOLLOW_UP = "follow-up"  # something a person has to do after merging
    PERMISSION = "permission"  # permissions that changed scope
    CONCURRENCY = "concurrency"  # concurrency settings that matter for production publishing
    LISTENER = "listener"  # another workflow retargeted from the post workflow to the CI workflow
    DOCS = "docs"  # a Markdown edit
    SCRIPT = "script"  # a Python script edit or dispatch follow-up
    CHECK = "check"  # required status checks that named the old cleanup job
    INFO = "info"  # anything else worth knowing


@dataclass(frozen=True)
class Location:
    path: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        return ":".join(str(p) for p in (self.path, self.line, self.col) if p is not None)


@dataclass(frozen=True)
class Note:
    category: Category
    message: str
    location: Location | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"[{self.category}] {where}{self.message}"


@dataclass(frozen=True)
class FileChange:
    """One file's change: `new_text is None` deletes it, `old_text is None` creates it."""

    path: str
    old_text: str | None
    new_text: str | None

    @property
    def kind(self) -> str:
        if self.new_text is None:
            return "deleted"
        return "created" if self.old_text is None else "modified"


@dataclass(frozen=True)
class JobNode:
    """One job of the migrated CI workflow's graph, as docs and PR bodies draw it."""

    id: str
    needs: tuple[str, ...] = ()
    condition: str | None = None  # the job-level `if:` as written, None when there is none
    role: str = "ci"  # "gate", "publish", "helper", "downstream", "cleanup" or "ci"


@dataclass
class MigrationSummary:
    """What the migration did, in names: enough for the docs section, the PR body and the reports."""

    ci_path: str
    post_path: str
    ci_name: str | None  # the CI workflow's `name:`, None when it has none
    post_name: str | None
    default_branch: str
    release_branches: list[str]
    gates: list[str]
    publish_group: list[str]  # job ids in the CI workflow after migration
    moved: dict[str, str]  # post job id -> CI job id it became (publish jobs map to their group job)
    dropped: dict[str, str]  # post job id -> reason
    old_cleanup: str | None  # the CI cleanup job id before migration, None when there was none
    final_cleanup: str | None  # its id after migration, None when there is none
    secrets: list[str]
    ci_triggers: list[str] = field(default_factory=list)  # the CI workflow's `on:` events (e.g. "push", "workflow_dispatch")
    jobs: list[JobNode] = field(default_factory=list)  # the migrated CI workflow's job graph


@dataclass
class RepoResult:
    outcome: Outcome
    reason: str | None = None  # one line, with file:line for unsupported and error
    changes: list[FileChange] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    summary: MigrationSummary | None = None

    def changed_paths(self) -> list[str]:
        return [c.path for c in self.changes]
