"""YamlDocument on the real-world corpus (../shared/corpus): round trips, refusals, random edits.

Skipped with a reason when the corpus is absent. The whole module takes about half a minute on two cores:
one test walks every file, and the property test is bounded (max_examples, no deadline).
"""

from __future__ import annotations

import copy
import difflib
import re
from functools import cache
from typing import Any

import pytest
from conftest import CORPUS, corpus_manifest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from codemod.errors import InputError
from codemod.yamldoc import YamlDocument, YamlEditError

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

# valid_yaml=yes files that the contract refuses on purpose (the manifest's parser accepts them).
REFUSED = {
    "jupyterlab__jupyterlab__a4b5105c2c__.github__workflows__labeler.yml": "duplicate key 'name'",
}
# valid_yaml=yes files without any YAML content: an InputError as a document, fine as a fragment.
COMMENTS_ONLY = {"fastapi__fastapi__4e74d40736__.github__workflows__watch-docs-previews.yml"}


@cache
def corpus_bytes(name: str) -> bytes:
    return (CORPUS / "workflows" / name).read_bytes()


def test_every_valid_file_round_trips_byte_for_byte(corpus_rows: list[dict[str, str]]) -> None:
    valid = [row["file"] for row in corpus_rows if row["valid_yaml"] == "yes"]
    identical, refused, problems = 0, {}, []
    for name in valid:
        data = corpus_bytes(name)
        try:
            out = YamlDocument.from_bytes(data, name).render()
        except InputError as exc:
            refused[name] = str(exc)
            if name in COMMENTS_ONLY:
                identical += (
                    YamlDocument.from_bytes(data, name, fragment=True).render().encode("utf-8") == data
                )
            continue
        if out.encode("utf-8") == data:
            identical += 1
        else:
            problems.append(name)
    print(f"\n{identical} of {len(valid)} valid corpus files render byte-identical; refused: {refused}")
    assert problems == []
    assert {name for name in refused if name not in COMMENTS_ONLY} == set(REFUSED)
    for name, why in REFUSED.items():
        assert why in refused[name]
    assert identical == len(valid) - len(REFUSED)


def test_invalid_files_are_input_errors_with_a_place(corpus_rows: list[dict[str, str]]) -> None:
    invalid = [row["file"] for row in corpus_rows if row["valid_yaml"] == "no"]
    messages = {}
    for name in invalid:
        with pytest.raises(InputError) as info:
            YamlDocument.from_bytes(corpus_bytes(name), name)
        assert info.value.path == name and info.value.line and info.value.col, str(info.value)
        messages[name] = str(info.value)
    undecodable = sum("not UTF-8" in m for m in messages.values())
    print(f"\n{len(invalid)} invalid corpus files refused ({undecodable} not UTF-8)")
    assert len(messages) == len(invalid) > 0


# ------------------------------------------------------------------------------------ random edits

VALID = [
    row["file"]
    for row in corpus_manifest()
    if row["valid_yaml"] == "yes" and row["file"] not in REFUSED and row["file"] not in COMMENTS_ONLY
]
VALUES = (
    st.sampled_from(
        [
            "x",
            "hello world",
            "a: b",
            "1.0",
            "yes",
            "multi\nline\n",
            "no final\nnewline",
            "#x",
            "it's",
            "",
            "${{ x }}",
        ]
    )
    | st.integers(-5, 5)
    | st.booleans()
    | st.none()
)
OPS = ["set", "insert", "delete", "rename", "append"]


