"""R9 / R4: the truth table, checked by simulating the migrated CI workflow's job graph.

For each event (pull request, push to a release branch, push elsewhere when the CI runs there) and every
combination of gate results (success, failure, skipped, cancelled), the job conditions are evaluated the way
GitHub does: a condition without a status function is AND-ed with `success()`; `success()` needs every
ancestor job to have succeeded, `failure()` any ancestor to have failed, `cancelled()` a cancelled run."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from codemod import expressions as ex
from codemod.migration.moves import needs_of

RESULTS = ("success", "failure", "skipped", "cancelled")


@dataclass(frozen=True)
class Event:
    name: str
    ref: str

    @property
    def ref_name(self) -> str:
        return self.ref.split("/", 2)[-1]


def _order(jobs: dict[str, Any]) -> list[str]:
    done: list[str] = []
    seen: set[str] = set()

    def visit(job: str) -> None:
        if job in seen or job not in jobs:
            return
        seen.add(job)
        for need in needs_of(jobs[job]):
            visit(need)
        done.append(job)

    for job in jobs:
        visit(job)
    return done


def _ancestors(jobs: dict[str, Any], job: str) -> set[str]:
    out: set[str] = set()
    stack = list(needs_of(jobs[job]))
    while stack:
        need = stack.pop()
        if need in out or need not in jobs:
            continue
        out.add(need)
        stack.extend(needs_of(jobs[need]))
    return out


def simulate(jobs: dict[str, Any], event: Event, forced: dict[str, str]) -> dict[str, str]:
    """Each job's result; a job in `forced` that runs ends with that result, every other job that runs succeeds."""
    results: dict[str, str] = {}
    cancelled = "cancelled" in forced.values()
    for job in _order(jobs):
        spec = jobs[job] if isinstance(jobs[job], dict) else {}
        ancestors = [results.get(a, "skipped") for a in _ancestors(jobs, job)]
        functions = {
            "always": lambda: True,
            "success": lambda anc=ancestors: all(r == "success" for r in anc) and not cancelled,
            "failure": lambda anc=ancestors: any(r == "failure" for r in anc),
            "cancelled": lambda: cancelled,
        }
        runs = _evaluate(spec.get("if"), event, {n: results.get(n, "skipped") for n in needs_of(spec)}, jobs, functions)
        results[job] = forced.get(job, "success") if runs else "skipped"
    return results


@lru_cache(maxsize=1024)
def _condition(condition: Any) -> ex.Node:
    """A job condition as GitHub evaluates it: `success() && (...)` unless it calls a status function."""
    if condition is None:
        return ex.Call("success", ())
    if isinstance(condition, bool):
        return ex.Binary("&&", ex.Call("success", ()), ex.Literal(condition))
    try:
        node, _ = ex.parse_condition(str(condition))
    except ex.ExpressionError:  # text around ${{ }}: GitHub reads a non-empty string, which is true
        node = ex.Literal(True)
    return node if ex.status_functions(node) else ex.Binary("&&", ex.Call("success", ()), node)


def _evaluate(condition: Any, event: Event, needs: dict[str, str], jobs: dict[str, Any], functions: dict) -> bool:
    """Whether a job may run. Only what the table is about is known (the event, the ref, the results of the
    needed jobs, the status functions); any other term (`vars.*`, `github.repository`, outputs...) is unknown,
    and the condition is evaluated in three-valued logic: a job may run unless its condition is surely false.
    That is what both kinds of check want: a job that must not run must be stopped by known terms, and a job
    that must run must not be stopped by them."""
    node = _condition(condition if condition is None or isinstance(condition, bool) else str(condition))
    context = {
        "github": {"event_name": event.name, "ref": event.ref, "ref_name": event.ref_name},
        "needs": {n: {"result": r} for n, r in needs.items()},
    }
    return _three_valued(node, context, functions, set(needs)) is not False


KNOWN_GITHUB = {"event_name", "ref", "ref_name"}
STATUS = {"always", "success", "failure", "cancelled"}


