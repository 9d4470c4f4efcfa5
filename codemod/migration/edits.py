"""Small edit helpers the rules share: job keys set in order, `needs:` in the file's style, step guards."""

from __future__ import annotations

import json
from typing import Any

from codemod import expressions as ex
from codemod.migration import gate as gt
from codemod.yamldoc import FlowList, YamlDocument, YamlPath


def first_key(mapping: Any) -> str | None:
    return next(iter(mapping), None) if isinstance(mapping, dict) else None


def set_keys(doc: YamlDocument, path: YamlPath, spec: dict, entries: list[tuple[str, Any, list[str] | None]]) -> None:
    """Set each (key, value, comment) of the mapping at `path` (whose original data is `spec`), in order: a key
    that exists is replaced in place; a missing one goes after the previous entry of the list (the first one
    after `name:`, else before the mapping's first key)."""
    anchor: dict[str, str | None] = {"after": "name"} if "name" in spec else {"before": first_key(spec)}
    for key, value, comment in entries:
        if key in spec:
            doc.set_value((*path, key), value, comment=comment)
            anchor = {"after": key}
        else:
            doc.insert_entry(path, key, value, comment=comment, **anchor)


def is_flow(seq: Any) -> bool:
    fa = getattr(seq, "fa", None)
    return bool(fa is not None and fa.flow_style())


def needs_value(needs: list[str], current: Any) -> Any:
    """A `needs:` value in the style of the one it replaces: a scalar stays a scalar while it names one job, a
    block list stays block, anything else (or nothing) becomes a flow list."""
    if isinstance(current, str) and len(needs) == 1:
        return needs[0]
    if isinstance(current, list) and not is_flow(current):
        return list(needs)
    return FlowList(needs)


def guard_step(doc: YamlDocument, path: YamlPath, step: Any, condition: ex.Node | None) -> None:
    """AND `condition` into the `if:` of the step at `path` (a new `if:` after its first key when it has none)."""
    if condition is None or not isinstance(step, dict):
        return
    current = step.get("if")
    if current is None:
        doc.insert_entry(path, "if", ex.format_condition(condition, False), after=first_key(step))
        return
    node, wrapped = ex.parse_condition(current if isinstance(current, str) else str(current).lower())
    doc.set_value((*path, "if"), ex.format_condition(ex.fold(gt.all_of([condition, node])), wrapped))


def conjuncts(node: ex.Node) -> list[ex.Node]:
    """The terms of a top-level `a && b && c`."""
    if isinstance(node, ex.Binary) and node.op == "&&":
        return conjuncts(node.left) + conjuncts(node.right)
    return [node]


def step_renames(steps: list[Any], job: str, taken: set[str]) -> dict[str, str]:
    """Lower-cased step id -> new id, for the ids of `steps` already in `taken` (lower-cased: step ids are
    case-insensitive in GitHub); adds the ids kept or given to `taken`."""
    renames: dict[str, str] = {}
    for step in steps:
        sid = str(step.get("id")) if isinstance(step, dict) and step.get("id") else None
        if sid is None:
            continue
        new = sid
        if sid.lower() in taken:
            new = f"{sid}-{job}"
            renames[sid.lower()] = new
        taken.add(new.lower())
    return renames


def canon(value: Any) -> str:
    """A comparable form of plain YAML data (two settings are the same when their canonical forms are)."""
    return json.dumps(value, sort_keys=True, default=str)
