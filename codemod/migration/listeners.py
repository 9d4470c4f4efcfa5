"""R8, workflows side: other workflows that listened to the post workflow now listen to the CI workflow (for
the release branches only); `uses:` of the post workflow is refused; references to the renamed CI cleanup
job are rewritten in the CI workflow."""

from __future__ import annotations

from collections.abc import Callable

from codemod import expressions as ex
from codemod.migration.context import Migration, Workflow, scalars
from codemod.migration.filters import as_list
from codemod.migration.linkage import names_workflow
from codemod.migration.moves import needs_of
from codemod.migration.rewrite import pad, replace_all
from codemod.result import Category
from codemod.yamldoc import YamlPath


def refuse_post_calls(m: Migration) -> None:
    """A `uses:` of the post workflow anywhere cannot survive its deletion."""
    for wf in [m.ci, *m.others]:
        for job, spec in wf.jobs.items():
            uses = spec.get("uses") if isinstance(spec, dict) else None
            target = uses.split("@")[0].removeprefix("./") if isinstance(uses, str) else None
            if target is not None and target.endswith(m.post.path):
                raise m.refuse(f"job `{job}` calls the post workflow with `uses:`; it cannot be deleted",
                               wf.value_location(("jobs", job, "uses")))


def retarget_listeners(m: Migration, release: list[str]) -> list[Workflow]:
    """Point every other workflow's `workflow_run` at the CI workflow; returns the workflows changed."""
    changed = []
    for wf in m.others:
        run = wf.triggers().get("workflow_run")
        if not isinstance(run, dict):
            continue
        upstreams = as_list(run.get("workflows")) or []
        if not any(names_workflow(u, m.post) for u in upstreams):
            continue
        _retarget(m, wf, run, upstreams, release)
        changed.append(wf)
    return changed


def _retarget(m: Migration, wf: Workflow, run: dict, upstreams: list[str], release: list[str]) -> None:
    base: YamlPath = (wf.on_key(), "workflow_run")
    doc = wf.doc
    seq = run.get("workflows")
    ci_listed = any(names_workflow(u, m.ci) for u in upstreams)
    if isinstance(seq, str):
        doc.set_value((*base, "workflows"), m.ci.display_name)
    else:
        for i, entry in reversed(list(enumerate(upstreams))):
            if names_workflow(entry, m.post):
                if ci_listed:
                    doc.remove_item((*base, "workflows"), i)
                else:
                    doc.replace_item((*base, "workflows"), i, m.ci.display_name)
                    ci_listed = True
    _keep_release_branches(m, wf, run, release)
    rename_in_expressions(wf, lambda node: _name_compare(node, m.post, m.ci))
    m.note(Category.LISTENER, f"`{wf.path}` now runs after `{m.ci.display_name}` instead of the deleted post workflow "
           f"(release branches: {', '.join(release)})", wf.location(base))


def _keep_release_branches(m: Migration, wf: Workflow, run: dict, release: list[str]) -> None:
    """The listener fired only after post runs, which happened only for the release branches: it keeps firing
    only for them (its own filter, when it had one, is narrowed to them)."""
    base: YamlPath = (wf.on_key(), "workflow_run")
    if run.get("branches-ignore") is not None:
        raise m.refuse("a listener of the post workflow filters with branches-ignore; it cannot be narrowed to the "
                       "release branches", wf.location((*base, "branches-ignore")))
    own = as_list(run.get("branches"))
    if own is None:
        wf.doc.insert_entry(base, "branches", list(release), after="workflows")
        return
    kept = [b for b in own if b in release]
    if kept == own:
        return
    if not kept:
        raise m.refuse(f"a listener of the post workflow fires only for branches {own}, none of them a release "
                       "branch: it never fired before and cannot be retargeted", wf.location((*base, "branches")))
    wf.doc.set_value((*base, "branches"), kept)


def _name_compare(node: ex.Node, post: Workflow, ci: Workflow) -> ex.Node | None:
    """`github.event.workflow_run.name == '<post name>'` (or `.path == '<post file>'`) -> the CI workflow's."""
    if not (isinstance(node, ex.Binary) and node.op in ("==", "!=")):
        return None
    pairs = {"name": (post.display_name, ci.display_name), "path": (post.path, ci.path)}
    for ref_side, lit in ((node.left, node.right), (node.right, node.left)):
        ref = ex.reference_lower(ref_side)
        if not (ref and ref[:3] == ("github", "event", "workflow_run") and len(ref) == 4 and ref[3] in pairs):
            continue
        old, new = pairs[ref[3]]
        if isinstance(lit, ex.Literal) and isinstance(lit.value, str) and lit.value.lower() == old.lower():
            new_lit = ex.Literal(new)
            return ex.Binary(node.op, new_lit, node.right) if lit is node.left else ex.Binary(node.op, node.left, new_lit)
    return None


def rename_ci_job(m: Migration, old: str, new: str) -> None:
    """Every `needs:` list and `needs.<old>.` expression of the CI workflow follows a renamed job."""
    for job, spec in m.ci.jobs.items():
        if job == old or not isinstance(spec, dict):
            continue
        needs = needs_of(spec)
        if old in needs:
            path = ("jobs", job, "needs")
            if isinstance(spec["needs"], str):
                m.ci.doc.set_value(path, new)
            else:
                m.ci.doc.replace_item(path, needs.index(old), new)
    count = rename_in_expressions(m.ci, lambda node: _needs_rename(node, old, new), skip_job=old)
    if count:
        m.note(Category.RENAMED, f"{count} expression(s) reading `needs.{old}` now read `needs.{new}`", m.ci.location(("jobs",)))


def _needs_rename(node: ex.Node, old: str, new: str) -> ex.Node | None:
    ref = ex.reference(node)
    if ref and len(ref) >= 2 and ref[0].lower() == "needs" and ref[1].lower() == old.lower():
        return ex.make_reference("needs", new, *ref[2:])
    return None


def rename_in_expressions(wf: Workflow, fn: Callable[[ex.Node], ex.Node | None], skip_job: str | None = None) -> int:
    """Apply `fn` to every expression of `wf` (`if:` values and `${{ }}`); queue edits; count the changes."""
    count = 0
    for ypath, key, value in scalars(wf.data, ()):
        if not isinstance(value, str) or (skip_job and ypath[:2] == ("jobs", skip_job)):
            continue
        if key == "if" and len(ypath) >= 3 and ypath[0] == "jobs":
            try:
                node, wrapped = ex.parse_condition(value)
            except ex.ExpressionError:
                continue
            new = ex.transform(node, fn)
            if new != node:
                wf.doc.set_value(ypath, ex.format_condition(new, wrapped))
                count += 1
            continue
        count += _rename_embedded(wf, ypath, value, fn)
    return count


def _rename_embedded(wf: Workflow, ypath: YamlPath, value: str, fn: Callable[[ex.Node], ex.Node | None]) -> int:
    try:
        spans = ex.find_embedded(value)
    except ex.ExpressionError:
        return 0
    pairs: list[tuple[str, str]] = []
    for start, end, inner in spans:
        try:
            node = ex.parse(inner)
        except ex.ExpressionError:
            continue
        new = ex.transform(node, fn)
        pair = (value[start:end], "${{" + pad(inner, lead=True) + ex.to_source(new) + pad(inner, lead=False) + "}}")
        if new != node and pair not in pairs:
            pairs.append(pair)
    replace_all(wf.doc, ypath, value, pairs)
    return len(pairs)