def _known(node: ex.Node, needs: set[str]) -> bool:
    """Whether a (sub)expression reads only what the simulation knows."""
    if isinstance(node, ex.Literal):
        return True
    ref = ex.reference_lower(node)
    if ref is not None:
        return (len(ref) == 2 and ref[0] == "github" and ref[1] in KNOWN_GITHUB) or (
            len(ref) == 3 and ref[0] == "needs" and ref[2] == "result" and ref[1] in {n.lower() for n in needs})
    if isinstance(node, ex.Call):
        return node.name.lower() in STATUS or all(_known(a, needs) for a in node.args)
    if isinstance(node, ex.Not):
        return _known(node.expr, needs)
    if isinstance(node, ex.Binary):
        return _known(node.left, needs) and _known(node.right, needs)
    return False


def _three_valued(node: ex.Node, context: dict, functions: dict, needs: set[str]) -> bool | None:
    """True, False, or None (unknown), with Kleene's `&&`, `||` and `!` over unknown terms."""
    if _known(node, needs):
        return ex.truthy(ex.evaluate(node, context, functions))
    if isinstance(node, ex.Not):
        inner = _three_valued(node.expr, context, functions, needs)
        return None if inner is None else not inner
    if isinstance(node, ex.Binary) and node.op in ("&&", "||"):
        left = _three_valued(node.left, context, functions, needs)
        right = _three_valued(node.right, context, functions, needs)
        stop = node.op == "||"  # the value that decides on its own: true for ||, false for &&
        if left is stop or right is stop:
            return stop
        return None if left is None or right is None else not stop
    return None


def events(release: list[str], pushes_elsewhere: bool) -> list[Event]:
    branch = release[0][:-2] + "x" if release[0].endswith("**") else release[0]
    out = [Event("pull_request", "refs/pull/1/merge"), Event("push", f"refs/heads/{branch}")]
    if pushes_elsewhere:
        out.append(Event("push", "refs/heads/consolidate-ci-not-a-release-branch"))
    return out


def check(
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    gates: list[str],
    group: list[str],
    moved: list[str],
    final: str | None,
    old_cleanup: str | None,
    release: list[str],
    pushes_elsewhere: bool,
) -> list[str]:
    """Violations of SPEC R4's truth table (an empty list when it holds)."""
    problems: list[str] = []
    for event in events(release, pushes_elsewhere):
        release_push = event.name == "push" and event.ref != "refs/heads/consolidate-ci-not-a-release-branch"
        for combo in itertools.product(RESULTS, repeat=len(gates)):
            forced = dict(zip(gates, combo, strict=True))
            label = f"{event.name} {event.ref} with gates {forced}"
            res = simulate(after, event, forced)
            all_green = all(r == "success" for r in combo)
            ran = [j for j in moved if res.get(j) != "skipped"]
            if not (release_push and all_green):
                if ran:
                    problems.append(f"{label}: moved job(s) {', '.join(ran)} would run")
                if final and release_push and res.get(final) != "skipped":
                    problems.append(f"{label}: {final} would run and delete the staging artifacts")
                if final and not release_push:
                    problems.extend(_cleanup_as_before(before, res, event, forced, final, old_cleanup, label))
                continue
            not_run = [j for j in group if res.get(j) == "skipped"]
            if not_run:
                problems.append(f"{label}: publish job(s) {', '.join(not_run)} would not run")
            if final:
                problems.extend(_cleanup_follows_group(after, event, forced, group, final, label))
    return problems


def _cleanup_as_before(before, res, event, forced, final, old_cleanup, label) -> list[str]:
    if old_cleanup is None or old_cleanup not in before:
        return [f"{label}: {final} would run although there was no cleanup before"] if res.get(final) != "skipped" else []
    was = simulate(before, event, forced).get(old_cleanup)
    now = res.get(final)
    if (was == "skipped") != (now == "skipped"):
        return [f"{label}: {final} would {'run' if now != 'skipped' else 'be skipped'}, unlike {old_cleanup} before"]
    return []


def _cleanup_follows_group(after, event, forced, group, final, label) -> list[str]:
    problems = []
    if simulate(after, event, forced).get(final) == "skipped":
        problems.append(f"{label}: {final} would be skipped although every publish job succeeded")
    for job in group:
        for result in ("failure", "cancelled"):
            res = simulate(after, event, {**forced, job: result})
            if res.get(final) != "skipped":
                problems.append(f"{label}, {job} {result}: {final} would run and delete the staging artifacts")
    return problems
