"""R7 final-cleanup: the CI cleanup job is renamed in place, needs the publish group, and its condition shows
the three strategies: pull requests clean up as before, a push cleans up only when the whole publish group
succeeded, and otherwise the job is skipped so staging is kept for debugging. Post cleanup jobs' steps are
appended, guarded by `push`; the CI's own cleanup steps are then guarded by `pull_request`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from codemod import expressions as ex
from codemod.migration import gate as gt
from codemod.migration.context import Migration, get_path
from codemod.migration.edits import canon, conjuncts, guard_step, needs_value, set_keys, step_renames
from codemod.migration.filters import as_list
from codemod.migration.moves import Moves, needs_of
from codemod.migration.rewrite import References, Rewriter, Target, steps_of
from codemod.result import Category
from codemod.yamldoc import FlowList, YamlDocument, YamlPath

COMMENT = [
    "Final cleanup: pull requests clean staging up as before; a push cleans it up only when every",
    "production publish succeeded; otherwise this job is skipped and staging is kept for debugging.",
]
PUSH_ONLY_COMMENT = [
    "Final cleanup: a push cleans staging up only when every production publish succeeded;",
    "otherwise this job is skipped and staging is kept for debugging.",
]
DISPLAY_NAME = "Final Cleanup"


def strategy(m: Migration, group: list[str], release: list[str]) -> ex.Node:
    """`github.event_name == 'pull_request' || (github.event_name == 'push' && <group>.result == 'success')`, plus
    the CI's other events and non-release pushes, which keep cleaning up as before."""
    cases = [gt.event_is("pull_request")]
    triggers = m.ci.triggers()
    for event in triggers:
        if event not in ("push", "pull_request", "workflow_call"):
            cases.append(gt.event_is(event))
    cases.append(_grouped(gt.all_of([gt.event_is("push"), *[gt.result_is_success(j) for j in group]])))
    if pushes_beyond(triggers, release):
        others = gt.any_of([gt.ref_test(b) for b in release])
        cases.append(_grouped(gt.all_of([gt.event_is("push"), ex.Not(_grouped(others))])))
    return _grouped(gt.any_of(cases))


def _grouped(node: ex.Node) -> ex.Node:
    """Parentheses a reader needs to see the strategies, even where precedence would not need them."""
    return replace(node, grouped=True) if isinstance(node, ex.Binary) else node


def pushes_beyond(triggers: dict[str, Any], release: list[str]) -> bool:
    """Whether the CI workflow also runs on pushes to branches that are not release branches."""
    push = triggers.get("push")
    if isinstance(push, dict) and (push.get("tags") is not None or push.get("tags-ignore") is not None):
        return True  # tag pushes are pushes too, and not to a release branch
    branches = as_list(push.get("branches")) if isinstance(push, dict) else None
    return branches is None or any(b not in release for b in branches)


def cleanup_condition(m: Migration, original: Any, group: list[str], release: list[str]) -> ex.Node:
    """`always() && <the original condition's other terms> && (<strategy>)`."""
    kept: list[ex.Node] = []
    if isinstance(original, str):
        node, _ = ex.parse_condition(original)
        kept = [t for t in conjuncts(node) if not _is_call(t, "always")]
    return gt.all_of([ex.Call("always", ()), *kept, strategy(m, group, release)])


def _is_call(node: ex.Node, name: str) -> bool:
    return isinstance(node, ex.Call) and node.name.lower() == name and not node.args


# Job settings an appended post cleanup step depends on: they must agree with the job it is appended to.
SETTINGS = ("runs-on", "container", "services", "strategy", "environment", "permissions", "defaults",
            "timeout-minutes", "continue-on-error")


