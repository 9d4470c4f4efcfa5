"""R1 Linkage: the post workflow is triggered by `workflow_run` naming the CI workflow, and by no other upstream
workflow; the CI workflow runs on push to every release branch; other post triggers are dropped and noted."""

from __future__ import annotations

from dataclasses import dataclass, field

from codemod.migration.context import Migration, Workflow
from codemod.migration.filters import as_list, branch_matches, has_wildcards
from codemod.result import Category


@dataclass
class Linkage:
    release_branches: list[str]
    dropped_triggers: dict[str, object] = field(default_factory=dict)  # event -> its configuration


def names_workflow(entry: str, wf: Workflow) -> bool:
    """Whether a `workflow_run.workflows` entry names `wf` (by `name:`, or by file)."""
    return entry in {wf.display_name, wf.path, wf.basename}


def check_linkage(m: Migration) -> Linkage:
    ci_on = m.ci.triggers()
    if "workflow_run" in ci_on:
        raise m.refuse(
            "the CI workflow is itself triggered by workflow_run; folding a chain of workflow_run workflows is not supported",
            m.ci.location((m.ci.on_key(), "workflow_run")),
        )
    post_on = m.post.triggers()
    run = post_on.get("workflow_run")
    where = m.post.location((m.post.on_key(), "workflow_run"))
    if "workflow_run" not in post_on:
        raise m.refuse("the post workflow is not triggered by workflow_run", m.post.location((m.post.on_key(),)))
    if not isinstance(run, dict):
        raise m.refuse("the post workflow's workflow_run trigger names no workflows", where)
    _check_upstreams(m, run, where)
    _check_types(m, run)
    release = _release_branches(m, run)
    _check_ci_push(m, release)
    dropped = {event: cfg for event, cfg in post_on.items() if event != "workflow_run"}
    for event in dropped:
        m.note(
            Category.TRIGGER,
            f"the post workflow's `{event}` trigger is not carried over to {m.ci.basename}: "
            "decide whether production publishing still needs it",
            m.post.location((m.post.on_key(), event)),
        )
    return Linkage(release_branches=release, dropped_triggers=dropped)


def _check_upstreams(m: Migration, run: dict, where) -> None:
    upstreams = as_list(run.get("workflows")) or []
    if not upstreams:
        raise m.refuse("the post workflow's workflow_run trigger names no workflows", where)
    ours = [u for u in upstreams if names_workflow(u, m.ci)]
    others = [u for u in upstreams if not names_workflow(u, m.ci)]
    if others:
        listed = ", ".join(f"'{u}'" for u in others)
        raise m.refuse(
            f"the post workflow also runs after {listed}; only a post workflow of the CI workflow alone can be folded",
            m.post.value_location((m.post.on_key(), "workflow_run", "workflows")),
        )
    if not ours:  # pragma: no cover - upstreams is non-empty, so one of the two lists is
        raise m.refuse(f"the post workflow does not run after '{m.ci.display_name}'", where)


def _check_types(m: Migration, run: dict) -> None:
    types = as_list(run.get("types"))
    if types is not None and "completed" not in types:
        raise m.refuse(
            f"the post workflow runs on workflow_run types {types}, not after the CI workflow completed",
            m.post.value_location((m.post.on_key(), "workflow_run", "types")),
        )


def _release_branches(m: Migration, run: dict) -> list[str]:
    if run.get("branches-ignore") is not None:
        raise m.refuse(
            "workflow_run.branches-ignore cannot be expressed as a release-branch gate",
            m.post.location((m.post.on_key(), "workflow_run", "branches-ignore")),
        )
    branches = as_list(run.get("branches"))
    if not branches:
        return [m.default_branch]
    for pattern in branches:
        if pattern.startswith("!") or (has_wildcards(pattern) and not _prefix_pattern(pattern)):
            raise m.refuse(
                f"release branch pattern '{pattern}' cannot be expressed as a condition on github.ref",
                m.post.value_location((m.post.on_key(), "workflow_run", "branches")),
            )
    return branches


def _prefix_pattern(pattern: str) -> bool:
    """`release/**`: a prefix followed by `**`, the one wildcard shape `startsWith` expresses exactly."""
    return pattern.endswith("**") and not has_wildcards(pattern[:-2])


def _check_ci_push(m: Migration, release: list[str]) -> None:
    ci_on = m.ci.triggers()
    key = m.ci.on_key()
    if "push" not in ci_on:
        raise m.refuse(
            f"the CI workflow does not run on push, so it cannot publish release branch {release[0]}",
            m.ci.location((key,)),
        )
    push = ci_on["push"] if isinstance(ci_on["push"], dict) else {}
    branches = as_list(push.get("branches"))
    ignored = as_list(push.get("branches-ignore"))
    tags_only = branches is None and ignored is None and (push.get("tags") is not None or push.get("tags-ignore") is not None)
    for branch in release:
        probe = branch[:-2] + "x" if _prefix_pattern(branch) else branch
        runs = not tags_only
        if branches is not None:
            runs = branch in branches or branch_matches(probe, branches)
        elif ignored is not None:
            runs = not branch_matches(probe, ignored)
        if not runs:
            raise m.refuse(
                f"the CI workflow does not run on push to release branch '{branch}'",
                m.ci.location((key, "push")),
            )
    for filt in ("paths", "paths-ignore"):
        if push.get(filt) is not None:
            m.note(
                Category.FOLLOW_UP,
                f"the CI workflow's push trigger is filtered by `{filt}`: production publishing now runs only for "
                "pushes that pass that filter",
                m.ci.location((key, "push", filt)),
            )
