"""The migrated CI workflow's job graph as a mermaid `flowchart`, for the docs section, the PR body and reports.

Gates and the publish group are drawn as subgraphs (gates -> publish group -> final cleanup); conditions are
shown on the group (when its jobs share one) and on the cleanup node. Node ids are generated (`j0`, `j1`...),
job ids and conditions only ever appear inside quoted labels with mermaid's entity escapes, so any job id and
any condition text gives valid mermaid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from codemod.result import JobNode, MigrationSummary

ROLES = ("ci", "gate", "helper", "moved", "publish", "downstream", "cleanup")
_STYLES = {
    "ci": "fill:#f3f4f6,stroke:#6b7280",
    "gate": "fill:#dbeafe,stroke:#2563eb",
    "helper": "fill:#ede9fe,stroke:#7c3aed",
    "moved": "fill:#ede9fe,stroke:#7c3aed",  # a moved job the migration did not classify further
    "publish": "fill:#bbf7d0,stroke:#16a34a,stroke-width:2px",
    "downstream": "fill:#e0f2fe,stroke:#0284c7",
    "cleanup": "fill:#fef3c7,stroke:#d97706",
}
_GATES, _GROUP = "gates", "publish_group"
_SHOWN_CONDITION = ("publish", "cleanup", "helper", "moved", "downstream")


def job_graph(summary: MigrationSummary) -> str:
    """The mermaid source (without the ``` fence) of the migrated CI workflow's job graph."""
    jobs = summary.jobs or fallback_jobs(summary)
    ids = {job.id: f"j{i}" for i, job in enumerate(jobs)}
    gates = [j for j in jobs if j.role == "gate"]
    group = [j for j in jobs if j.role == "publish"]
    shared = _shared_condition(group)
    lines = ["flowchart TD", f"  %% job graph of {_comment(summary.ci_path)} after consolidate-ci"]
    for job in jobs:
        if job not in gates and job not in group:
            lines.append(f"  {_node(ids[job.id], job, show_condition=job.role in _SHOWN_CONDITION)}")
    lines += _subgraph(_GATES, "gates (must pass)", gates, ids, show_condition=False)
    title = "publish group" + (f"<br/>if: {shared}" if shared else "")
    lines += _subgraph(_GROUP, title, group, ids, show_condition=shared is None)
    lines += [f"  {a} --> {b}" for a, b in _edges(jobs, ids, gates, group)]
    lines += _styles(jobs, ids)
    return "\n".join(lines) + "\n"


def fallback_jobs(summary: MigrationSummary) -> list[JobNode]:
    """A job graph from the summary's names, when the migration did not record `jobs`."""
    jobs = [JobNode(gate, role="gate") for gate in summary.gates]
    jobs += [JobNode(job, needs=tuple(summary.gates), role="publish") for job in summary.publish_group]
    if summary.final_cleanup:
        jobs.append(JobNode(summary.final_cleanup, needs=tuple(summary.publish_group), role="cleanup"))
    return jobs


def label(text: str) -> str:
    """`text` as the inside of a quoted mermaid label: one line, quotes and markup as entity codes."""
    out: list[str] = []
    text = " ".join(text.split())
    for i, ch in enumerate(text):
        if ch in '"#<>`' or (ch == "&" and re.match(r"&#?\w+;", text[i:])):
            out.append(f"#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


def _comment(text: str) -> str:
    return " ".join(text.split()).replace("%%", "% %")


def _node(node_id: str, job: JobNode, *, show_condition: bool) -> str:
    text = label(job.id)
    if show_condition and job.condition:
        text += "<br/>if: " + label(job.condition)
    return f'{node_id}["{text}"]'


def _shared_condition(group: Sequence[JobNode]) -> str | None:
    conditions = {job.condition for job in group}
    if len(conditions) != 1 or None in conditions:
        return None
    return label(group[0].condition or "")


def _subgraph(sub_id: str, title: str, members: Sequence[JobNode], ids: dict[str, str], *, show_condition: bool) -> list[str]:
    if not members:
        return []
    lines = [f'  subgraph {sub_id}["{title}"]']
    lines += [f"    {_node(ids[j.id], j, show_condition=show_condition)}" for j in members]
    return [*lines, "  end"]


def _edges(jobs: Sequence[JobNode], ids: dict[str, str], gates: Sequence[JobNode], group: Sequence[JobNode]) -> list[tuple[str, str]]:
    """`needs` without the ones implied by others; one edge from/to a subgraph when all its members share it."""
    pairs = [(ids[need], ids[job.id]) for job in jobs for need in _direct_needs(job, jobs) if need in ids]
    for sub_id, members in ((_GATES, {ids[j.id] for j in gates}), (_GROUP, {ids[j.id] for j in group})):
        if len(members) > 1:
            pairs = _collapse(pairs, sub_id, members)
    return list(dict.fromkeys(pairs))


def _direct_needs(job: JobNode, jobs: Sequence[JobNode]) -> list[str]:
    """The transitive reduction of `job.needs`: a need reachable through another need is left out."""
    needs = {j.id: j.needs for j in jobs}
    return [n for n in job.needs if not any(n in _ancestors(m, needs, set()) for m in job.needs if m != n)]


def _ancestors(job_id: str, needs: dict[str, tuple[str, ...]], seen: set[str]) -> set[str]:
    for need in needs.get(job_id, ()):
        if need not in seen:
            seen.add(need)
            _ancestors(need, needs, seen)
    return seen


def _collapse(pairs: list[tuple[str, str]], sub_id: str, members: set[str]) -> list[tuple[str, str]]:
    """`m -> x` for every member m becomes `subgraph -> x` (and `x -> m` likewise), in place."""
    nodes = {n for pair in pairs for n in pair} - members
    into = {x for x in nodes if all((m, x) in pairs for m in members)}
    out_of = {x for x in nodes if all((x, m) in pairs for m in members)}
    collapsed = []
    for a, b in pairs:
        if a in members and b in into:
            a = sub_id
        elif b in members and a in out_of:
            b = sub_id
        collapsed.append((a, b))
    return collapsed


def _styles(jobs: Iterable[JobNode], ids: dict[str, str]) -> list[str]:
    by_role: dict[str, list[str]] = {}
    for job in jobs:
        role = job.role if job.role in _STYLES else "ci"
        by_role.setdefault(role, []).append(ids[job.id])
    lines = [f"  classDef {role} {_STYLES[role]}" for role in ROLES if role in by_role]
    lines += [f"  class {','.join(nodes)} {role}" for role in ROLES if (nodes := by_role.get(role))]
    return lines
