"""R7 final-cleanup: the CI cleanup job is renamed in place, needs the publish group, and its condition shows
the three strategies: pull requests clean up as before, a push cleans up only when the whole publish group
succeeded, and otherwise the job is skipped so staging is kept for debugging. Post cleanup jobs' steps are
appended, guarded by `push`; the CI's own cleanup steps are then guarded by `pull_request`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from codemod import expressions as ex
from codemod.migration import gate as gt
from codemod.migration.context import Migration, get_path
from codemod.migration.edits import conjuncts, guard_step, needs_value, set_keys
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


class CleanupBuilder:
    def __init__(self, m: Migration, moves: Moves, refs: References, group: list[str], release: list[str]):
        self.m = m
        self.moves = moves
        self.refs = refs
        self.group = group
        self.release = release
        self.ci_id = m.config.jobs.ci_cleanup
        self.final = m.config.jobs.final_cleanup

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

    # ---- the CI's cleanup job, edited in place ----
    def _edit_ci_job(self) -> None:
        doc, job = self.m.ci.doc, self.m.ci.jobs[self.ci_id]
        path: YamlPath = ("jobs", self.ci_id)
        if self.final != self.ci_id:
            doc.rename_key(path, self.final)
        needs = _merge_needs(needs_of(job), [*self.group, *self._post_needs()])
        cond = ex.format_condition(cleanup_condition(self.m, job.get("if"), self.group, self.release), False)
        set_keys(doc, path, job, [("name", DISPLAY_NAME, None), ("needs", needs_value(needs, job.get("needs")), None),
                                  ("if", cond, COMMENT)])
        if self.moves.cleanup:
            for i, step in enumerate(job.get("steps") or []):
                guard_step(doc, (*path, "steps", i), step, gt.event_is("pull_request"))
            self._append_post_steps(doc, (*path, "steps"), {str(s.get("id")) for s in job.get("steps") or [] if isinstance(s, dict)})
            self._post_env(doc, path, job)

    def _post_needs(self) -> list[str]:
        """Moved jobs that the post cleanup jobs need (their outputs may be read by the appended steps)."""
        out = []
        for cjob in self.moves.cleanup:
            for need in needs_of(self.m.post.jobs[cjob]):
                new = self.moves.target.get(need)
                if new and new not in self.group and new not in out:
                    out.append(new)
        return out

    def _append_post_steps(self, doc: YamlDocument, steps_path: YamlPath, taken: set[str]) -> None:
        for cjob in self.moves.cleanup:
            condition = self._post_condition(cjob)
            renames = {}
            for step in steps_of(self.m.post, cjob):
                sid = step.get("id") if isinstance(step, dict) else None
                if sid and sid in taken:
                    renames[sid] = f"{sid}-{cjob}"
                if sid:
                    taken.add(renames.get(sid, sid))
            refs = References(jobs=self.refs.jobs, true_outputs=self.refs.true_outputs, gone=self.refs.gone,
                              steps=renames, secrets=self.refs.secrets)
            for i, step in enumerate(steps_of(self.m.post, cjob)):
                frag = self.m.post.doc.extract(("jobs", cjob, "steps", i))
                Rewriter(self.m, refs).rewrite_tree(Target(frag, ("jobs", cjob, "steps", i), (0,)))
                if isinstance(step, dict) and step.get("id") in renames:
                    frag.set_value((0, "id"), renames[step["id"]])
                guard_step(frag, (0,), step, condition)
                doc.insert_fragment(steps_path, frag)
            self.m.note(Category.MOVED, f"the steps of post cleanup job `{cjob}` are appended to `{self.final}`, "
                        "guarded by `github.event_name == 'push'`", self.m.post.location(("jobs", cjob)))

    def _post_condition(self, cjob: str) -> ex.Node:
        """`github.event_name == 'push'` AND the post cleanup job's own condition without its status functions."""
        terms: list[ex.Node] = [gt.event_is("push")]
        text = self.m.post.jobs[cjob].get("if")
        if isinstance(text, str):
            where = self.m.post.value_location(("jobs", cjob, "if"))
            rewriter = Rewriter(self.m, self.refs)
            node, _ = rewriter._parse_condition(text, where)
            for term in conjuncts(ex.fold(rewriter.rewrite(node, boolean=True, where=where))):
                if _is_call(term, "always") or term == ex.Literal(True):
                    continue
                if ex.status_functions(term):
                    raise self.m.refuse(f"post cleanup job `{cjob}`'s condition uses a status function that cannot "
                                        "guard its steps in the final cleanup", where)
                terms.append(term)
        return gt.all_of(terms)

    def _post_env(self, doc: YamlDocument, path: YamlPath, job: dict) -> None:
        """The post workflow's env (and each post cleanup job's) reaches the appended steps via the job's env."""
        sources: list[YamlPath] = []
        if isinstance(self.m.post.data.get("env"), dict):
            sources += [("env", k) for k in self.m.post.data["env"]]
        for cjob in self.moves.cleanup:
            cenv = self.m.post.jobs[cjob].get("env")
            if isinstance(cenv, dict):
                sources += [("jobs", cjob, "env", k) for k in cenv]
        mine = job.get("env") if isinstance(job.get("env"), dict) else {}
        ci_env = self.m.ci.data.get("env") if isinstance(self.m.ci.data.get("env"), dict) else {}
        chosen: dict[str, YamlPath] = {}
        for src in sources:
            name = src[-1]
            value = get_path(self.m.post.data, src)
            if name in mine and str(mine[name]) != str(value):
                raise self.m.refuse(f"env `{name}` of the post workflow differs from `{self.ci_id}`'s", self.m.post.location(src))
            if name in mine or (name in ci_env and str(ci_env[name]) == str(value)):
                continue
            chosen[name] = src
        if not chosen:
            return
        rewriter = Rewriter(self.m, self.refs)
        values = {}
        for name, src in chosen.items():
            value = get_path(self.m.post.data, src)
            if isinstance(value, str):
                for old, new in rewriter.embedded(value, self.m.post.value_location(src)):
                    value = value.replace(old, new)
            values[name] = value
        if "env" in job:
            for name, value in values.items():
                doc.insert_entry((*path, "env"), name, value)
        else:
            doc.insert_entry(path, "env", values, before="steps" if "steps" in job else None)

    # ---- no CI cleanup job: a new final-cleanup from the post cleanup jobs ----
    def _new_job(self) -> YamlDocument:
        first = self.moves.cleanup[0]
        frag = self.m.post.doc.extract(("jobs", first))
        spec = self.m.post.jobs[first]
        Rewriter(self.m, self.refs).rewrite_tree(Target(frag, ("jobs", first), (first,)),
                                                 frozenset({("jobs", first, "if"), ("jobs", first, "needs")}))
        needs = _merge_needs([], [*self.group, *self._post_needs()])
        cond = gt.all_of([ex.Call("always", ()), gt.event_is("push"), *[gt.result_is_success(j) for j in self.group]])
        set_keys(frag, (first,), spec, [("name", DISPLAY_NAME, None), ("needs", FlowList(needs), None),
                                        ("if", ex.format_condition(cond, False), PUSH_ONLY_COMMENT)])
        for cjob in self.moves.cleanup[1:]:
            self.moves_cleanup_steps(frag, first, cjob)
        return frag

    def moves_cleanup_steps(self, frag: YamlDocument, first: str, cjob: str) -> None:
        for i, _step in enumerate(steps_of(self.m.post, cjob)):
            step_frag = self.m.post.doc.extract(("jobs", cjob, "steps", i))
            Rewriter(self.m, self.refs).rewrite_tree(Target(step_frag, ("jobs", cjob, "steps", i), (0,)))
            frag.insert_fragment((first, "steps"), step_frag)



def _merge_needs(current: list[str], extra: list[str]) -> list[str]:
    out = list(current)
    out.extend(n for n in extra if n not in out)
    return out
