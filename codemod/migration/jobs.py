"""Builds each moved job as a fragment of the post workflow with its edits queued: R2 (renames, needs),
R3 (merged publish steps), R4 (gate), R5 (expressions, via the Rewriter) and R6 (workflow context)."""

from __future__ import annotations

from typing import Any

from codemod import expressions as ex
from codemod.migration import gate as gt
from codemod.migration.context import Migration
from codemod.migration.edits import guard_step, needs_value, set_keys, step_renames
from codemod.migration.moves import Moves, needs_of
from codemod.migration.publish import GroupJob
from codemod.migration.rewrite import References, Rewriter, Target, download_artifact_edits, steps_of
from codemod.result import Category
from codemod.yamldoc import YamlDocument, YamlPath

CONTEXT_KEYS = ("env", "defaults", "permissions")
NOT_ON_REUSABLE = ("env", "defaults")  # keys a job calling a reusable workflow may not have


class JobBuilder:
    def __init__(self, m: Migration, moves: Moves, refs: References, release: list[str]):
        self.m = m
        self.moves = moves
        self.refs = refs
        self.release = release
        self.gates = list(m.config.jobs.gates)
        self.post = m.post

    # ---- one moved job (not merged) ----
    def build(self, job: str, new_id: str) -> YamlDocument:
        frag = self.post.doc.extract(("jobs", job))
        target = Target(frag, ("jobs", job), (job,))
        skip = self._drop_artifact_inputs(job, target)
        skip |= {("jobs", job, "if"), ("jobs", job, "needs")}
        Rewriter(self.m, self.refs).rewrite_tree(target, frozenset(skip))
        original = self._original_condition(job)
        self._gate(frag, job, [job], original)
        self.workflow_context(frag, job)
        self._secrets_inherit(job)
        self._check_called_workflow(job)
        return frag

    def _check_called_workflow(self, job: str) -> None:
        """A local reusable workflow that reads the workflow_run payload would read a push payload now."""
        uses = self.post.jobs[job].get("uses")
        if not isinstance(uses, str) or not uses.startswith("./") or self.m.files is None:
            return
        path = uses.split("@")[0].removeprefix("./")
        try:
            text = self.m.files.text(path) if self.m.files.exists(path) else ""
        except Exception:  # unreadable: refuse below as well
            text = "workflow_run"
        if "workflow_run" in text:
            raise self.m.refuse(f"`{job}` calls {path}, which reads the workflow_run event; it would read a push "
                                "event once called from the CI workflow", self.post.value_location(("jobs", job, "uses")))

    # ---- a publish-production job carrying several publish jobs' steps ----
    def build_merged(self, g: GroupJob) -> YamlDocument:
        first = g.sources[0]
        frag = self.post.doc.extract(("jobs", first))
        base = Target(frag, ("jobs", first), (first,))
        if "name" in self.post.jobs[first]:
            frag.set_value((first, "name"), "Publish to production")
        skip = self._drop_artifact_inputs(first, base) | {("jobs", first, "if"), ("jobs", first, "needs")}
        Rewriter(self.m, self.refs).rewrite_tree(base, frozenset(skip))
        self._guard_steps(frag, first, (first, "steps"))
        taken = {str(s.get("id")).lower() for s in steps_of(self.post, first) if isinstance(s, dict) and s.get("id")}
        for job in g.sources[1:]:
            self._merge_into(frag, first, job, taken)
        timeouts = [self.post.jobs[j].get("timeout-minutes") for j in g.sources]
        if all(isinstance(t, int) for t in timeouts):  # one job now does the work of all: it gets their time
            frag.set_value((first, "timeout-minutes"), sum(timeouts))
        self._gate(frag, first, g.sources, None)
        self.workflow_context(frag, first)
        return frag

    def _merge_into(self, frag: YamlDocument, first: str, job: str, taken: set[str]) -> None:
        renames = self._step_renames(job, taken)
        refs = self.refs.with_steps(renames)
        rewriter = Rewriter(self.m, refs)
        for i, _step in enumerate(steps_of(self.post, job)):
            step_frag = self.post.doc.extract(("jobs", job, "steps", i))
            target = Target(step_frag, ("jobs", job, "steps", i), (0,))
            skip = frozenset(self._drop_artifact_inputs_at(("jobs", job, "steps", i), target))
            rewriter.rewrite_tree(target, skip)
            old_id = str(_step.get("id", "")).lower() if isinstance(_step, dict) else ""
            if old_id in renames:
                step_frag.set_value((0, "id"), renames[old_id])
            guard_step(step_frag, (0,), _step, self._step_condition(job))
            frag.insert_fragment((first, "steps"), step_frag)
        for key in ("env", "outputs"):
            self._merge_mapping(frag, first, job, key, rewriter)

    def _step_renames(self, job: str, taken: set[str]) -> dict[str, str]:
        renames = step_renames(steps_of(self.post, job), job, taken)
        for old, new in renames.items():
            self.m.note(Category.RENAMED, f"step id `{old}` of `{job}` is renamed `{new}` in the merged job, "
                        "with its `steps.` references", self.post.location(("jobs", job, "steps")))
        return renames

    def _merge_mapping(self, frag: YamlDocument, first: str, job: str, key: str, rewriter: Rewriter) -> None:
        theirs = self.post.jobs[job].get(key)
        if not isinstance(theirs, dict):
            return
        mine = self.post.jobs[first].get(key)
        if not isinstance(mine, dict):
            entry = self.post.doc.extract(("jobs", job, key))
            rewriter.rewrite_tree(Target(entry, ("jobs", job, key), (key,)))
            frag.insert_fragment((first,), entry, before="steps" if "steps" in self.post.jobs[first] else None)
            return
        for name in theirs:
            if name in mine:
                continue
            entry = self.post.doc.extract(("jobs", job, key, name))
            rewriter.rewrite_tree(Target(entry, ("jobs", job, key, name), (name,)))
            frag.insert_fragment((first, key), entry)

    # ---- pieces ----
    def _drop_artifact_inputs(self, job: str, target: Target) -> set[YamlPath]:
        skip: set[YamlPath] = set()
        for i, _ in enumerate(steps_of(self.post, job)):
            skip |= self._drop_artifact_inputs_at(("jobs", job, "steps", i), target)
        return skip

    def _drop_artifact_inputs_at(self, step_path: YamlPath, target: Target) -> set[YamlPath]:
        paths = download_artifact_edits(self.post, step_path)
        if paths:
            self._check_artifact_order(step_path)
        for p in paths:
            target.doc.delete_entry(target.path(p))
        if paths:
            self.m.note(Category.INFO, "download-artifact now reads the artifacts of the same run: "
                        "`run-id`/`github-token` that pointed at the triggering run are removed",
                        self.post.location(step_path))
        return set(paths)

    def _check_artifact_order(self, step_path: YamlPath) -> None:
        """In the same run, the artifact must come from a CI job that the gates wait for (moved jobs start
        after the gates), else the download races the upload."""
        step = self.post.data
        for part in step_path:
            step = step[part]
        name = (step.get("with") or {}).get("name")
        uploaders = [job for job, spec in self.m.ci.jobs.items() if _uploads(spec, name)]
        ready = set(self.gates)
        stack = list(self.gates)
        while stack:
            for need in needs_of(self.m.ci.jobs.get(stack.pop())):
                if need not in ready:
                    ready.add(need)
                    stack.append(need)
        late = [job for job in uploaders if job not in ready]
        if late or not uploaders:
            what = f"is uploaded by `{late[0]}`, which the gates do not wait for" if late else \
                "is not uploaded by any job of the CI workflow"
            raise self.m.refuse(f"artifact `{name or '(all)'}` {what}: in the same run the download could not find it",
                                self.post.location(step_path))

    def _original_condition(self, job: str) -> tuple[ex.Node, bool] | None:
        text = self.post.jobs[job].get("if")
        if text is None:
            return None
        where = self.post.value_location(("jobs", job, "if"))
        if not isinstance(text, str):
            text = "true" if text else "false"
        rewriter = Rewriter(self.m, self.refs)
        node, wrapped = rewriter.parse_condition(text, where)
        return ex.fold(rewriter.rewrite(node, boolean=True, where=where), boolean=True), wrapped

    def conditional(self, job: str) -> bool:
        """Whether a job keeps a condition of its own once rewritten (change-detection outputs folded away)."""
        return self._step_condition(job) is not None

    def _step_condition(self, job: str) -> ex.Node | None:
        cond = self._original_condition(job)
        if cond is None or cond[0] == ex.Literal(True):
            return None
        return cond[0]

    def _guard_steps(self, frag: YamlDocument, job: str, steps_path: YamlPath) -> None:
        condition = self._step_condition(job)
        for i, step in enumerate(steps_of(self.post, job)):
            guard_step(frag, (*steps_path, i), step, condition)

    def _gate(self, frag: YamlDocument, key: str, sources: list[str], original: tuple[ex.Node, bool] | None) -> None:
        node, wrapped = original if original else (None, False)
        condition, needs_gates = gt.gated(node, self.release, self.gates)
        needs = needs_value(self._needs(sources, needs_gates), self.post.jobs[key].get("needs"))
        set_keys(frag, (key,), self.post.jobs[key], [("needs", needs, None),
                                                     ("if", ex.format_condition(condition, wrapped), None)])

    def _needs(self, sources: list[str], with_gates: bool) -> list[str]:
        needs: list[str] = []
        for src in sources:
            for need in needs_of(self.post.jobs[src]):
                new = self.moves.target.get(need)
                if new and new not in needs and need not in sources:
                    needs.append(new)
        if not needs:
            return list(self.gates)
        if with_gates:
            needs.extend(g for g in self.gates if g not in needs)
        return needs

    def workflow_context(self, frag: YamlDocument, job: str) -> None:
        """R6: the post workflow's env, defaults and permissions become job-level (job-level keys win)."""
        spec = self.post.jobs[job]
        reusable = "uses" in spec
        before = "steps" if "steps" in spec else None
        for key in CONTEXT_KEYS:
            if key not in self.post.data or (reusable and key in NOT_ON_REUSABLE):
                continue
            if key == "permissions":
                if key not in spec:
                    frag.insert_fragment((job,), self.workflow_entry((key,)), before=before)
                continue
            redundant = self._same_in_ci(key)
            if key not in spec:
                if set(self._names(self.post.data[key], key)) - redundant:
                    frag.insert_fragment((job,), self.workflow_entry((key,), redundant), before=before)
                continue
            self._merge_context(frag, job, key, redundant)
        self._check_ci_defaults(job)
        perms = spec.get("permissions", self.post.data.get("permissions"))
        if perms == "write-all" or (isinstance(perms, dict) and perms.get("id-token") == "write"):
            self.m.note(Category.FOLLOW_UP, f"`{job}` requests an OIDC token (id-token: write): its claims now name "
                        f"{self.m.ci.basename}; update trusted publishers and cloud roles bound to "
                        f"{self.post.basename}", self.post.location(("jobs", job)))
        if "permissions" not in spec and "permissions" not in self.post.data and "permissions" in self.m.ci.data:
            self.m.note(Category.PERMISSION, f"`{job}` ran with the repository's default token permissions; in the "
                        "CI workflow it gets the workflow-level `permissions:` instead", self.post.location(("jobs", job)))

    def _check_ci_defaults(self, job: str) -> None:
        """The CI workflow's `defaults.run` would apply to moved `run:` steps that had GitHub's defaults."""
        ci_run = _run_defaults(self.m.ci.data)
        if not ci_run:
            return
        covered = {**_run_defaults(self.post.data), **_run_defaults(self.post.jobs[job])}
        for key, value in ci_run.items():
            if key in covered:
                continue
            for i, step in enumerate(steps_of(self.post, job)):
                if isinstance(step, dict) and "run" in step and key not in step:
                    raise self.m.refuse(
                        f"the CI workflow's defaults.run.{key} ({value}) would change how moved job `{job}` runs its "
                        "steps", self.post.location(("jobs", job, "steps", i)))

    @staticmethod
    def _names(value: Any, key: str) -> list[str]:
        if key == "defaults":
            value = (value or {}).get("run") if isinstance(value, dict) else None
        return [str(k) for k in value] if isinstance(value, dict) else []

    def _same_in_ci(self, key: str) -> set[str]:
        """Names the CI workflow already sets to the same value at workflow level (they reach the job anyway)."""
        ours, theirs = self.post.data.get(key), self.m.ci.data.get(key)
        if key == "defaults":
            ours = (ours or {}).get("run") if isinstance(ours, dict) else None
            theirs = (theirs or {}).get("run") if isinstance(theirs, dict) else None
        if not isinstance(ours, dict) or not isinstance(theirs, dict):
            return set()
        return {str(k) for k, v in ours.items() if k in theirs and str(theirs[k]) == str(v)}

    def _merge_context(self, frag: YamlDocument, job: str, key: str, redundant: set[str]) -> None:
        outer, inner = self.post.data[key], self.post.jobs[job][key]
        if key == "defaults":
            outer, inner = (outer or {}).get("run") or {}, (inner or {}).get("run") or {}
            base: YamlPath = ("defaults", "run")
            if not inner:
                return
        else:
            base = (key,)
        if not isinstance(outer, dict) or not isinstance(inner, dict):
            return
        for name in outer:
            if name not in inner and name not in redundant:
                frag.insert_fragment((job, *base), self.workflow_entry((*base, name)))

    def workflow_entry(self, ypath: YamlPath, drop: set[str] = frozenset()) -> YamlDocument:
        """A top-level entry of the post workflow (or one of its keys), with its expressions rewritten and the
        names in `drop` left out."""
        entry = self.post.doc.extract(ypath)
        inner: YamlPath = ("run",) if ypath == ("defaults",) else ()
        skip = set()
        for name in drop:
            entry.delete_entry((ypath[-1], *inner, name))
            skip.add((*ypath, *inner, name))
        Rewriter(self.m, self.refs).rewrite_tree(Target(entry, ypath, (ypath[-1],)), frozenset(skip))
        return entry

    def _secrets_inherit(self, job: str) -> None:
        if self.post.jobs[job].get("secrets") == "inherit":
            self.refs.inherits_secrets = True
            self.m.note(Category.SECRET, f"`{job}` passes `secrets: inherit`: every secret of the CI workflow now "
                        "reaches the called workflow", self.post.location(("jobs", job, "secrets")))


def _run_defaults(mapping: Any) -> dict[str, Any]:
    defaults = mapping.get("defaults") if isinstance(mapping, dict) else None
    run = defaults.get("run") if isinstance(defaults, dict) else None
    return dict(run) if isinstance(run, dict) else {}


def _uploads(spec: Any, name: Any) -> bool:
    """Whether a job uploads the artifact `name` (any artifact when `name` is None)."""
    for step in (spec.get("steps") or []) if isinstance(spec, dict) else []:
        uploads = isinstance(step, dict) and str(step.get("uses", "")).startswith("actions/upload-artifact@")
        if uploads and (name is None or (step.get("with") or {}).get("name", "artifact") == name):
            return True
    return False
