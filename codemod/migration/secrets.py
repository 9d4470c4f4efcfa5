"""R6, workflow level: the secrets the moved jobs read (the PR's checklist, and `workflow_call` declarations),
the post workflow's `concurrency` (moved onto publish-production), and the CI's own concurrency."""

from __future__ import annotations

from codemod.migration.context import Migration
from codemod.result import Category
from codemod.yamldoc import YamlDocument


def declare_secrets(m: Migration, secrets: set[str]) -> list[str]:
    """Note every secret moved jobs read; declare them under `on.workflow_call.secrets` when the CI is reusable."""
    names = sorted(secrets, key=str.upper)
    for name in names:
        m.note(Category.SECRET, f"`{name}` is now read by {m.ci.basename}: make sure the repository (or the "
               "environment) provides it to this workflow")
    call = m.ci.triggers().get("workflow_call", False)
    if call is False or not names:
        return names
    key = m.ci.on_key()
    declared = call.get("secrets") if isinstance(call, dict) else None
    missing = [n for n in names if not isinstance(declared, dict) or n not in declared]
    if not missing:
        return names
    entries = {n: {"required": False} for n in missing}
    if isinstance(declared, dict):
        for n in missing:
            m.ci.doc.insert_entry((key, "workflow_call", "secrets"), n, {"required": False})
    elif isinstance(call, dict):
        m.ci.doc.insert_entry((key, "workflow_call"), "secrets", entries)
    else:
        m.ci.doc.set_value((key, "workflow_call"), {"secrets": entries})
    m.note(Category.SECRET, f"declared {', '.join(missing)} under on.workflow_call.secrets (required: false): "
           "callers of this workflow must pass them for production publishing", m.ci.location((key, "workflow_call")))
    return names


def move_concurrency(m: Migration, frag: YamlDocument, job: str, entry: YamlDocument | None) -> None:
    """The post workflow's `concurrency` (`entry`, rewritten) becomes publish-production's (a job-level one wins)."""
    if "concurrency" not in m.post.data:
        return
    spec = m.post.jobs[job]
    if "concurrency" in spec:
        m.note(Category.CONCURRENCY, f"the post workflow's concurrency is dropped: `{job}` has its own",
               m.post.location(("concurrency",)))
        return
    if _group(m.post.data.get("concurrency")) == _group(m.ci.data.get("concurrency")):
        m.note(Category.CONCURRENCY, "the post workflow's concurrency group is the CI workflow's own: moved onto "
               "publish-production it would deadlock with its run, so it is dropped (the CI runs are already "
               "serialised by it)", m.post.location(("concurrency",)))
        return
    if entry is not None:
        frag.insert_fragment((job,), entry, before="steps" if "steps" in spec else None)
    m.note(Category.CONCURRENCY, "the post workflow's `concurrency` now applies to the publish-production job",
           m.post.location(("concurrency",)))


def check_ci_concurrency(m: Migration) -> None:
    conc = m.ci.data.get("concurrency")
    if isinstance(conc, dict) and conc.get("cancel-in-progress") not in (None, False, "false"):
        m.note(Category.CONCURRENCY, "the CI workflow's concurrency has `cancel-in-progress`: a new push can cancel a "
               "running production publish half-way; consider `cancel-in-progress: ${{ github.event_name == "
               "'pull_request' }}`", m.ci.location(("concurrency", "cancel-in-progress")))


def _group(concurrency: object) -> str | None:
    """A concurrency setting's group, whitespace-normalised (`concurrency: x` is the group `x`)."""
    group = concurrency.get("group") if isinstance(concurrency, dict) else concurrency
    return " ".join(str(group).split()) if group is not None else None
