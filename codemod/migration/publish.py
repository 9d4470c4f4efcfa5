"""R3 publish-production: the step-based publish jobs merge into one `publish-production` job when their
execution settings agree; a reusable-workflow call, or a job that cannot be merged safely, moves as its own
`publish-production-<suffix>` job of the same publish group."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codemod import expressions as ex
from codemod.migration.context import Migration
from codemod.migration.edits import canon
from codemod.migration.moves import Moves, needs_of, unique_id
from codemod.result import Category

# Job keys whose values must be equal for two jobs' steps to run as one job.
SAME_KEYS = ("runs-on", "container", "services", "strategy", "environment", "timeout-minutes",
             "continue-on-error", "defaults", "permissions", "concurrency")
# Job keys whose entries are merged (a key set twice to different values prevents merging).
MERGED_KEYS = ("env", "outputs")


@dataclass
class GroupJob:
    id: str  # its id in the CI workflow
    sources: list[str] = field(default_factory=list)  # post publish jobs whose steps it carries, in order
    reusable: bool = False


def plan_group(m: Migration, moves: Moves, taken: set[str],
               conditional: Callable[[str], bool] = lambda job: False) -> list[GroupJob]:
    """The publish group. `conditional(job)`: whether the job keeps a condition of its own once rewritten (then
    a job that needs it cannot tell whether its steps ran, and it is not merged)."""
    jobs = m.post.jobs
    step_jobs = [j for j in moves.publish if "uses" not in jobs[j]]
    needed = {n for j in moves.others for n in needs_of(jobs[j])}
    merged: list[str] = []
    separate: list[tuple[str, str]] = []
    for job in step_jobs:
        reason = _merge_reason(jobs, merged, job) if merged else None
        if reason is None and merged:
            reason = _order_reason(jobs, merged, job) or _conditional_reason(merged, job, needed, conditional)
        if reason is None:
            merged.append(job)
        else:
            separate.append((job, reason))
    group: list[GroupJob] = []
    name = m.config.jobs.publish_production
    if merged:
        group.append(GroupJob(unique_id(name, taken), list(merged)))
        taken.add(group[0].id.lower())
    for job in moves.publish:
        if job in merged:
            continue
        gid = unique_id(f"{name}-{_suffix(job)}", taken)
        taken.add(gid.lower())
        group.append(GroupJob(gid, [job], reusable="uses" in jobs[job]))
    for job, reason in separate:
        m.note(Category.MOVED, f"publish job `{job}` stays a separate job of the publish group: {reason}",
               m.post.location(("jobs", job)))
    order = {job: i for i, job in enumerate(moves.publish)}
    group.sort(key=lambda g: order[g.sources[0]])
    for g in group:
        for src in g.sources:
            moves.target[src] = g.id
    return group


def _order_reason(jobs: dict[str, Any], merged: list[str], job: str) -> str | None:
    """Jobs that need one another run in order: merged steps would run in file order instead."""
    for other in merged:
        if other in needs_of(jobs[job]) or job in needs_of(jobs[other]):
            return f"it and `{other}` need one another"
    return None


def _conditional_reason(merged: list[str], job: str, needed: set[str], conditional: Callable[[str], bool]) -> str | None:
    for name in (merged[0], job):
        if name in needed and conditional(name):
            return f"`{name}` has a condition and other jobs need it: merged, they could not tell whether it ran"
    return None


def _suffix(job: str) -> str:
    for prefix in ("publish-", "publish_"):
        if job.startswith(prefix) and len(job) > len(prefix):
            return job[len(prefix):]
    return job


def _merge_reason(jobs: dict[str, Any], merged: list[str], job: str) -> str | None:
    """Why `job`'s steps cannot join the steps of the jobs already merged, or None when they can."""
    for name in (merged[0], job):
        reason = _status_reason(jobs[name])
        if reason:
            return reason if name == job else f"`{name}`'s `if:` uses a status function, which steps cannot carry"
    first = jobs[merged[0]]
    candidate = jobs[job]
    for key in SAME_KEYS:
        if canon(first.get(key)) != canon(candidate.get(key)):
            return f"its `{key}` differs from `{merged[0]}`'s"
    timeout = candidate.get("timeout-minutes")
    if timeout is not None and not isinstance(timeout, int):
        return "its `timeout-minutes` is an expression that cannot be added to another job's"
    for key in MERGED_KEYS:
        mine = candidate.get(key) or {}
        for other in merged:
            theirs = jobs[other].get(key) or {}
            clash = [k for k in mine if k in theirs and canon(mine[k]) != canon(theirs[k])]
            if clash:
                return f"its `{key}.{clash[0]}` differs from `{other}`'s"
    return None


def _status_reason(job: dict[str, Any]) -> str | None:
    condition = job.get("if")
    if isinstance(condition, str) and _status_functions(condition):
        return "its `if:` uses a status function, which means something else on steps than on jobs"
    return None


def _status_functions(condition: str) -> set[str]:
    try:
        node, _ = ex.parse_condition(condition)
    except ex.ExpressionError:
        return set()
    return ex.status_functions(node)
