"""The pull request's body, rendered from a RepoResult (outcome, notes by Category, MigrationSummary) and
what the preflight learnt from the forge (required status checks, secret names). Pure: text in, text out.

Sections: what moved where, what was dropped and why, manual follow-ups (secrets checklist, dropped
triggers, required status checks that name the old cleanup job, permissions, script dispatches...), the
new job graph as mermaid (from `codemod.mermaid`, when it is there), the files changed and the other notes.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass

from codemod import __version__
from codemod.result import Category, MigrationSummary, Note, RepoResult

MARKER = "<!-- consolidate-ci:pr-body -->"
MAX_BODY = 60000  # GitHub refuses bodies over 65536 characters

# Categories listed under "manual follow-ups" (SCRIPT only when it is about a dispatch).
_FOLLOW_UP = (Category.TRIGGER, Category.PERMISSION, Category.CONCURRENCY, Category.CHECK, Category.FOLLOW_UP)
_SHOWN_ELSEWHERE = {Category.MOVED, Category.DROPPED, Category.SECRET, *_FOLLOW_UP}


@dataclass(frozen=True)
class ForgeFacts:
    """What the forge told the preflight. `None` means the token could not tell."""

    required_checks: tuple[str, ...] | None = ()
    secret_names: frozenset[str] | None = None
    default_branch: str | None = None


def render(result: RepoResult, facts: ForgeFacts = ForgeFacts(), *, title: str | None = None) -> str:
    s = result.summary
    parts = [MARKER, f"## {title}" if title else "", _intro(result)]
    if s is not None:
        parts += [_moved(s), _dropped(s, result.notes), _follow_ups(result, facts), _graph(s)]
    parts += [_files(result), _other_notes(result.notes), _footer()]
    return _limit("\n\n".join(p for p in parts if p).strip() + "\n")


def _intro(result: RepoResult) -> str:
    s = result.summary
    if s is None:
        return f"consolidate-ci: outcome **{result.outcome}**" + (f": {result.reason}" if result.reason else ".")
    post = f"`{s.post_path}`" + (f" ({s.post_name})" if s.post_name else "")
    ci = f"`{s.ci_path}`" + (f" ({s.ci_name})" if s.ci_name else "")
    branches = ", ".join(f"`{b}`" for b in s.release_branches) or f"`{s.default_branch}`"
    gates = ", ".join(f"`{g}`" for g in s.gates)
    group = ", ".join(f"`{g}`" for g in s.publish_group)
    text = (f"This pull request folds {post}, which ran after the CI workflow through `workflow_run`, into {ci}. "
            f"On a push to {branches}, production publishing ({group}) now runs in the CI workflow, "
            f"only after the gates ({gates}) have passed")
    if s.final_cleanup:
        text += f"; `{s.final_cleanup}` then cleans staging up (pull requests: always; pushes: only after a successful publish)"
    return text + f". {post} is deleted."


def _moved(s: MigrationSummary) -> str:
    if not s.moved:
        return ""
    rows = [f"| `{src}` | `{dst}` |" for src, dst in s.moved.items()]
    if s.old_cleanup and s.final_cleanup and s.old_cleanup != s.final_cleanup:
        rows.append(f"| `{s.old_cleanup}` (CI) | `{s.final_cleanup}` (renamed in place) |")
    return "\n".join(["### What moved where", "", f"| from `{s.post_path}` | to `{s.ci_path}` |", "|---|---|", *rows])


def _dropped(s: MigrationSummary, notes: list[Note]) -> str:
    lines = [f"- `{job}`: {reason}" for job, reason in s.dropped.items()]
    lines += [f"- {_note(n)}" for n in notes if n.category == Category.DROPPED and not _names_any(n, s.dropped)]
    return "\n".join(["### What was dropped, and why", "", *lines]) if lines else ""


def _names_any(note: Note, jobs: Iterable[str]) -> bool:
    return any(f"`{job}`" in note.message or f"'{job}'" in note.message for job in jobs)


def _follow_ups(result: RepoResult, facts: ForgeFacts) -> str:
    blocks = [_secrets(result, facts), _checks(result, facts)]
    for category in _FOLLOW_UP:
        items = [f"- [ ] {_note(n)}" for n in result.notes if n.category == category]
        if items:
            blocks.append(f"**{_TITLES[category]}**\n\n" + "\n".join(items))
    dispatches = [f"- [ ] {_note(n)}" for n in result.notes if n.category == Category.SCRIPT and "dispatch" in n.message]
    if dispatches:
        blocks.append("**Scripts that dispatch the deleted workflow**\n\n" + "\n".join(dispatches))
    blocks = [b for b in blocks if b]
    return "### Manual follow-ups\n\n" + "\n\n".join(blocks) if blocks else ""


_TITLES = {
    Category.TRIGGER: "Triggers of the deleted workflow that are not carried over",
    Category.PERMISSION: "Permissions",
    Category.CONCURRENCY: "Concurrency",
    Category.CHECK: "Required status checks",
    Category.FOLLOW_UP: "Other follow-ups",
}


def _secrets(result: RepoResult, facts: ForgeFacts) -> str:
    names = list(dict.fromkeys([*(result.summary.secrets if result.summary else [])]))
    if not names:
        return ""
    lines = ["**Secrets** the moved jobs use: make sure the CI workflow can read each of them", ""]
    for name in names:
        line = f"- [ ] `{name}`"
        if facts.secret_names is not None and name not in facts.secret_names and name != "GITHUB_TOKEN":
            line += " (not a repository secret: check that it is an organisation or environment secret)"
        lines.append(line)
    if facts.secret_names is None:
        lines.append("\n_The token could not list this repository's secrets; none of them was checked._")
    return "\n".join(lines)


def old_cleanup_names(result: RepoResult) -> list[str]:
    """The names a status check of the old CI cleanup job can have: its id and its display `name:`."""
    s = result.summary
    if s is None or not s.old_cleanup:
        return []
    names = [s.old_cleanup]
    ci = next((c for c in result.changes if c.path == s.ci_path and c.old_text), None)
    display = _display_name(ci.old_text, s.old_cleanup) if ci else None
    if display and display not in names:
        names.append(display)
    return names


def _display_name(text: str, job: str) -> str | None:
    from ruamel.yaml import YAML

    try:
        doc = YAML(typ="safe", pure=True).load(text)
        name = doc["jobs"][job].get("name")
    except Exception:  # a display name is a nicety: any shape we cannot read has none
        return None
    return name if isinstance(name, str) and "${{" not in name else None


def stale_checks(result: RepoResult, required: Iterable[str]) -> list[str]:
    """Required status checks that name the old cleanup job (a matrix adds ` (...)` to the name)."""
    names = old_cleanup_names(result)
    return [c for c in required if any(c == n or c.startswith(n + " (") for n in names)]


def _checks(result: RepoResult, facts: ForgeFacts) -> str:
    s = result.summary
    if s is None or not s.old_cleanup or s.old_cleanup == s.final_cleanup:
        return ""
    branch = f"`{facts.default_branch or s.default_branch}`"
    if facts.required_checks is None:
        names = " or ".join(f"`{n}`" for n in old_cleanup_names(result))
        return ("**Required status checks that name the old cleanup job**\n\n"
                f"- [ ] the token could not read the branch protection or rulesets of {branch}: check that no "
                f"required status check names {names}")
    stale = stale_checks(result, facts.required_checks)
    if not stale:
        return ""
    new = f"`{s.final_cleanup}`" if s.final_cleanup else "nothing"
    lines = [f"- [ ] `{c}` is required on {branch} (branch protection or a ruleset): the job is now {new}; "
             "update the required check, or merging will wait for a check that never runs" for c in stale]
    return "**Required status checks that name the old cleanup job**\n\n" + "\n".join(lines)


def _graph(s: MigrationSummary) -> str:
    try:
        mermaid = importlib.import_module("codemod.mermaid")
        source = mermaid.job_graph(s)
    except Exception:  # the graph is optional: without codemod.mermaid the body simply has none
        return ""
    return f"### The new job graph of `{s.ci_path}`\n\n```mermaid\n{source.rstrip()}\n```"


def _files(result: RepoResult) -> str:
    if not result.changes:
        return ""
    lines = [f"- {c.kind} `{c.path}`" for c in result.changes]
    return "### Files changed\n\n" + "\n".join(lines)


def _other_notes(notes: list[Note]) -> str:
    groups: dict[Category, list[Note]] = {}
    for note in notes:
        if note.category not in _SHOWN_ELSEWHERE and not (note.category == Category.SCRIPT and "dispatch" in note.message):
            groups.setdefault(note.category, []).append(note)
    if not groups:
        return ""
    lines = ["<details><summary>All other notes, by category</summary>", ""]
    for category in Category:
        if category in groups:
            lines += [f"**{category}**", "", *[f"- {_note(n)}" for n in groups[category]], ""]
    return "\n".join([*lines, "</details>"])


def _note(note: Note) -> str:
    where = f" ({note.location})" if note.location else ""
    return f"{note.message}{where}"


def _footer() -> str:
    return (f"<sub>Opened by consolidate-ci {__version__}. Re-running it updates this branch and this description, "
            "unless someone else has pushed to the branch.</sub>")


def _limit(body: str) -> str:
    if len(body) <= MAX_BODY:
        return body
    return body[: MAX_BODY - 200].rsplit("\n", 1)[0] + "\n\n_…cut: the full list is in the tool's report._\n"
