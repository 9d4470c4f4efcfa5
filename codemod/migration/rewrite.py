"""R5 Expressions: every `${{ }}` and `if:` of moved code is parsed and rewritten with the expression parser.

`github.event.workflow_run.*` becomes the same run's context, `needs.<job>` follows renamed jobs, outputs of
dropped change-detection jobs used as booleans become `true` (publishing always follows a green build), and
anything that cannot be rewritten faithfully is refused with its location. Only expressions that change are
re-printed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from codemod import expressions as ex
from codemod.migration.context import Migration, Workflow, get_path, scalars
from codemod.result import Location
from codemod.yamldoc import YamlDocument, YamlPath

WORKFLOW_RUN_FIELDS = {
    "head_sha": ("github", "sha"),
    "head_branch": ("github", "ref_name"),
    "id": ("github", "run_id"),
    "run_number": ("github", "run_number"),
    "event": ("github", "event_name"),
}
DOWNLOAD_ARTIFACT = "actions/download-artifact@"


@dataclass
class References:
    """How names used by moved code change."""

    jobs: dict[str, str] = field(default_factory=dict)  # post job id -> CI job id
    true_outputs: set[str] = field(default_factory=set)  # dropped change-detection jobs
    gone: dict[str, str] = field(default_factory=dict)  # other jobs that no longer exist -> why
    steps: dict[str, str] = field(default_factory=dict)  # lower-cased step id -> its new id inside the current job
    secrets: set[str] = field(default_factory=set)  # collected: secrets the moved code reads
    inherits_secrets: bool = False

    def with_steps(self, renames: dict[str, str]) -> References:
        """The same references (sharing the collected secrets) inside a job whose step ids are renamed."""
        return replace(self, steps=renames)


@dataclass
class Target:
    """Where the edits of one moved piece go: post path `base` corresponds to fragment path `root`."""

    doc: YamlDocument
    base: YamlPath
    root: YamlPath

    def path(self, ypath: YamlPath) -> YamlPath:
        return self.root + ypath[len(self.base):]


class Rewriter:
    def __init__(self, m: Migration, refs: References, wf: Workflow | None = None):
        self.m = m
        self.refs = refs
        self.wf = wf or m.post

    # ---- walking moved YAML ----
    def rewrite_tree(self, target: Target, skip: frozenset[YamlPath] = frozenset()) -> None:
        """Rewrite every expression under `target.base` of the post workflow into `target.doc`."""
        node = get_path(self.wf.data, target.base)
        for ypath, key, value in scalars(node, target.base):
            if any(ypath[: len(s)] == s for s in skip):
                continue
            where = self.wf.value_location(ypath)
            if key == "if" and isinstance(value, str):
                new = self.condition(value, where)
                if new is not None:
                    target.doc.set_value(target.path(ypath), new)
            elif isinstance(value, str):
                replace_all(target.doc, target.path(ypath), value, self.embedded(value, where))

    def condition(self, text: str, where: Location) -> str | None:
        """The rewritten `if:` value, or None when it does not change."""
        node, wrapped = self.parse_condition(text, where)
        new = self.rewrite(node, boolean=True, where=where)
        if new == node:
            return None
        return ex.format_condition(ex.fold(new, boolean=True), wrapped)

    def embedded(self, text: str, where: Location) -> list[tuple[str, str]]:
        """(old, new) `${{ }}` texts of a string value that change."""
        try:
            spans = ex.find_embedded(text)
        except ex.ExpressionError as exc:
            raise self.m.refuse(f"cannot read the expression: {exc}", where) from None
        _check_payload_reads(self.m, text, spans, where)
        out = []
        for start, end, inner in spans:
            node = self._parse(inner, where)
            new = self.rewrite(node, boolean=False, where=where)
            if new == node:
                continue
            pair = (text[start:end], "${{" + pad(inner, lead=True) + ex.to_source(ex.fold(new, boolean=False))
                    + pad(inner, lead=False) + "}}")
            if pair not in out:
                out.append(pair)
        return out

    def _parse(self, inner: str, where: Location) -> ex.Node:
        try:
            return ex.parse(inner)
        except ex.ExpressionError as exc:
            raise self.m.refuse(f"cannot parse the expression `{inner.strip()}`: {exc}", where) from None

    def parse_condition(self, text: str, where: Location) -> tuple[ex.Node, bool]:
        try:
            return ex.parse_condition(text)
        except ex.ExpressionError as exc:
            raise self.m.refuse(f"cannot parse the condition `{text.strip()}`: {exc}", where) from None

    # ---- the expression rewrite ----
    def rewrite(self, node: ex.Node, *, boolean: bool, where: Location) -> ex.Node:
        if isinstance(node, ex.Binary):
            if node.op in ("&&", "||"):
                return replace(node, left=self.rewrite(node.left, boolean=boolean, where=where),
                               right=self.rewrite(node.right, boolean=boolean, where=where))
            special = self._comparison(node, where)
            if special is not None:
                return special
            return replace(node, left=self.rewrite(node.left, boolean=False, where=where),
                           right=self.rewrite(node.right, boolean=False, where=where))
        if isinstance(node, ex.Not):
            return replace(node, expr=self.rewrite(node.expr, boolean=True, where=where))
        if isinstance(node, ex.Call):
            return replace(node, args=tuple(self.rewrite(a, boolean=False, where=where) for a in node.args))
        ref = ex.reference(node)
        if ref is not None:
            return self._reference(node, ref, boolean, where)
        if isinstance(node, ex.Property | ex.Star):
            return replace(node, obj=self.rewrite(node.obj, boolean=False, where=where))
        if isinstance(node, ex.Index):
            return replace(node, obj=self.rewrite(node.obj, boolean=False, where=where),
                           index=self.rewrite(node.index, boolean=False, where=where))
        if isinstance(node, ex.Context):
            self._check_context(node.name, where)
        return node

    def _check_context(self, name: str, where: Location) -> None:
        if name.lower() == "inputs":
            raise self.m.refuse("moved code reads `inputs`, which only a dropped trigger of the post workflow provides", where)

    def _comparison(self, node: ex.Binary, where: Location) -> ex.Node | None:
        if node.op not in ("==", "!="):
            return None
        for ref_side, lit_side in ((node.left, node.right), (node.right, node.left)):
            ref = ex.reference_lower(ref_side)
            if ref is None or not isinstance(lit_side, ex.Literal) or not isinstance(lit_side.value, str):
                continue
            value = lit_side.value.lower()
            if ref == ("github", "event", "workflow_run", "conclusion"):
                if value != "success":
                    raise self.m.refuse(
                        f"a condition on workflow_run.conclusion == '{lit_side.value}' has no equivalent once the job "
                        "runs only after the tests passed", where)
                return ex.Literal(node.op == "==")
            if ref == ("github", "event_name") and value == "workflow_run":
                new_lit = ex.Literal("push")
                return replace(node, left=new_lit) if lit_side is node.left else replace(node, right=new_lit)
            if len(ref) >= 4 and ref[0] == "needs" and ref[2] == "outputs" and self._true_output(ref[1]):
                if value not in ("true", "false"):
                    raise self.m.refuse(
                        f"output `{'.'.join(ref[1:])}` of a dropped change-detection job is compared with "
                        f"'{lit_side.value}', not used as a boolean", where)
                return ex.Literal((value == "true") == (node.op == "=="))
        return None

    def _true_output(self, job: str) -> bool:
        return any(job == j.lower() for j in self.refs.true_outputs)

    def _reference(self, node: ex.Node, ref: tuple[str, ...], boolean: bool, where: Location) -> ex.Node:
        low = tuple(p.lower() for p in ref)
        if low[0] == "github" and low[1:3] == ("event", "workflow_run"):
            return self._workflow_run(low, where)
        if low == ("github", "event"):
            raise self.m.refuse("moved code reads the whole `github.event`, which is a push payload now, not a "
                                "workflow_run payload", where)
        if low[0] == "github" and low[1:3] == ("event", "inputs"):
            raise self.m.refuse("moved code reads `github.event.inputs`, which only a dropped trigger provides", where)
        if low[0] == "inputs":
            self._check_context("inputs", where)
        if low[0] == "secrets" and len(ref) >= 2:
            if low[1] != "github_token":
                self.refs.secrets.add(ref[1])
            return node
        if low[0] == "needs" and len(ref) >= 2:
            return self._needs(node, ref, boolean, where)
        if low[0] == "steps" and len(ref) >= 2 and low[1] in self.refs.steps:
            return ex.make_reference("steps", self.refs.steps[low[1]], *ref[2:])
        return node

    def _workflow_run(self, low: tuple[str, ...], where: Location) -> ex.Node:
        if len(low) == 4 and low[3] in WORKFLOW_RUN_FIELDS:
            return ex.make_reference(*WORKFLOW_RUN_FIELDS[low[3]])
        field_name = ".".join(low[3:]) or "(the whole object)"
        raise self.m.refuse(
            f"`github.event.workflow_run.{field_name}` has no equivalent in the CI workflow's own run", where)

    def _needs(self, node: ex.Node, ref: tuple[str, ...], boolean: bool, where: Location) -> ex.Node:
        job = self._job_key(ref[1])
        if job in self.refs.true_outputs:
            if boolean and len(ref) >= 4 and ref[2].lower() == "outputs":
                return ex.Literal(True)
            raise self.m.refuse(
                f"`{'.'.join(ref)}` reads dropped change-detection job `{ref[1]}` other than as a boolean output", where)
        if job in self.refs.gone:
            raise self.m.refuse(f"`{'.'.join(ref)}` reads job `{ref[1]}`, which {self.refs.gone[job]}", where)
        if job in self.refs.jobs and self.refs.jobs[job] != ref[1]:
            return ex.make_reference("needs", self.refs.jobs[job], *ref[2:])
        return node

    def _job_key(self, name: str) -> str:
        for known in (*self.refs.jobs, *self.refs.true_outputs, *self.refs.gone):
            if known.lower() == name.lower():
                return known
        return name


def pad(inner: str, *, lead: bool) -> str:
    """The whitespace inside `${{` / `}}` of the original expression (one space when there was none)."""
    space = inner[: len(inner) - len(inner.lstrip())] if lead else inner[len(inner.rstrip()):]
    return space or " "


def replace_all(doc: YamlDocument, ypath: YamlPath, value: str, pairs: list[tuple[str, str]]) -> None:
    """Queue the (old, new) replacements of one string value as one edit of that scalar: the smallest piece of
    the value that holds them all (one line when they share one, else the whole value)."""
    if not pairs:
        return
    if len(pairs) == 1:
        doc.replace_in_scalar(ypath, *pairs[0])
        return
    new_value = value
    for old, new in pairs:
        new_value = new_value.replace(old, new)
    lines = [line for line in value.split("\n") if any(old in line for old, _ in pairs)]
    if len(lines) == 1 and value.count(lines[0]) == 1:
        line = lines[0]
        for old, new in pairs:
            line = line.replace(old, new)
        doc.replace_in_scalar(ypath, lines[0], line)
    else:
        doc.replace_in_scalar(ypath, value, new_value)


def _check_payload_reads(m: Migration, text: str, spans: list[tuple[int, int, str]], where: Location) -> None:
    """Refuse code that reads the workflow_run payload outside expressions (GITHUB_EVENT_PATH, github-script)."""
    rest, last = [], 0
    for start, end, _ in spans:
        rest.append(text[last:start])
        last = end
    rest.append(text[last:])
    if "workflow_run" in "".join(rest):
        raise m.refuse("moved code reads the workflow_run event payload outside an expression", where)




def download_artifact_edits(post: Workflow, step_path: YamlPath) -> list[YamlPath]:
    """Post paths of `run-id`/`github-token` inputs of a download-artifact step that fetched the triggering run's
    artifacts (the same run now); the whole `with:` when nothing else is left in it."""
    step = get_path(post.data, step_path)
    if not isinstance(step, dict) or not str(step.get("uses", "")).startswith(DOWNLOAD_ARTIFACT):
        return []
    with_ = step.get("with")
    if not isinstance(with_, dict) or "workflow_run" not in str(with_.get("run-id", "")):
        return []
    keys = [k for k in ("run-id", "github-token") if k in with_]
    if len(keys) == len(with_):
        return [(*step_path, "with")]
    return [(*step_path, "with", k) for k in keys]


def steps_of(post: Workflow, job: str) -> list[Any]:
    steps = post.jobs[job].get("steps")
    return steps if isinstance(steps, list) else []