def parent_of(data: Any, path: tuple) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def expected_after(plain: Any, op: str, path: tuple, value: Any, after: Any) -> Any:
    """The edit applied to a plain copy of the data: an oracle independent of the document's own check."""
    data = copy.deepcopy(plain)
    if op == "append":
        target = data
        for part in path:
            target = target[part]
        target.append(value)
        return data
    parent = parent_of(data, path)
    if op == "set":
        parent[path[-1]] = value
    elif op == "delete":
        del parent[path[-1]]
    elif op == "rename":
        items = [("renamed-key" if k == path[-1] else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)
    elif op == "insert":
        target = parent[path[-1]] if path else data
        items = list(target.items())
        at = len(items) if after is None else [k for k, _ in items].index(after) + 1
        items.insert(at, ("zz-new", value))
        target.clear()
        target.update(items)
    return data


def ordered(value: Any) -> Any:
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return (type(value).__name__, value)


def candidates(doc: YamlDocument, op: str) -> list:
    """Entries an edit of this kind can address (written in the file, not through an alias)."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    entries = [e for e in doc._index.entries.values() if not e.alias]
    if op == "set":
        return [e for e in entries if e.kind != "root" and isinstance(e.node, ScalarNode)]
    if op == "insert":
        return [e for e in entries if isinstance(e.node, MappingNode) and not e.node.flow_style]
    if op in ("delete", "rename"):
        return [
            e for e in entries if e.kind == "map" and not e.flow and e.key != "<<" and isinstance(e.key, str)
        ]
    return [e for e in entries if isinstance(e.node, SequenceNode)]


def edited_range(doc: YamlDocument, op: str, e: Any, after: Any) -> tuple[int, int]:
    """Original lines (0-based, inclusive) an edit may touch; beyond them every line must stay as it was."""
    span = doc._index.span
    if op == "set":
        first, _, last = span(e)
        return first, last
    if op == "rename":
        return e.line, e.line
    if op == "delete":
        first, _, last = span(e)
        parent = doc._index.entries[e.path[:-1]]
        return max(0, min(first - 1, parent.line)), last + 1
    kids = e.kids or []
    if op == "append" and (e.node.flow_style or not kids):
        return e.line, span(e)[2]
    anchor = kids[-1] if after is None else next(k for k in kids if k.key == after)
    last = span(anchor)[2]
    return last, last + 1


@pytest.mark.skipif(not VALID, reason=f"the shared workflow corpus is absent ({CORPUS})")
@settings(
    max_examples=200,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each example parses a real file
    suppress_health_check=[HealthCheck.too_slow],
)
@given(name=st.sampled_from(VALID or ["-"]), op=st.sampled_from(OPS), value=VALUES, data=st.data())
def test_random_edit_touches_only_its_lines_and_reads_back(
    name: str, op: str, value: Any, data: st.DataObject
) -> None:
    doc = YamlDocument.from_bytes(corpus_bytes(name), name)
    targets = candidates(doc, op)
    if not targets:
        return
    path = data.draw(st.sampled_from([t.path for t in targets]), label="path")
    e = doc._index.entries[path]
    after = (
        data.draw(st.sampled_from([None, *[k.key for k in e.kids or []]]), label="after")
        if op == "insert"
        else None
    )
    try:
        if op == "set":
            doc.set_value(e.path, value)
        elif op == "insert":
            doc.insert_entry(e.path, "zz-new", value, after=after)
        elif op == "delete":
            doc.delete_entry(e.path)
        elif op == "rename":
            doc.rename_key(e.path, "renamed-key")
        else:
            doc.append_item(e.path, value)
    except YamlEditError as exc:  # a refusal up front (an anchor still in use, a sibling with that name)
        assert "anchor" in str(exc) or "already has" in str(exc), str(exc)
        return
    out = doc.render()  # a YamlEditError here would be a wrong edit caught by the document's own check
    again = YamlDocument.parse(out, name).plain()
    assert ordered(again) == ordered(expected_after(doc.plain(), op, e.path, value, after))
    assert out.startswith("\ufeff") == corpus_bytes(name).startswith(b"\xef\xbb\xbf")
    lo, hi = edited_range(doc, op, e, after)
    assert_unchanged_outside(doc, out.removeprefix("\ufeff"), lo, hi, (op, e.path))


def _unchomped(line: str) -> str:
    """A block scalar header without its chomping indicator (appending after a final one adds `-`)."""
    return re.sub(r"([|>])([1-9]?)[-+]?([1-9]?)", r"\1\2\3", line)


def assert_unchanged_outside(doc: YamlDocument, out: str, lo: int, hi: int, what: tuple) -> None:
    """Lines before `lo` and after `hi` (original numbering) are the same lines, in place, in the output."""
    a, b = doc.text.splitlines(keepends=True), out.splitlines(keepends=True)
    tail = a[hi + 1 :]
    header = _final_block_scalar_line(doc)
    same_head = [_unchomped(x) if i == header else x for i, x in enumerate(b[:lo])] == [
        _unchomped(x) if i == header else x for i, x in enumerate(a[:lo])
    ]
    same_tail = b[len(b) - len(tail) :] == tail if tail else True
    if not (same_head and same_tail and len(b) >= lo + len(tail)):
        diff = "".join(difflib.unified_diff(a, b, "before", "after", n=1))
        pytest.fail(f"{what} changed lines outside {lo + 1}..{hi + 1}:\n{diff}")


def _final_block_scalar_line(doc: YamlDocument) -> int | None:
    """The header line of a block scalar ending the file without a newline (appending after it adds `-`)."""
    if doc.text.endswith("\n"):
        return None
    for e in doc._index.block_scalars:
        if e.node.end_mark.index >= len(doc.text):
            return e.line if e.kind == "seq" else doc._index.lines.line_of(e.vstart)
    return None
