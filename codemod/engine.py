"""The repository transform: texts in, an outcome with file changes and notes out. No I/O in `migrate_texts`;
`migrate_checkout` only reads a working tree. No exception escapes: failures become outcomes."""

from __future__ import annotations

from pathlib import Path

from codemod.config import RepoConfig
from codemod.errors import InputError, UnsupportedError
from codemod.expressions import ExpressionError
from codemod.migration import truthtable
from codemod.migration.cleanup import CleanupBuilder, pushes_beyond
from codemod.migration.context import Migration, Workflow
from codemod.migration.jobs import JobBuilder
from codemod.migration.linkage import check_linkage
from codemod.migration.listeners import refuse_post_calls, rename_ci_job, retarget_listeners
from codemod.migration.moves import assign_other_ids, check_bodies, check_needs, classify, needs_of
from codemod.migration.publish import plan_group
from codemod.migration.rewrite import References
from codemod.migration.secrets import check_ci_concurrency, declare_secrets, move_concurrency
from codemod.repofiles import RepoFiles, read_checkout
from codemod.result import Category, FileChange, JobNode, MigrationSummary, Outcome, RepoResult
from codemod.yamldoc import YamlDocument, YamlEditError

WORKFLOWS_DIR = ".github/workflows/"


def migrate_checkout(root: Path, config: RepoConfig, *, default_branch: str) -> RepoResult:
    """Migrate the working tree at `root` (read only; nothing is written)."""
    try:
        files = read_checkout(Path(root), config)
    except InputError as exc:
        return RepoResult(Outcome.ERROR, reason=str(exc))
    return migrate_texts(files, config, default_branch=default_branch)


def migrate_texts(files: RepoFiles, config: RepoConfig, *, default_branch: str) -> RepoResult:
    try:
        return _migrate(files, config, default_branch)
    except InputError as exc:
        return RepoResult(Outcome.ERROR, reason=str(exc))
    except UnsupportedError as exc:
        return RepoResult(Outcome.UNSUPPORTED, reason=str(exc))
    except YamlEditError as exc:
        return RepoResult(Outcome.UNSUPPORTED, reason=f"cannot edit the YAML safely: {exc}")
    except ExpressionError as exc:
        return RepoResult(Outcome.UNSUPPORTED, reason=f"{config.workflows.ci}: an expression cannot be read: {exc}")
    except Exception as exc:  # a bug of ours must not stop a batch: the repository ends in error, nothing written
        return RepoResult(Outcome.ERROR, reason=f"internal error ({type(exc).__name__}: {exc}); please report it")


def _parse(files: RepoFiles, path: str) -> Workflow:
    return Workflow(path, YamlDocument.parse(files.text(path), path))


def _migrate(files: RepoFiles, config: RepoConfig, default_branch: str) -> RepoResult:
    ci_path, post_path = config.workflows.ci, config.workflows.post
    if not files.exists(ci_path):
        return RepoResult(Outcome.NOT_APPLICABLE, reason=f"no CI workflow {ci_path}")
    ci = _parse(files, ci_path)
    if not files.exists(post_path):
        if _has_group(ci, config):
            return RepoResult(Outcome.ALREADY_MIGRATED, reason=f"{ci_path} has {config.jobs.publish_production}")
        return RepoResult(Outcome.NOT_APPLICABLE, reason=f"no post workflow {post_path} and no {config.jobs.publish_production} job")
    post = _parse(files, post_path)
    others = [_parse(files, p) for p in files.workflows() if p not in (ci_path, post_path) and _may_name(files, p, post, ci.basename)]
    m = Migration(config, default_branch, ci, post, others, files=files)
    return _plan(m, files)


def _may_name(files: RepoFiles, path: str, post: Workflow, ci_basename: str) -> bool:
    """Whether another workflow can listen to or call the post workflow (a cheap text test before parsing)."""
    try:
        text = files.text(path)
    except InputError:
        return False  # unreadable, and the migration does not edit it: the docs of the run list it
    return any(name in text for name in (post.basename, post.display_name, ci_basename))


def _has_group(ci: Workflow, config: RepoConfig) -> bool:
    name = config.jobs.publish_production
    return any(job == name or str(job).startswith(f"{name}-") for job in ci.jobs)


def _check_ci(m: Migration) -> None:
    if _has_group(m.ci, m.config):
        raise m.refuse(f"the CI workflow already has a `{m.config.jobs.publish_production}` job while the post "
                       "workflow still exists (a half-done migration?)", m.ci.location(("jobs",)))
    missing = [g for g in m.config.jobs.gates if g not in m.ci.jobs]
    if missing:
        raise m.refuse(f"gate job(s) {', '.join(missing)} not found in the CI workflow (jobs.gates)", m.ci.location(("jobs",)))
    for gate in m.config.jobs.gates:
        if m.ci.jobs[gate].get("continue-on-error") not in (None, False):
            raise m.refuse(f"gate job `{gate}` has continue-on-error: a failed run reports success to the jobs that "
                           "need it, so it cannot gate production publishing",
                           m.ci.location(("jobs", gate, "continue-on-error")))
    for wf in m.others:
        for job, spec in wf.jobs.items():
            uses = spec.get("uses") if isinstance(spec, dict) else None
            if isinstance(uses, str) and uses.split("@")[0].removeprefix("./") == m.ci.path:
                raise m.refuse(f"job `{job}` calls the CI workflow: its publish jobs would also run in that workflow's "
                               "runs and publish a second time", wf.value_location(("jobs", job, "uses")))