class CleanupBuilder:
    def __init__(self, m: Migration, moves: Moves, refs: References, group: list[str], release: list[str],
                 context: Callable[[YamlDocument, str], None] | None = None):
        self.m = m
        self.moves = moves
        self.refs = refs
        self.group = group
        self.release = release
        self.context = context  # R6 for a new final-cleanup built from a post job (the JobBuilder's)
        self.ci_id = m.config.jobs.ci_cleanup
        self.final = m.config.jobs.final_cleanup
        self.simple = not pushes_beyond(m.ci.triggers(), release) and set(m.ci.triggers()) <= {
            "push", "pull_request", "workflow_call"}

    def plan(self) -> tuple[str | None, str | None, YamlDocument | None]:
        """(old CI cleanup id, final cleanup id, a new job fragment when the CI had no cleanup job)."""
        has_ci = bool(self.ci_id) and self.ci_id in self.m.ci.jobs
        if self.ci_id and not has_ci:
            self.m.note(Category.INFO, f"the CI workflow has no job `{self.ci_id}` (jobs.ci_cleanup)", self.m.ci.location(("jobs",)))
        if has_ci:
            if self.final != self.ci_id and self.final in self.m.ci.jobs:
                raise self.m.refuse(f"the CI workflow already has a job `{self.final}`", self.m.ci.location(("jobs", self.final)))
            self._edit_ci_job()
            return self.ci_id, self.final, None
        if self.moves.cleanup:
            return None, self.final, self._new_job()
        return None, None, None

    # ---- guards ----
    def _release_push(self) -> ex.Node:
        """Appended post cleanup steps run on a release push only (the post workflow ran for nothing else)."""
        return gt.event_is("push") if self.simple else gt.release_gate(self.release)

    def _not_release_push(self) -> ex.Node:
        """The CI's own cleanup steps keep running for every other run (pull requests in the common case)."""
        return gt.event_is("pull_request") if self.simple else ex.Not(gt.release_gate(self.release))

    # ---- the CI's cleanup job, edited in place ----
    def _edit_ci_job(self) -> None:
        doc, job = self.m.ci.doc, self.m.ci.jobs[self.ci_id]
        path: YamlPath = ("jobs", self.ci_id)
        self._refuse_anchors(path, job)
        if self.final != self.ci_id:
            doc.rename_key(path, self.final)
        needs = _merge_needs(needs_of(job), [*self.group, *self._post_needs()])
        cond = ex.format_condition(self._condition(job.get("if"), path), False)
        set_keys(doc, path, job, [("name", DISPLAY_NAME, None), ("needs", needs_value(needs, job.get("needs")), None),
                                  ("if", cond, COMMENT)])
        if self.moves.cleanup:
            for i, step in enumerate(job.get("steps") or []):
                self._guard(doc, (*path, "steps", i), step, self._not_release_push(), self.m.ci.value_location((*path, "steps", i)))
            taken = {str(s.get("id")).lower() for s in job.get("steps") or [] if isinstance(s, dict) and s.get("id")}
            for cjob in self.moves.cleanup:
                self._check_settings(cjob, job)
                self._append_steps(doc, (*path, "steps"), cjob, taken, self._release_push(), with_workflow_env=True)

    def _condition(self, original: Any, path: YamlPath) -> ex.Node:
        try:
            return cleanup_condition(self.m, original, self.group, self.release)
        except ex.ExpressionError as exc:
            raise self.m.refuse(f"cannot read the cleanup job's condition: {exc}", self.m.ci.value_location((*path, "if"))) from None

    def _guard(self, doc: YamlDocument, path: YamlPath, step: Any, condition: ex.Node, where) -> None:
        try:
            guard_step(doc, path, step, condition)
        except ex.ExpressionError as exc:
            raise self.m.refuse(f"cannot read the step's condition: {exc}", where) from None

    def _refuse_anchors(self, path: YamlPath, job: dict) -> None:
        """An anchored `needs:`/`if:` of the cleanup job may be shared with another job through an alias."""
        lines = self.m.ci.doc.text.splitlines()
        for key in ("needs", "if"):
            if key in job:
                where = self.m.ci.value_location((*path, key))
                if where.line and re.match(r"\s*&[^\s&]", lines[where.line - 1][(where.col or 1) - 1:]):
                    raise self.m.refuse(f"the cleanup job's `{key}` carries a YAML anchor that other jobs may share",
                                        where)

    def _check_settings(self, cjob: str, target: dict) -> None:
        spec = self.m.post.jobs[cjob]
        for key in SETTINGS:
            if key in spec and canon(spec.get(key)) != canon(target.get(key)):
                raise self.m.refuse(f"post cleanup job `{cjob}` has its own `{key}`: its steps cannot run in "
                                    f"`{self.final}` as they ran before", self.m.post.location(("jobs", cjob, key)))

    def _post_needs(self) -> list[str]:
        """Moved jobs that the post cleanup jobs need (their outputs may be read by the appended steps)."""
        out = []
        for cjob in self.moves.cleanup:
            for need in needs_of(self.m.post.jobs[cjob]):
                new = self.moves.target.get(need)
                if new and new not in self.group and new not in out:
                    out.append(new)
        return out

    def _append_steps(self, doc: YamlDocument, steps_path: YamlPath, cjob: str, taken: set[str],
                      guard: ex.Node | None, *, with_workflow_env: bool) -> None:
        """Append the steps of post cleanup job `cjob`: step ids renamed on collision (case-insensitively), each
        step guarded, and the env it ran with (the post workflow's and its job's) set on the step itself."""
        renames = step_renames(steps_of(self.m.post, cjob), cjob, taken)
        refs = self.refs.with_steps(renames)
        condition = self._post_condition(cjob, guard)
        env = self._step_env(cjob, with_workflow_env)
        for i, step in enumerate(steps_of(self.m.post, cjob)):
            frag = self.m.post.doc.extract(("jobs", cjob, "steps", i))
            Rewriter(self.m, refs).rewrite_tree(Target(frag, ("jobs", cjob, "steps", i), (0,)))
            if isinstance(step, dict) and str(step.get("id", "")).lower() in renames:
                frag.set_value((0, "id"), renames[str(step["id"]).lower()])
            guard_step(frag, (0,), step, condition)
            _set_step_env(frag, step, env)
            doc.insert_fragment(steps_path, frag)
        self.m.note(Category.MOVED, f"the steps of post cleanup job `{cjob}` are appended to `{self.final}`"
                    + (f", guarded by `{ex.to_source(guard)}`" if guard is not None else ""),
                    self.m.post.location(("jobs", cjob)))

    def _post_condition(self, cjob: str, guard: ex.Node | None) -> ex.Node | None:
        """`guard` AND the post cleanup job's own condition without its status functions."""
        terms: list[ex.Node] = [guard] if guard is not None else []
        text = self.m.post.jobs[cjob].get("if")
        if isinstance(text, str):
            where = self.m.post.value_location(("jobs", cjob, "if"))
            rewriter = Rewriter(self.m, self.refs)
            node, _ = rewriter.parse_condition(text, where)
            for term in conjuncts(ex.fold(rewriter.rewrite(node, boolean=True, where=where))):
                if _is_call(term, "always") or term == ex.Literal(True):
                    continue
                if ex.status_functions(term):
                    raise self.m.refuse(f"post cleanup job `{cjob}`'s condition uses a status function that cannot "
                                        "guard its steps in the final cleanup", where)
                terms.append(term)
        return gt.all_of(terms) if terms else None

    def _step_env(self, cjob: str, with_workflow_env: bool) -> dict[str, Any]:
        """The env the post cleanup job's steps ran with, minus what the CI workflow already sets the same."""
        sources: list[YamlPath] = []
        if with_workflow_env and isinstance(self.m.post.data.get("env"), dict):
            sources += [("env", k) for k in self.m.post.data["env"]]
        if isinstance(self.m.post.jobs[cjob].get("env"), dict):
            sources += [("jobs", cjob, "env", k) for k in self.m.post.jobs[cjob]["env"]]
        ci_env = self.m.ci.data.get("env") if isinstance(self.m.ci.data.get("env"), dict) else {}
        rewriter = Rewriter(self.m, self.refs)
        values: dict[str, Any] = {}
        for src in sources:
            name, value = src[-1], get_path(self.m.post.data, src)
            if isinstance(value, str):
                for old, new in rewriter.embedded(value, self.m.post.value_location(src)):
                    value = value.replace(old, new)
            values[name] = value  # the job's value (later) wins over the workflow's
        return {k: v for k, v in values.items() if not (k in ci_env and str(ci_env[k]) == str(v))}

    # ---- no CI cleanup job: a new final-cleanup from the post cleanup jobs ----
    def _new_job(self) -> YamlDocument:
        first = self.moves.cleanup[0]
        frag = self.m.post.doc.extract(("jobs", first))
        spec = self.m.post.jobs[first]
        Rewriter(self.m, self.refs).rewrite_tree(Target(frag, ("jobs", first), (first,)),
                                                 frozenset({("jobs", first, "if"), ("jobs", first, "needs")}))
        needs = _merge_needs([], [*self.group, *self._post_needs()])
        own = self._post_condition(first, None)
        cond = gt.all_of([ex.Call("always", ()), self._release_push(), *[gt.result_is_success(j) for j in self.group],
                          *([own] if own is not None else [])])
        set_keys(frag, (first,), spec, [("name", DISPLAY_NAME, None), ("needs", FlowList(needs), None),
                                        ("if", ex.format_condition(cond, False), PUSH_ONLY_COMMENT)])
        if self.context is not None:
            self.context(frag, first)
        taken = {str(st.get("id")).lower() for st in steps_of(self.m.post, first) if isinstance(st, dict) and st.get("id")}
        for cjob in self.moves.cleanup[1:]:
            self._check_settings(cjob, spec)
            self._append_steps(frag, (first, "steps"), cjob, taken, None, with_workflow_env=False)
        return frag


def _set_step_env(frag: YamlDocument, step: Any, env: dict[str, Any]) -> None:
    """Add to a step's `env:` the variables it does not set itself."""
    if not env or not isinstance(step, dict):
        return
    own = step.get("env") if isinstance(step.get("env"), dict) else None
    missing = {k: v for k, v in env.items() if own is None or k not in own}
    if not missing:
        return
    if own is None:
        frag.insert_entry((0,), "env", missing)
    else:
        for name, value in missing.items():
            frag.insert_entry((0, "env"), name, value)


def _merge_needs(current: list[str], extra: list[str]) -> list[str]:
    out = list(current)
    out.extend(n for n in extra if n not in out)
    return out