def _plan(m: Migration, files: RepoFiles) -> RepoResult:
    linkage = check_linkage(m)
    refuse_post_calls(m)
    check_bodies(m)
    _check_ci(m)
    moves = classify(m)
    check_needs(m, moves)
    taken = {str(j).lower() for j in m.ci.jobs} | {m.config.jobs.final_cleanup.lower()}
    change_detection = {j for j in moves.dropped if j in m.config.jobs.change_detection}
    gone = {j: "is dropped (jobs.drop)" for j in moves.dropped if j not in change_detection}
    gone.update({j: "is merged into the final cleanup" for j in moves.cleanup})
    refs = References(jobs=moves.target, true_outputs=change_detection, gone=gone)
    builder = JobBuilder(m, moves, refs, linkage.release_branches)
    group = plan_group(m, moves, taken, conditional=builder.conditional)
    assign_other_ids(m, moves, taken)
    fragments = _build_jobs(m, builder, moves, group)
    group_ids = [g.id for g in group]
    old, final, new_cleanup = CleanupBuilder(m, moves, refs, group_ids, linkage.release_branches,
                                             context=builder.workflow_context).plan()
    if old and final and old != final:
        rename_ci_job(m, old, final)
    anchor = old if old else None
    for job_id, frag, sources in fragments:
        m.ci.doc.insert_fragment(("jobs",), frag, new_key=job_id, before=anchor, comment=_moved_comment(m, sources))
        for source in sources:
            m.note(Category.MOVED, f"post job `{source}` now runs as `{job_id}` in {m.ci.basename}",
                   m.post.location(("jobs", source)))
    if new_cleanup is not None:
        m.ci.doc.insert_fragment(("jobs",), new_cleanup, new_key=final, comment=_moved_comment(m, moves.cleanup))
    secrets = declare_secrets(m, refs.secrets)
    check_ci_concurrency(m)
    listeners = retarget_listeners(m, linkage.release_branches)
    return _finish(m, files, moves, group_ids, old, final, secrets, listeners, linkage.release_branches)


def _moved_comment(m: Migration, sources: list[str]) -> str:
    jobs = ", ".join(f"`{s}`" for s in sources)
    return f"Moved from {m.post.basename} (job{'s' if len(sources) > 1 else ''} {jobs}) by consolidate-ci."


def _build_jobs(m: Migration, builder: JobBuilder, moves, group) -> list[tuple[str, YamlDocument, list[str]]]:
    """(CI id, fragment, post ids) of every moved job, in the post workflow's order."""
    by_first = {g.sources[0]: g for g in group}
    out = []
    for job in m.post.jobs:
        if job in by_first:
            g = by_first[job]
            frag = builder.build_merged(g) if len(g.sources) > 1 else builder.build(job, g.id)
            if g is group[0]:
                entry = builder.workflow_entry(("concurrency",)) if "concurrency" in m.post.data else None
                move_concurrency(m, frag, job, entry)
            out.append((g.id, frag, g.sources))
        elif job in moves.others:
            out.append((moves.target[job], builder.build(job, moves.target[job]), [job]))
    return out


def _finish(m, files, moves, group_ids, old, final, secrets, listeners, release) -> RepoResult:
    new_ci = m.ci.doc.render()
    after = m.ci.doc.rendered_plain()
    moved_ids = sorted(set(moves.target.values()))
    problems = truthtable.check(
        m.ci.doc.plain()["jobs"], after["jobs"], gates=list(m.config.jobs.gates), group=group_ids,
        moved=moved_ids, final=final, old_cleanup=old, release=release,
        pushes_elsewhere=pushes_beyond(m.ci.triggers(), release),
    )
    if problems:
        raise m.refuse(f"the result would break the truth table of SPEC R4: {problems[0]}"
                       + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""), m.ci.location(("jobs",)))
    changes = [FileChange(m.ci.path, files.text(m.ci.path), new_ci), FileChange(m.post.path, files.text(m.post.path), None)]
    for wf in listeners:
        changes.append(FileChange(wf.path, files.text(wf.path), wf.doc.render()))
    summary = MigrationSummary(
        ci_path=m.ci.path, post_path=m.post.path, ci_name=m.ci.name, post_name=m.post.name,
        default_branch=m.default_branch, release_branches=list(release), gates=list(m.config.jobs.gates),
        publish_group=group_ids, moved=dict(moves.target), dropped=dict(moves.dropped), old_cleanup=old,
        final_cleanup=final, secrets=secrets, ci_triggers=list(m.ci.triggers()),
        jobs=_graph(after["jobs"], m.config.jobs.gates, group_ids, moved_ids, final),
    )
    result = RepoResult(Outcome.MIGRATED, changes=changes, notes=m.notes, summary=summary)
    _follow_docs_and_scripts(result, files, m.config)
    return result


def _graph(jobs: dict, gates: list[str], group: list[str], moved: list[str], final: str | None) -> list[JobNode]:
    nodes = []
    for job, spec in jobs.items():
        role = ("gate" if job in gates else "publish" if job in group else "cleanup" if job == final
                else "moved" if job in moved else "ci")
        cond = spec.get("if") if isinstance(spec, dict) else None
        nodes.append(JobNode(job, tuple(needs_of(spec)), str(cond) if cond is not None else None, role))
    return nodes


def _follow_docs_and_scripts(result: RepoResult, files: RepoFiles, config: RepoConfig) -> None:
    """R8: Markdown and Python scripts that name the post workflow (when those modules are present)."""
    try:
        from codemod import docs, pyscripts
    except ImportError:  # pragma: no cover - both ship with the package
        return
    summary = result.summary
    assert summary is not None
    for module, fn, globs in ((docs, "update_docs", config.docs.globs), (pyscripts, "update_scripts", config.scripts.globs)):
        texts = files.texts_matching(globs)
        changes, notes = getattr(module, fn)(texts, summary, globs)
        result.changes.extend(changes)
        result.notes.extend(notes)

