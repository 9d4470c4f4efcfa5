"""Format-preserving YAML documents: parse with ruamel.yaml, edit the original text.

A `YamlDocument` keeps the original text. A composer gives the node tree with exact character positions:
libyaml's (PyYAML's C parser), converted to the nodes ruamel.yaml's composer makes of the same text, or
ruamel's own for any text on which the two parsers could differ, and for every error (see "fast composition"
below); ruamel's round-trip constructor gives `data` either way. Every edit becomes a splice `(start, end,
replacement)` on the original text, computed from the original parse; overlapping splices raise
`YamlEditError`; `render()` applies them in text order. The document is never re-serialised: every byte outside the splices stays as it
was, and new text copies the file's own style (`Style`: indentation, sequence indentation, line ending, quote,
flow spacing). `render()` then checks itself: the output is parsed again and its plain data must equal the
original plain data with the edits applied to it (a shadow copy kept alongside the splices).

Paths (`YamlPath`) are keys and sequence indexes from the root and always refer to the ORIGINAL document.
Two edits of one subject conflict (YamlEditError naming both): replacing or deleting something and editing
inside it, twice the same value. Deletions are resolved at render time, per container, so that removing
neighbours keeps one blank-line separator, removing the first key of `- key: v` pulls the next key up to the
dash, and removing every child leaves `{}` / `[]` (never a null). Edits of a flow sequence are collected per
sequence and written as one rewrite of its inside, keeping its separators, spacing and trailing comma.

Tags: `if: !cancelled()` is a YAML tag `!cancelled()` on an empty scalar, not an expression. `data` keeps
ruamel's `TaggedScalar`; `plain()` gives a scalar with a local tag as its source text (`"!cancelled()"`, the
tag and the value joined by a space when there is one), which is what the author meant and lets the expression
layer see it. Replacing such a value replaces the tag too (`set_value(path, "${{ !cancelled() }}")`). Standard
tags (`!!str 1`) give the value.

Keys that are not strings in YAML (`1:`, `true:`) are addressed by their source text in the paths of
locations and edits (`plain()`/`has()` use the YAML values); workflows do not have such keys.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.docinfo import DocInfo, version
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.tag import Tag

from codemod.errors import InputError

YamlPath = tuple[str | int, ...]

__all__ = ["FlowList", "InputError", "Raw", "Style", "YamlDocument", "YamlEditError", "YamlPath"]


class YamlEditError(Exception):
    """An edit that cannot be made safely: overlap, missing path, a shape it cannot express."""


@dataclass(frozen=True)
class Style:
    """How the file writes YAML; new text copies it."""

    indent: int = 2
    seq_indent: int = 2
    newline: str = "\n"
    quote: str = "'"
    flow_space: bool = False


class Raw(str):
    """Value text inserted verbatim (single-line flow or scalar text, e.g. `${{ x }}` or `[a, b]`)."""


class FlowList(list):
    """A list written as a flow sequence; inner spacing from `Style.flow_space`."""


# --------------------------------------------------------------------------------------------- text


class _Lines:
    """Line table of a text: line i is text[starts[i]:starts[i+1]], its ending included."""

    __slots__ = ("n", "starts", "text")

    def __init__(self, text: str):
        starts = [0]
        find = text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self.text = text
        self.starts = starts
        self.n = len(starts) - (1 if starts[-1] == len(text) else 0)

    def line_of(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index) - 1

    def start(self, i: int) -> int:
        return self.starts[i] if i < len(self.starts) else len(self.text)

    def next(self, i: int) -> int:
        return self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)

    def end(self, i: int) -> int:
        """Index where line i's content ends (before its line ending)."""
        s, e = self.start(i), self.next(i)
        if e > s and self.text[e - 1] == "\n":
            e -= 1
            if e > s and self.text[e - 1] == "\r":
                e -= 1
        return e

    def eol(self, i: int) -> str:
        return self.text[self.end(i) : self.next(i)]

    def line(self, i: int) -> str:
        return self.text[self.start(i) : self.end(i)]

    def indent(self, i: int) -> int:
        line = self.line(i)
        return len(line) - len(line.lstrip(" "))

    def blank(self, i: int) -> bool:
        return 0 <= i < self.n and not self.line(i).strip()

    def is_comment(self, i: int) -> bool:
        return 0 <= i < self.n and self.line(i).lstrip().startswith("#")


def _fmt_path(path: YamlPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<root>"


def _skip_space(text: str, i: int) -> int:
    """Next index at or after i that is not a space, tab, line break or comment."""
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "#" and (i == 0 or text[i - 1] in " \t\r\n"):
            j = text.find("\n", i)
            i = n if j < 0 else j
        else:
            break
    return i


_TOKEN_END = re.compile(r"[\s,\[\]{}]|$")


def _token_end(text: str, i: int) -> int:
    m = _TOKEN_END.search(text, i)
    return m.start() if m else len(text)


# ------------------------------------------------------------------------------------------ parsing


def _input_error(text: str, path: str | None, index: int, message: str) -> InputError:
    lines = _Lines(text)
    index = max(0, min(index, len(text)))
    line = lines.line_of(index)
    return InputError(message, path, line + 1, index - lines.start(line) + 1)


def _scanner_error(text: str, path: str | None, exc: MarkedYAMLError) -> InputError:
    mark = exc.problem_mark or exc.context_mark
    index = mark.index if mark is not None else 0
    problem = exc.problem or exc.context or "invalid YAML"
    if "'\\t'" in problem:
        head = text[text.rfind("\n", 0, index) + 1 : index]
        if not head.strip():
            return _input_error(text, path, index, "tab character used for indentation")
    if "expected a single document" in str(exc.context or ""):
        return _input_error(
            text, path, index, "multiple YAML documents in one file (a second one starts here)"
        )
    return _input_error(text, path, index, f"invalid YAML: {problem}")


def _find_duplicate(text: str, path: str | None, root: Node) -> InputError | None:
    for node in _walk_nodes(root):
        if not isinstance(node, MappingNode):
            continue
        seen: dict[tuple[str, str], Node] = {}
        for key, _value in node.value:
            if not isinstance(key, ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            ident = (str(key.tag), key.value)
            if ident in seen:
                first = seen[ident].start_mark.index
                line = _Lines(text).line_of(first) + 1
                msg = f"duplicate key {key.value!r} (first defined at line {line})"
                return _input_error(text, path, key.start_mark.index, msg)
            seen[ident] = key
    return None


def _walk_nodes(root: Node) -> Iterator[Node]:
    """Every node once (aliases are the same objects as their anchors)."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                stack.append(value)
                stack.append(key)
        elif isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))


def _load(text: str, path: str | None) -> tuple[Node | None, Any]:
    """(root node, data): composed with libyaml when `_fast_compose` can vouch for the result, else by ruamel.yaml;
    either way ruamel's round-trip constructor makes `data`."""
    composed = _fast_compose(text)
    if composed is not None:
        constructor, root = composed
    else:
        constructor, root = _ruamel_compose(text, path)
    if root is None:
        return None, None
    if "*" in text:
        _check_not_recursive(text, path, root)
    merges = _merge_entries(root) if "<<" in text else {}
    try:
        data = constructor.construct_document(root)
    except DuplicateKeyError as exc:
        raise (_find_duplicate(text, path, root) or _scanner_error(text, path, exc)) from None
    except MarkedYAMLError as exc:
        raise _scanner_error(text, path, exc) from None
    for node, value in merges.values():
        node.value = value  # the constructor removed the `<<` entries from the node tree; positions need them
    return root, data


def _ruamel_compose(text: str, path: str | None) -> tuple[Any, Node | None]:
    """The reference path: ruamel.yaml's reader, scanner, parser and composer (every InputError comes from here)."""
    yaml = YAML()
    yaml.doc_infos.append(DocInfo(requested_version=version(yaml.version)))  # as YAML.load does (%YAML)
    try:
        constructor, _parser = yaml.get_constructor_parser(text)
        return constructor, constructor.composer.get_single_node()
    except ReaderError as exc:
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise _input_error(text, path, exc.position, f"invalid YAML: {exc.reason} ({char})") from None
    except MarkedYAMLError as exc:
        raise _scanner_error(text, path, exc) from None
    except YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", path, 1, 1) from None


def _check_not_recursive(text: str, path: str | None, root: Node) -> None:
    """An alias inside its own anchor (`&r {a: *r}`) makes infinite data: bad input for a workflow."""
    active: set[int] = set()
    done: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            active.discard(id(node))
            done.add(id(node))
            continue
        if id(node) in active:
            raise _input_error(
                text, path, node.start_mark.index, "recursive alias: an anchor is used inside itself"
            )
        if id(node) in done or isinstance(node, ScalarNode):
            continue
        active.add(id(node))
        stack.append((node, True))
        children = [n for pair in node.value for n in pair] if isinstance(node, MappingNode) else node.value
        stack.extend((child, False) for child in children)


def _merge_entries(root: Node) -> dict[int, tuple[MappingNode, list]]:
    """Mappings with a merge key (`<<:`), with their entries as composed."""
    return {
        id(node): (node, list(node.value))
        for node in _walk_nodes(root)
        if isinstance(node, MappingNode) and any(k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value)
    }


def _check_root(text: str, path: str | None, root: Node | None, fragment: bool) -> None:
    if root is None:
        if not fragment:
            raise InputError("empty document (no YAML content)", path, 1, 1)
        return
    if isinstance(root, MappingNode) or (fragment and isinstance(root, SequenceNode)):
        return
    kind = "a sequence" if isinstance(root, SequenceNode) else "a scalar"
    raise _input_error(
        text, path, root.start_mark.index, f"the document root must be a mapping, found {kind}"
    )


# ------------------------------------------------------------------------------------------- style


def _most_common(counter: Counter, default: Any) -> Any:
    if not counter:
        return default
    best = max(counter.values())
    return min(k for k, v in counter.items() if v == best)


def _detect_style(text: str, root: Node | None) -> Style:
    indents: Counter = Counter()
    seqs: Counter = Counter()
    quotes: Counter = Counter()
    flows: Counter = Counter()
    for node in _walk_nodes(root) if root is not None else ():
        if isinstance(node, ScalarNode):
            if node.style in ("'", '"'):
                quotes[node.style] += 1
        elif isinstance(node, SequenceNode):
            start = node.start_mark.index
            if node.flow_style and node.value and text[start] == "[":
                flows[text[start + 1] == " "] += 1
        elif not node.flow_style:
            _count_offsets(node, indents, seqs)
    crlf = text.count("\r\n")
    indent = _most_common(Counter({k: v for k, v in indents.items() if k > 0}), 2)
    return Style(
        indent=indent,
        seq_indent=_most_common(Counter({k: v for k, v in seqs.items() if k >= 0}), indent),
        newline="\r\n" if crlf > text.count("\n") - crlf else "\n",
        quote='"' if quotes['"'] > quotes["'"] else "'",
        flow_space=flows[True] > flows[False],
    )


def _count_offsets(node: MappingNode, indents: Counter, seqs: Counter) -> None:
    for key, value in node.value:
        kmark = key.start_mark
        if isinstance(value, MappingNode) and not value.flow_style and value.value:
            first = value.value[0][0].start_mark
            if first.line > kmark.line:
                indents[first.column - kmark.column] += 1
        elif isinstance(value, SequenceNode) and not value.flow_style and value.value:
            vmark = value.start_mark
            if vmark.line > kmark.line:
                seqs[vmark.column - kmark.column] += 1


# ------------------------------------------------------------------------------------------- index

_BLOCK_HEADER = re.compile(r"([|>])([1-9+-]?)([1-9+-]?)")


class _Entry:
    """One mapping entry, sequence item or the root, with its positions in the original text.

    start: the key (mapping), the '-' (block sequence), the item (flow sequence) or the root node.
    vstart/vend: where the value's text starts and where its content ends (before trailing blank lines).
    """

    __slots__ = (
        "alias",
        "col",
        "colon",
        "flow",
        "inline",
        "key",
        "key_end",
        "key_node",
        "kids",
        "kind",
        "line",
        "node",
        "odd_key",
        "path",
        "span",
        "start",
        "vend",
        "vstart",
    )

    def __init__(self, path: YamlPath, kind: str, key: str | int | None, flow: bool = False):
        self.path, self.kind, self.key, self.flow = path, kind, key, flow
        self.alias = False
        self.odd_key = False
        self.colon: int | None = None
        self.key_node: Node | None = None
        self.key_end = 0
        self.vstart = self.vend = -1
        self.kids: list[_Entry] | None = None
        self.span: tuple[int, int, int] | None = None

    @property
    def block(self) -> bool:
        """The value is a block mapping or block sequence (not an alias)."""
        return (
            not self.alias and isinstance(self.node, (MappingNode, SequenceNode)) and not self.node.flow_style
        )

    @property
    def empty(self) -> bool:
        return not self.alias and self.vstart == self.vend and isinstance(self.node, ScalarNode)


class _Index:
    """Entries of every path reachable without going through an alias, in document order."""

    def __init__(self, text: str, root: Node):
        self.text = text
        self.lines = _Lines(text)
        self.entries: dict[YamlPath, _Entry] = {}
        self.defined: dict[int, YamlPath] = {}
        self.interior = bytearray(self.lines.n + 2)
        self.block_scalars: list[_Entry] = []
        top = _Entry((), "root", None)
        top.node = root
        top.start = top.vstart = _skip_props(text, root.start_mark.index)
        self._place(top)
        self._visit(top)

    def _place(self, e: _Entry) -> None:
        e.line = self.lines.line_of(e.start)
        ls = self.lines.start(e.line)
        e.col = e.start - ls
        e.inline = bool(self.text[ls : e.start].strip())

    def _visit(self, e: _Entry) -> None:
        self.entries[e.path] = e
        node = e.node
        if e.alias:
            return
        self.defined[id(node)] = e.path
        if isinstance(node, MappingNode):
            e.kids = self._map_kids(e)
        elif isinstance(node, SequenceNode):
            e.kids = self._seq_kids(e)
        if e.empty:
            return
        if isinstance(node, ScalarNode):
            e.vend = self._scalar_end(e)
        elif node.flow_style:
            e.vend = node.end_mark.index
        else:
            e.vend = e.kids[-1].vend if e.kids else e.vstart
            return
        first, last = self.lines.line_of(e.vstart), self.lines.line_of(max(e.vend - 1, e.vstart))
        if last > first:
            self.interior[first + 1 : last + 1] = b"\x01" * (last - first)

    def _scalar_end(self, e: _Entry) -> int:
        node, text = e.node, self.text
        if node.style not in ("|", ">"):
            return node.end_mark.index
        self.block_scalars.append(e)
        start, end = node.start_mark.index, node.end_mark.index
        header = _BLOCK_HEADER.search(text, start)
        header_end = self.lines.end(self.lines.line_of(start))
        if header and "+" in header.group(0):
            if text[end - 1 : end] == "\n":
                end -= 2 if text[end - 2 : end] == "\r\n" else 1
            return max(end, header_end)
        while end > header_end and text[end - 1] in " \t\r\n":
            end -= 1
        return end

    def _value(self, e: _Entry, value: Node, after: int) -> None:
        e.node = value
        if id(value) in self.defined:
            i = _skip_space(self.text, after)
            if self.text[i : i + 1] != "*":
                raise YamlEditError(
                    f"line {self.lines.line_of(i) + 1}: cannot locate the alias at {_fmt_path(e.path)}"
                )
            e.alias, e.vstart, e.vend = True, i, _token_end(self.text, i + 1)
        elif isinstance(value, ScalarNode) and value.start_mark.index == value.end_mark.index:
            e.vstart = e.vend = after
        else:
            e.vstart = value.start_mark.index

    def _map_kids(self, parent: _Entry) -> list[_Entry]:
        text, kids, flow = self.text, [], bool(parent.node.flow_style)
        prev = _skip_props(text, parent.node.start_mark.index) + (1 if flow else 0)
        for key, value in parent.node.value:
            e = _Entry((*parent.path, key.value), "map", key.value, flow)
            e.key_node, e.start, e.key_end = key, key.start_mark.index, key.end_mark.index
            if id(key) in self.defined or not isinstance(key, ScalarNode):  # `*k : v` or a complex key
                e.start = _skip_space(text, prev)
                e.key_end = _token_end(text, e.start)
                e.odd_key = True
            self.defined.setdefault(id(key), e.path)
            c = e.key_end
            while text[c : c + 1] in (" ", "\t"):
                c += 1
            e.colon = c if text[c : c + 1] == ":" else None
            self._place(e)
            self._value(e, value, c + 1 if e.colon is not None else e.key_end)
            if text[text.rfind("\n", 0, e.start) + 1 : e.start].rstrip().endswith("?"):
                e.odd_key = True  # an explicit key (`? key`)
            kids.append(e)
            self._visit(e)
            prev = max(e.vend, e.key_end)
        return kids

    def _seq_kids(self, parent: _Entry) -> list[_Entry]:
        text, kids, flow = self.text, [], bool(parent.node.flow_style)
        pos = _skip_props(text, parent.node.start_mark.index)
        if flow:
            pos += 1
        for idx, item in enumerate(parent.node.value):
            e = _Entry((*parent.path, idx), "seq", idx, flow)
            j = _skip_space(text, pos)
            if flow and text[j : j + 1] == ",":
                j = _skip_space(text, j + 1)
            elif not flow and text[j : j + 1] != "-":
                raise YamlEditError(
                    f"line {self.lines.line_of(j) + 1}: cannot locate the '-' of {_fmt_path(e.path)}"
                )
            e.start = j
            self._place(e)
            self._value(e, item, j if flow else j + 1)
            kids.append(e)
            self._visit(e)
            pos = e.vend
        return kids

    # -- spans

    def span(self, e: _Entry) -> tuple[int, int, int]:
        """(first line with its own leading comments, line of the key or '-', last line with trailing comments)."""
        if e.span is None:
            lines, interior = self.lines, self.interior
            head = e.line
            last = lines.line_of(max(e.vend - 1, e.start)) if e.kind != "root" else lines.n - 1
            j = last + 1
            while j < lines.n:
                if lines.blank(j):
                    j += 1
                elif not interior[j] and lines.is_comment(j) and lines.indent(j) > e.col:
                    last = j
                    j += 1
                else:
                    break
            first = head
            while (
                not e.inline
                and e.kind != "root"
                and lines.is_comment(first - 1)
                and not interior[first - 1]
                and lines.indent(first - 1) == e.col
            ):
                first -= 1
            e.span = (first, head, last)
        return e.span


def _skip_props(text: str, i: int) -> int:
    """Skip a node's anchor and tag (`&a !t `) to its content."""
    while text[i : i + 1] in ("&", "!"):
        i = _token_end(text, i)
        while text[i : i + 1] in (" ", "\t"):
            i += 1
    return i


# ----------------------------------------------------------------------------------- expected data


def _plain(obj: Any, memo: dict[int, Any]) -> Any:
    if isinstance(obj, dict):
        if id(obj) in memo:
            return memo[id(obj)]
        out: dict = {}
        memo[id(obj)] = out
        for key, value in obj.items():
            out[_plain(key, memo)] = _plain(value, memo)
        return out
    if isinstance(obj, list):
        if id(obj) in memo:
            return memo[id(obj)]
        seq: list = []
        memo[id(obj)] = seq
        seq.extend(_plain(v, memo) for v in obj)
        return seq
    if isinstance(obj, TaggedScalar):
        tag = str(obj.tag.value if hasattr(obj.tag, "value") else obj.tag)
        value = "" if obj.value is None else str(obj.value)
        if tag.startswith("!"):
            return f"{tag} {value}" if value else tag
        return value
    if isinstance(obj, (ScalarBoolean, bool)):
        return bool(obj)
    for kind in (int, float, str):
        if isinstance(obj, kind):
            return kind(obj)
    return obj


def _canon(obj: Any) -> Any:
    """Comparable form that keeps key order and scalar types (True is not 1)."""
    if isinstance(obj, dict):
        return ("{}", tuple((_canon(k), _canon(v)) for k, v in obj.items()))
    if isinstance(obj, list):
        return ("[]", tuple(_canon(v) for v in obj))
    return (type(obj).__name__, obj)


class _SMap:
    """Shadow mapping: items [sortkey, original key or None, key, value], sorted by text position."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[list] = []


class _SSeq:
    """Shadow sequence: items [sortkey, original index or None, None, value]."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[list] = []


_FAR = float("inf")


def _shadow(value: Any, path: YamlPath, index: _Index, memo: dict[int, Any]) -> Any:
    if not isinstance(value, (dict, list)):
        return value
    if id(value) in memo:
        return memo[id(value)]
    out: _SMap | _SSeq = _SMap() if isinstance(value, dict) else _SSeq()
    memo[id(value)] = out
    pairs = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in pairs:
        entry = index.entries.get((*path, key))
        sortkey = (entry.start if entry is not None else _FAR, 1, 0)
        orig_key = key if isinstance(value, dict) else None
        out.items.append([sortkey, key, orig_key, _shadow(item, (*path, key), index, memo)])
    return out


def _unshadow(value: Any) -> Any:
    if isinstance(value, _SMap):
        return {item[2]: _unshadow(item[3]) for item in sorted(value.items, key=lambda it: it[0])}
    if isinstance(value, _SSeq):
        return [_unshadow(item[3]) for item in sorted(value.items, key=lambda it: it[0])]
    return value


# ------------------------------------------------------------------------------------------ writing

_R11 = VersionedResolver(version=(1, 1))
_R12 = VersionedResolver(version=(1, 2))
_STR_TAG = "tag:yaml.org,2002:str"
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")
_INDICATORS = "-?:,[]{}#&*!|>'\"%@`"
_FLOW_UNSAFE = re.compile(r"[,\[\]{}:#]")


def _resolves_to_str(s: str) -> bool:
    """Read as a string by YAML 1.1 and 1.2 readers alike (so not yes/on/1.0/~/2020-01-01...)."""
    return all(str(r.resolve(ScalarNode, s, (True, False))) == _STR_TAG for r in (_R11, _R12))


def _plain_ok(s: str, flow: bool = False) -> bool:
    """`s` can be written as a plain scalar and reads back as the same string."""
    if not s or s != s.strip() or "\t" in s or "\n" in s or _UNPRINTABLE.search(s):
        return False
    if s[0] in _INDICATORS and not (s[0] in "-?:" and len(s) > 1 and s[1] not in " ,[]{}"):
        return False
    if s.startswith(("---", "...")) or ": " in s or " #" in s or s.endswith(":"):
        return False
    if flow and _FLOW_UNSAFE.search(s):
        return False
    return _resolves_to_str(s)


def _single_quoted(s: str) -> str | None:
    if "\n" in s or _UNPRINTABLE.search(s):
        return None
    return "'" + s.replace("'", "''") + "'"


def _double_quoted(s: str) -> str:
    out = []
    for c in s:
        if c in '\\"':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif _UNPRINTABLE.match(c):
            code = ord(c)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _quoted(s: str, quote: str) -> str:
    return (_single_quoted(s) if quote == "'" else None) or _double_quoted(s)


def _float_text(value: float) -> str:
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    return text if any(c in text for c in ".en") else text + ".0"


def _scalar_text(value: Any, style: Style, *, flow: bool = False, quote: str | None = None) -> str | None:
    """Single-line text of a scalar; None for a multi-line string (a block scalar, outside flow)."""
    if isinstance(value, Raw):
        if "\n" in value or "\r" in value:
            raise YamlEditError(f"Raw text must be a single line: {value!r}")
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _float_text(value)
    if not isinstance(value, str):
        raise YamlEditError(f"cannot write a value of type {type(value).__name__}")
    if "\n" in value and not flow:
        return None
    if quote is None and _plain_ok(value, flow):
        return value
    return _quoted(value, quote or style.quote)


def _key_text(key: str | int, style: Style, quote: str | None = None) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    if not isinstance(key, str):
        raise YamlEditError(f"mapping keys must be strings, not {type(key).__name__}")
    if quote is None and _plain_ok(key) and ":" not in key and "#" not in key:
        return key
    return _quoted(key, quote or style.quote)


def _chomp_of(value: str) -> tuple[str, int]:
    trailing = len(value) - len(value.rstrip("\n"))
    return ("-" if trailing == 0 else "" if trailing == 1 else "+"), trailing


def _block_lines(value: str, col: int, parent_col: int, folded: bool = False) -> tuple[str, list[str]] | None:
    """Header (`|-`, `>2` ...) and content lines of a block scalar for `value`, or None if it cannot be one."""
    if "\r" in value or _UNPRINTABLE.search(value):
        return None
    chomp, trailing = _chomp_of(value)
    body = value[: len(value) - trailing]
    if not body.strip():
        return None
    segments = body.split("\n")
    if folded:
        if segments[0] == "" or any(s[:1] in (" ", "\t") for s in segments):
            return None
        segments = _fold_segments(segments)
    first = next(s for s in segments if s.strip())
    leading_ws = any(s and not s.strip() for s in segments[: segments.index(first)])
    indicator = ""
    if first[0] in " \t" or leading_ws:
        if not 1 <= col - parent_col <= 9:
            return None
        indicator = str(col - parent_col)
    out = [(" " * col + s) if s else "" for s in segments] + [""] * max(0, trailing - 1)
    return (">" if folded else "|") + indicator + chomp, out


def _fold_segments(segments: list[str]) -> list[str]:
    """Lines of a folded scalar whose value has these newline-separated segments."""
    out = [segments[0]]
    for seg in segments[1:]:
        out.append("")
        if seg:
            out.append(seg)
    return out


_HEADER_LINE = re.compile(r"(?:^|[\s:-])[|>]([1-9+-]{0,2})\s*(?:#.*)?$")


def _ends_in_block_scalar(lines: list[str]) -> bool:
    """Whether the last of these lines is content of a block scalar that keeps its final line break
    (text appended at the end of a file without a final newline then needs one)."""
    for i in range(len(lines) - 1, -1, -1):
        match = _HEADER_LINE.search(lines[i])
        if match is None:
            continue
        indent = len(lines[i]) - len(lines[i].lstrip(" "))
        if all(not line.strip() or len(line) - len(line.lstrip(" ")) > indent for line in lines[i + 1 :]):
            return "-" not in match.group(1)
        return False
    return False


def _dashed(line: str, dash_col: int) -> str:
    """Put the '-' of a sequence item at dash_col on a line indented for the item's content."""
    return " " * dash_col + "-" + line[dash_col + 1 :]


class _Writer:
    """Writes new values as YAML lines in a document's style."""

    def __init__(self, style: Style):
        self.style = style

    def entry(self, key: str | int, value: Any, col: int) -> list[str]:
        head, lines = self.value(value, col, col + self.style.indent, col + self.style.seq_indent)
        return [" " * col + _key_text(key, self.style) + ":" + head, *lines]

    def value(self, value: Any, parent_col: int, map_col: int, seq_col: int) -> tuple[str, list[str]]:
        """Text after `key:` on the key line, and the lines that follow it."""
        if isinstance(value, FlowList):
            return " " + self.flow(value), []
        if isinstance(value, dict):
            if not value:
                return " {}", []
            return "", [line for k, v in value.items() for line in self.entry(k, v, map_col)]
        if isinstance(value, list):
            if not value:
                return " []", []
            return "", [line for v in value for line in self.item(v, seq_col)]
        if value is None:
            return "", []
        text = _scalar_text(value, self.style)
        if text is not None:
            return " " + text, []
        block = _block_lines(value, map_col, parent_col)
        if block is None:
            return " " + _double_quoted(value), []
        return " " + block[0], block[1]

    def item(self, value: Any, dash_col: int, offset: int = 2) -> list[str]:
        pad = dash_col + offset
        if isinstance(value, dict) and value and not isinstance(value, FlowList):
            lines = [line for k, v in value.items() for line in self.entry(k, v, pad)]
        elif isinstance(value, list) and value and not isinstance(value, FlowList):
            lines = [line for v in value for line in self.item(v, pad)]
        else:
            head, rest = (" null", []) if value is None else self.value(value, dash_col, pad, pad)
            return [" " * dash_col + "-" + " " * (offset - 1) + head.lstrip(" "), *rest]
        lines[0] = _dashed(lines[0], dash_col)
        return lines

    def flow(self, items: list) -> str:
        if not items:
            return "[]"
        pad = " " if self.style.flow_space else ""
        return "[" + pad + ", ".join(self.flow_value(v) for v in items) + pad + "]"

    def flow_map(self, value: dict, pad: str) -> str:
        if not value:
            return "{}"
        inner = ", ".join(f"{_key_text(k, self.style)}: {self.flow_value(v)}" for k, v in value.items())
        return "{" + pad + inner + pad + "}"

    def flow_value(self, value: Any) -> str:
        if isinstance(value, list):
            return self.flow(value)
        if isinstance(value, dict):
            return self.flow_map(value, "")
        return _scalar_text(value, self.style, flow=True) or "null"


def _comment_lines(comment: str | list[str] | None, col: int) -> list[str]:
    if comment is None:
        return []
    parts = comment.split("\n") if isinstance(comment, str) else [p for c in comment for p in c.split("\n")]
    return [" " * col + ("# " + p if p.strip() else "#").rstrip() for p in parts]


def _plain_value(value: Any) -> Any:
    """The plain data a value given to an edit reads back as."""
    if isinstance(value, Raw):
        if "\n" in value or "\r" in value:
            raise YamlEditError(f"Raw text must be a single line: {value!r}")
        try:
            loaded = YAML().load("v: " + str(value) + "\n")
        except YAMLError as exc:
            raise YamlEditError(f"Raw text is not a YAML value: {value!r} ({exc})") from None
        return _plain(loaded["v"], {})
    if isinstance(value, dict):
        return {k: _plain_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, str)):
        return value
    raise YamlEditError(f"cannot write a value of type {type(value).__name__}")


# ---------------------------------------------------------------------------------------- splices


@dataclass
class _Splice:
    start: int
    end: int
    text: str
    seq: int
    path: YamlPath
    kind: str = "edit"  # "edit", "delete" (resolved at render), "flow" (a flow sequence rewritten at render)


def _overlap(a: _Splice, b: _Splice) -> bool:
    if a.start == a.end and b.start == b.end:
        return False
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def _apply(text: str, splices: list[_Splice]) -> str:
    out, pos = [], 0
    # Insertions at one place: the deeper container's first (its new last items end inside the span that a
    # shallower insertion follows), then in the order they were queued.
    for sp in sorted(splices, key=lambda s: (s.start, s.end > s.start, -len(s.path), s.seq)):
        out.append(text[pos : sp.start])
        out.append(sp.text)
        pos = max(pos, sp.end)
    out.append(text[pos:])
    return "".join(out)


# ------------------------------------------------------------------------------------ flow models


class _FlowModel:
    """A flow sequence being edited: its items' texts and separators, rewritten as one splice at render."""

    def __init__(self, text: str, entry: _Entry, style: Style, seq: int):
        kids = entry.kids or []
        self.open = _skip_props(text, entry.vstart)
        self.close = entry.vend - 1
        self.seq = seq
        self.items: list[list] = [[k.key, text[k.vstart : k.vend]] for k in kids]
        self.seps = [text[a.vend : b.vstart] for a, b in itertools.pairwise(kids)]
        if kids:
            self.lead = text[self.open + 1 : kids[0].vstart]
            self.trail = text[kids[-1].vend : self.close]
        else:
            spaced = text[self.open + 1 : self.close] != "" or style.flow_space
            self.lead = self.trail = " " if spaced else ""

    def find(self, orig: int) -> int:
        for i, item in enumerate(self.items):
            if item[0] == orig:
                return i
        raise YamlEditError(f"item {orig} of the flow sequence was already removed")

    def render(self) -> str:
        if not self.items:
            return ""
        default = self.seps[0] if self.seps else ", "
        out = [self.lead]
        for i, (orig, item) in enumerate(self.items):
            if i:
                prev = self.items[i - 1][0]
                adjacent = orig is not None and prev is not None and orig == prev + 1
                out.append(self.seps[prev] if adjacent else default)
            out.append(item)
        out.append(self.trail)
        return "".join(out)


# ------------------------------------------------------------------------------------ shadow edits


_NEW = object()


class _ShadowOps:
    """Applies each edit to the shadow copy of the data that `render()` checks the output against."""

    _seq: int
    _shadow: Any

    def _s_find(self, container: Any, orig: Any) -> list | None:
        if isinstance(container, (_SMap, _SSeq)):
            for item in container.items:
                if item[1] is not _NEW and item[1] == orig:
                    return item
        return None

    def _s_at(self, path: YamlPath) -> Any:
        node = self._shadow()
        for part in path:
            item = self._s_find(node, part)
            if item is None:
                raise YamlEditError(
                    f"{self._where(self._near(path).start)}: {_fmt_path(path)} was removed or replaced by an earlier edit"
                )
            node = item[3]
        return node

    def _s_container(self, path: YamlPath, kind: type) -> _SMap | _SSeq:
        node = self._s_at(path)
        if isinstance(node, kind):
            return node
        if node is None or node == {} or node == []:
            new = kind()
            parent = self._s_find(self._s_at(path[:-1]), path[-1])
            parent[3] = new
            return new
        raise YamlEditError(f"{_fmt_path(path)} is not a {'mapping' if kind is _SMap else 'sequence'}")

    def _s_set(self, path: YamlPath, value: Any) -> None:
        item = self._s_find(self._s_at(path[:-1]), path[-1])
        if item is None:
            raise YamlEditError(
                f"{self._where(self._near(path).start)}: {_fmt_path(path)} was removed by an earlier edit"
            )
        item[3] = value

    def _s_set_all(self, e: _Entry, value: Any) -> None:
        """Set the value at e and at every alias of e's (anchored, kept) node: they read the same value."""
        self._s_set(e.path, value)
        for other in self._index.entries.values():
            if other.alias and other.node is e.node and other.path[-1] != "<<":
                try:
                    self._s_set(other.path, value)
                except YamlEditError:
                    continue  # the alias itself was removed or replaced

    def _s_insert(self, path: YamlPath, key: Any, value: Any, pos: int, kind: type = _SMap) -> None:
        container = self._s_container(path, kind)
        container.items.append([(pos, 0, self._seq), _NEW, key, value])

    def _s_delete(self, path: YamlPath) -> None:
        container = self._s_at(path[:-1])
        item = self._s_find(container, path[-1])
        if item is None:
            raise YamlEditError(
                f"{self._where(self._near(path).start)}: {_fmt_path(path)} was already removed"
            )
        container.items.remove(item)

    def _s_rename(self, path: YamlPath, new_key: str) -> None:
        item = self._s_find(self._s_at(path[:-1]), path[-1])
        if item is None:
            raise YamlEditError(
                f"{self._where(self._near(path).start)}: {_fmt_path(path)} was removed by an earlier edit"
            )
        item[2] = new_key


# -------------------------------------------------------------------------------------- text edits


def _flat(value: Any) -> bool:
    """A non-empty list or dict of scalars (what a flow collection holds on one line)."""
    if not isinstance(value, (list, dict)) or not value:
        return False
    items = value.values() if isinstance(value, dict) else value
    return not any(isinstance(v, (list, dict)) for v in items)


def _is_block_value(value: Any) -> bool:
    return isinstance(value, (dict, list)) and not isinstance(value, FlowList) and bool(value)


class _Placement:
    """Shared helpers of the edit operations: where things are, how lines are inserted."""

    text: str
    style: Style
    _index: _Index
    _splices: list[_Splice]
    _seq: int

    # -- positions

    def _nl(self, line: int) -> str:
        """The line ending to copy near `line` (mixed files: the neighbour's)."""
        lines = self._index.lines
        for i in (line, line - 1, line + 1):
            if 0 <= i < lines.n and lines.eol(i):
                return lines.eol(i)
        return self.style.newline

    def _anchor_prefix(self, e: _Entry) -> tuple[int, str]:
        """(index after the value's properties, the anchor text to keep); tags are dropped by a rewrite."""
        text, i, kept = self.text, e.vstart, []
        while text[i : i + 1] in ("&", "!"):
            end = _token_end(text, i)
            if text[i] == "&":
                kept.append(text[i:end])
            i = end
            while text[i : i + 1] in (" ", "\t"):
                i += 1
        return i, (" ".join(kept) + " ") if kept else ""

    def _pre(self, e: _Entry) -> int:
        """Where a value written on the key's (or dash's) line goes: after ':' / '-' and any anchor on that line."""
        if e.kind == "root":
            raise YamlEditError(f"{self._where(e.start)}: cannot rewrite the document root")
        pos = e.colon + 1 if e.kind == "map" and e.colon is not None else e.start + 1
        lines = self._index.lines
        props = _skip_space(self.text, pos)
        if self.text[props : props + 1] in ("&", "!") and lines.line_of(props) == lines.line_of(pos):
            pos = _skip_props(self.text, props)
            while pos > props and self.text[pos - 1] in " \t":
                pos -= 1
        return pos

    def _child_col(self, e: _Entry, sequence: bool) -> int:
        """Column of the children of `e` (keys, or '-' when sequence) when it has none yet."""
        if e.kind == "root":
            return 0
        if e.kind == "seq":
            return e.col + 2
        return e.col + (self.style.seq_indent if sequence else self.style.indent)

    def _content_col(self, e: _Entry) -> int:
        """Column of the content of a value written after `key:` or `- ` on later lines."""
        if e.kind == "seq":
            return e.col + self._item_offset([e])
        return e.col + self.style.indent

    def _item_offset(self, items: list[_Entry]) -> int:
        for item in items:
            if not item.empty and not item.flow and self._index.lines.line_of(item.vstart) == item.line:
                return max(2, item.vstart - item.start)
        return 2

    def _blank_habit(self, kids: list[_Entry]) -> bool:
        """Whether the siblings are mostly separated by blank lines (jobs, steps...)."""
        idx = self._index
        gaps = blanks = 0
        for a, b in itertools.pairwise(kids):
            last, first = idx.span(a)[2], idx.span(b)[0]
            gaps += 1
            blanks += any(idx.lines.blank(i) for i in range(last + 1, first))
        return gaps > 0 and blanks * 2 > gaps

    # -- line insertion

    def _insert_lines(
        self, pos: int, lines: list[str], path: YamlPath, blank_before: bool, blank_after: bool
    ) -> None:
        table, text = self._index.lines, self.text
        if pos >= len(text) and text and not text.endswith("\n"):
            nl = self._nl(table.n - 1)
            body = (
                nl
                + (nl if blank_before else "")
                + nl.join(lines)
                + (nl if _ends_in_block_scalar(lines) else "")
            )
            self._fix_final_block_scalar(path)
        else:
            nl = self._nl(table.line_of(pos - 1) if pos > 0 else 0)
            body = (
                (nl if blank_before else "")
                + "".join(line + nl for line in lines)
                + (nl if blank_after else "")
            )
        self._queue(pos, pos, body, path)

    def _fix_final_block_scalar(self, path: YamlPath) -> None:
        """Text appended after a block scalar that ends the file without a newline: make it `-` chomped,
        so the line break now needed after its last line does not become part of its value."""
        if getattr(self, "_eof_fixed", False):
            return
        self._eof_fixed = True
        for e in self._index.block_scalars:
            if e.node.end_mark.index < len(self.text):
                continue
            header = _BLOCK_HEADER.match(self.text, _skip_props(self.text, e.vstart))
            if header and "-" not in header.group(0):
                digits = "".join(c for c in header.group(2) + header.group(3) if c.isdigit())
                self._queue(header.start(2), header.end(3), digits + "-", path)

    def _separation(self, pos: int, kids: list[_Entry], blank_line: bool | None) -> tuple[bool, bool]:
        """Blank lines to write before/after lines inserted at pos among `kids`."""
        habit = self._blank_habit(kids) if blank_line is None else blank_line
        if not habit or not kids:
            return False, False
        table, span = self._index.lines, self._index.span
        first, last = span(kids[0])[0], span(kids[-1])[2]
        above = table.line_of(pos - 1) if pos > 0 else -1
        below = table.line_of(pos) if pos < len(self.text) else table.n
        before = first <= above <= last and not table.blank(above)
        after = first <= below <= last and not table.blank(below)
        return before, after


class _ValueOps(_Placement):
    """Replacing a value in place, keeping its style."""

    def _replace_value(self, e: _Entry, value: Any) -> None:
        if e.key_node is not None and e.key_node.tag == "tag:yaml.org,2002:merge":
            raise YamlEditError(f"{self._where(e.start)}: cannot replace the merge key {_fmt_path(e.path)}")
        if e.block or isinstance(e.node, (MappingNode, SequenceNode)):
            self._guard_anchors(e, e.vstart, e.vend, strict=True)
        if e.flow and e.kind == "seq":
            self._set_flow_item(e, self._flow_item(value, e))
            return None
        if not e.alias and getattr(e.node, "flow_style", False) and _flat(value):
            if isinstance(e.node, SequenceNode) and isinstance(value, list):
                value = FlowList(value)
            elif isinstance(e.node, MappingNode) and isinstance(value, dict):
                pad = " " if self.text[_skip_props(self.text, e.vstart) + 1] == " " else ""
                return self._put_scalar(e, _Writer(self.style).flow_map(value, pad), [])
        if e.flow and _is_block_value(value):
            raise YamlEditError(
                f"{self._where(e.start)}: cannot write a block value inside the flow collection at {_fmt_path(e.path)}"
            )
        if _is_block_value(value):
            return self._put_block(e, self._block_for(e, value))
        block_scalar = not e.alias and getattr(e.node, "style", None) in ("|", ">")
        if (
            isinstance(value, str)
            and not isinstance(value, Raw)
            and block_scalar
            and self._rewrite_block_scalar(e, value)
        ):
            return None
        head, extra = self._scalar_for(e, value)
        return self._put_scalar(e, head, extra)

    def _scalar_for(self, e: _Entry, value: Any, quote: str | None = None) -> tuple[str, list[str]]:
        """Text on the key's line and following lines for a non-block value, in the old value's style."""
        node = e.node
        if isinstance(value, FlowList):
            return self._flow_text(e, value), []
        if isinstance(value, (dict, list)):
            return ("{}" if isinstance(value, dict) else "[]"), []
        if value is None and e.kind == "map" and not e.flow:
            return "", []
        if quote is None and not e.alias and isinstance(node, ScalarNode) and node.style in ("'", '"'):
            quote = node.style
        text = _scalar_text(value, self.style, flow=e.flow, quote=quote)
        if text is not None:
            return text, []
        block = _block_lines(value, self._content_col(e), e.col)
        if block is None:
            return _double_quoted(value), []
        return block[0], block[1]

    def _flow_text(self, e: _Entry, items: list) -> str:
        node, style = e.node, self.style
        if not e.alias and isinstance(node, SequenceNode) and node.flow_style and node.value:
            open_ = _skip_props(self.text, e.vstart)
            style = Style(
                style.indent, style.seq_indent, style.newline, style.quote, self.text[open_ + 1] == " "
            )
        return _Writer(style).flow(items)

    def _block_for(self, e: _Entry, value: dict | list) -> list[str]:
        """Fully indented lines of a new block value of `e`."""
        writer, node = _Writer(self.style), e.node
        same = not e.alias and e.block and isinstance(node, MappingNode) == isinstance(value, dict)
        if e.kind == "seq":
            col = e.col + self._item_offset([e])
        elif same:
            col = e.kids[0].col
        else:
            col = self._child_col(e, isinstance(value, list))
        if isinstance(value, dict):
            return [line for k, v in value.items() for line in writer.entry(k, v, col)]
        offset = self._item_offset(e.kids) if same else 2
        return [line for v in value for line in writer.item(v, col, offset)]

    def _put_block(self, e: _Entry, lines: list[str]) -> None:
        table = self._index.lines
        if e.kind == "seq":
            if e.empty:
                start = end = e.start + 1
                lines = [" " + lines[0].lstrip(" "), *lines[1:]]
            else:
                start, end = self._anchor_prefix(e)[0], e.vend
                lines = [lines[0].lstrip(" "), *lines[1:]]
            nl = self._nl(e.line)
            self._queue(start, end, nl.join(lines), e.path)
            return
        if e.block:
            start = table.start(e.kids[0].line)
            self._queue(start, e.vend, self._nl(e.line).join(lines), e.path)
            return
        pre = self._pre(e)
        last = table.line_of(max(e.vend - 1, pre))
        end = table.end(last)
        tail = self.text[e.vend : end] if e.vend > pre else self.text[pre:end]
        nl = self._nl(last)
        self._queue(pre, end, tail + nl + nl.join(lines), e.path)

    def _put_scalar(self, e: _Entry, head: str, extra: list[str]) -> None:
        table = self._index.lines
        if e.block:
            start, end = self._after_indicator(e), e.vend
            props_here = table.line_of(e.vstart) == e.line
            core, prefix = self._anchor_prefix(e) if props_here else (start, "")
            rest = self.text[max(core, start) : table.end(e.line)]
            tail = rest if rest.strip().startswith("#") else ""
            body = (prefix + head).strip(" ")
            text = (" " + body if body else "") + tail
        elif e.empty:
            start = end = e.vstart
            text = " " + head if head else ""
        else:
            prefix = self._anchor_prefix(e)[1]
            if head or prefix:
                start, end, text = e.vstart, e.vend, (prefix + head).rstrip(" ")
            else:
                start, end, text = self._after_indicator(e), e.vend, ""
        if extra:
            last = table.line_of(max(end - 1, start))
            line_end = table.end(last)
            nl = self._nl(last)
            text = text + self.text[end:line_end] + nl + nl.join(extra)
            end = line_end
        self._queue(start, end, text, e.path)

    def _rewrite_block_scalar(self, e: _Entry, value: str) -> bool:
        """Write `value` as the same kind of block scalar (indicator and content indentation kept)."""
        text, table = self.text, self._index.lines
        core = _skip_props(text, e.vstart)
        header = _BLOCK_HEADER.match(text, core)
        if header is None:
            return False
        indicators = header.group(2) + header.group(3)
        digit = next((c for c in indicators if c.isdigit()), "")
        col = self._block_content_col(e, digit)
        block = _block_lines(value, col, e.col, folded=header.group(1) == ">")
        if block is None:
            return False
        new_header, lines = block
        if digit:
            chomp = _chomp_of(value)[0]
            first_chomp = indicators[:1] in ("+", "-")
            new_header = header.group(1) + (chomp + digit if first_chomp else digit + chomp)
        header_line = table.line_of(core)
        tail = text[header.end() : table.end(header_line)]
        nl = self._nl(header_line)
        self._queue(
            core, max(e.vend, table.end(header_line)), new_header + tail + nl + nl.join(lines), e.path
        )
        return True

    def _after_indicator(self, e: _Entry) -> int:
        return e.colon + 1 if e.kind == "map" and e.colon is not None else e.start + 1

    def _block_content_col(self, e: _Entry, digit: str) -> int:
        if digit:
            return e.col + int(digit)
        table = self._index.lines
        first = table.line_of(_skip_props(self.text, e.vstart)) + 1
        last = table.line_of(max(e.vend - 1, 0))
        for i in range(first, last + 1):
            if table.line(i).strip():
                return table.indent(i)
        return self._content_col(e)


class _StructureOps(_ValueOps, _ShadowOps):
    """Entries and items: insert, delete, rename, flow sequences."""

    _removed: dict[YamlPath, list[_Entry]]
    _added: Counter
    _opened: set[YamlPath]
    _flows: dict[YamlPath, _FlowModel]

    # -- mappings

    def _open_mapping(self, parent: _Entry) -> list[_Entry]:
        node = parent.node
        if not parent.alias and isinstance(node, MappingNode):
            if not node.flow_style:
                return parent.kids or []
            if not node.value:
                self._open_empty(parent)
                return []
            raise YamlEditError(
                f"{self._where(parent.vstart)}: cannot insert into the flow mapping at {_fmt_path(parent.path)}"
            )
        if parent.empty:
            return []
        raise YamlEditError(f"{self._where(parent.start)}: {_fmt_path(parent.path)} is not a mapping")

    def _open_empty(self, parent: _Entry) -> None:
        """`key: {}` / `key: []` about to receive block children: drop the empty flow collection."""
        if parent.path in self._opened:
            return
        self._opened.add(parent.path)
        prefix = self._anchor_prefix(parent)[1].strip()
        self._queue(self._after_indicator(parent), parent.vend, " " + prefix if prefix else "", parent.path)

    def _map_slot(
        self, parent: _Entry, kids: list[_Entry], after: Any, before: Any
    ) -> tuple[int, int, _Entry | None]:
        """(insertion index, key column, the sibling whose line it shares when inserting before an inline key)."""
        table, span = self._index.lines, self._index.span
        if after is not None and before is not None:
            raise YamlEditError("give after= or before=, not both")
        if not kids:
            if after is not None or before is not None:
                raise YamlEditError(
                    f"{self._where(parent.start)}: {_fmt_path(parent.path)} has no entries to place after/before"
                )
            line = table.line_of(max(parent.vend - 1, parent.start))
            return table.next(line), self._child_col(parent, False), None
        col = kids[0].col
        if before is not None:
            sib = self._kid(parent, kids, before)
            if sib.inline:
                return sib.start, col, sib
            return table.start(span(sib)[0]), col, None
        sib = self._kid(parent, kids, after) if after is not None else kids[-1]
        return table.next(span(sib)[2]), col, None

    def _kid(self, parent: _Entry, kids: list[_Entry], key: Any) -> _Entry:
        for kid in kids:
            if kid.key == key:
                return kid
        raise YamlEditError(
            f"{self._where(parent.start)}: no {_fmt_path((*parent.path, key))} to place the new entry next to"
        )

    def _check_new_key(self, path: YamlPath, key: Any) -> None:
        container = self._s_at(path)
        if not isinstance(container, _SMap):
            return
        for item in container.items:
            if item[2] == key and item[0][0] == _FAR:
                container.items.remove(item)  # a key from a merge (<<): an explicit entry overrides it
                return
            if item[2] == key:
                where = (
                    self._where(self._index.entries[path].start) if path in self._index.entries else "<yaml>"
                )
                raise YamlEditError(f"{where}: {_fmt_path(path)} already has the key {key!r}")

    def _insert_inline(self, sib: _Entry, lines: list[str], comment: Any, path: YamlPath) -> None:
        """New entries before the first key of `- key: v`: they take the dash line, the old key moves down."""
        table, col = self._index.lines, sib.col
        nl = self._nl(sib.line)
        self._queue(sib.start, sib.start, nl.join([lines[0][col:], *lines[1:]]) + nl + " " * col, path)
        if comment is not None:
            self._insert_lines(
                table.start(sib.line), _comment_lines(comment, table.indent(sib.line)), path, False, False
            )

    def _insert_map_lines(
        self,
        path: YamlPath,
        parent: _Entry,
        lines_at: Any,
        after: Any,
        before: Any,
        comment: Any,
        blank_line: bool | None,
    ) -> int:
        """Insert entry lines (lines_at(col) -> list) into the mapping at path; returns the insertion index."""
        kids = self._open_mapping(parent)
        pos, col, inline_sib = self._map_slot(parent, kids, after, before)
        lines = lines_at(col)
        if inline_sib is not None:
            self._insert_inline(inline_sib, lines, comment, path)
        else:
            blank_before, blank_after = self._separation(pos, kids, blank_line)
            self._insert_lines(pos, _comment_lines(comment, col) + lines, path, blank_before, blank_after)
        self._added[path] += 1
        return pos

    def _comment_above(self, e: _Entry, comment: Any) -> None:
        table = self._index.lines
        lines = _comment_lines(comment, table.indent(e.line))
        self._insert_lines(table.start(e.line), lines, e.path[:-1], False, False)

    # -- deletion

    def _guard_anchors(self, e: _Entry, start: int, end: int, strict: bool) -> None:
        """Refuse to remove an anchor (in e's key or value; strict: below e only) that an alias outside uses."""
        idx, depth = self._index, len(e.path)
        for other in idx.entries.values():
            if not other.alias or start <= other.vstart < end:
                continue
            target = idx.defined.get(id(other.node), ())
            if target[:depth] == e.path and len(target) > (depth if strict else depth - 1):
                raise YamlEditError(
                    f"{self._where(other.vstart)}: the alias {self.text[other.vstart : other.vend]} uses an anchor "
                    f"that the edit of {_fmt_path(e.path)} would remove"
                )

    def _queue_delete(self, e: _Entry) -> None:
        table = self._index.lines
        first, _head, last = self._index.span(e)
        start = e.start if e.inline else table.start(first)
        self._guard_anchors(e, start, table.next(last), strict=False)
        self._queue(start, table.next(last), "", e.path, kind="delete")
        self._removed.setdefault(e.path[:-1], []).append(e)

    # -- sequences

    def _flow_model(self, parent: _Entry) -> _FlowModel:
        model = self._flows.get(parent.path)
        if model is None:
            model = _FlowModel(self.text, parent, self.style, self._seq)
            self._queue(model.open + 1, model.close, "", parent.path, kind="flow")
            self._flows[parent.path] = model
        return model

    def _flow_item(self, value: Any, old: _Entry | None) -> str:
        quote = None
        if (
            old is not None
            and not old.alias
            and isinstance(old.node, ScalarNode)
            and old.node.style in ("'", '"')
        ):
            quote = old.node.style
        if isinstance(value, str) and not isinstance(value, Raw):
            return _scalar_text(value, self.style, flow=True, quote=quote) or "''"
        return _Writer(self.style).flow_value(value)

    def _set_flow_item(self, e: _Entry, text: str) -> None:
        model = self._flow_model(self._index.entries[e.path[:-1]])
        model.items[model.find(e.key)][1] = text

    def _items_of(self, parent: _Entry) -> list[_Entry]:
        if not parent.alias and isinstance(parent.node, SequenceNode):
            return parent.kids or []
        if parent.empty:
            return []
        raise YamlEditError(f"{self._where(parent.start)}: {_fmt_path(parent.path)} is not a sequence")

    def _add_item(self, seq_path: YamlPath, index: int | None, value: Any) -> None:
        parent = self._container(seq_path)
        plain = _plain_value(value)
        kids = self._items_of(parent)
        if index is not None and not 0 <= index <= len(kids):
            raise YamlEditError(f"{self._where(parent.start)}: no index {index} in {_fmt_path(seq_path)}")
        if index == len(kids):
            index = None
        with self._claim("inside", seq_path):
            pos = self._add_item_at(parent, kids, index, value)
        self._s_insert(seq_path, None, plain, pos, _SSeq)
        self._added[seq_path] += 1

    def _add_item_at(self, parent: _Entry, kids: list[_Entry], index: int | None, value: Any) -> int:
        flow = not parent.alias and isinstance(parent.node, SequenceNode) and parent.node.flow_style
        if flow and not kids and _is_block_value(value):
            self._open_empty(parent)  # `steps: []` receiving a mapping: becomes a block sequence
            flow = False
        if flow:
            return self._flow_add(parent, kids, index, value)
        return self._block_add(parent, kids, index, value)

    def _flow_add(self, parent: _Entry, kids: list[_Entry], index: int | None, value: Any) -> int:
        model = self._flow_model(parent)
        item = [None, self._flow_item(value, None)]
        if index is None:
            model.items.append(item)
            return kids[-1].vend if kids else model.open + 1
        model.items.insert(model.find(index), item)
        return kids[index].vstart

    def _block_add(self, parent: _Entry, kids: list[_Entry], index: int | None, value: Any) -> int:
        table, span = self._index.lines, self._index.span
        if kids:
            dash, offset = kids[0].col, self._item_offset(kids)
            if index is None:
                pos = table.next(span(kids[-1])[2])
            elif kids[index].inline:
                raise YamlEditError(
                    f"{self._where(kids[index].start)}: cannot insert before an item that shares its line"
                )
            else:
                pos = table.start(span(kids[index])[0])
        else:
            dash, offset = self._child_col(parent, True), 2
            pos = table.next(table.line_of(max(parent.vend - 1, parent.start)))
        blank_before, blank_after = self._separation(pos, kids, None)
        self._insert_lines(
            pos, _Writer(self.style).item(value, dash, offset), parent.path, blank_before, blank_after
        )
        return pos


# ------------------------------------------------------------------------------ scalars in place


def _fold(lines: list[str]) -> str:
    """Line folding of a multi-line flow scalar whose lines are already stripped."""
    out, blanks = lines[0], 0
    for line in lines[1:]:
        if not line:
            blanks += 1
            continue
        out += "\n" * blanks if blanks else " "
        out += line
        blanks = 0
    return out + "\n" * blanks


def _flow_scalar_value(src: str, style: str | None) -> str:
    """Value of a plain or quoted scalar's source text (double-quoted: only without escapes)."""
    if style in ("'", '"'):
        src = src[1:-1]
    raw = src.replace("\r\n", "\n").split("\n")
    if len(raw) == 1:
        value = raw[0]
    else:
        value = _fold([raw[0].rstrip(" \t")] + [r.strip(" \t") for r in raw[1:-1]] + [raw[-1].lstrip(" \t")])
    return value.replace("''", "'") if style == "'" else value


def _block_body(src: str, indent: int, folded: bool) -> str | None:
    """Value (without final line breaks) of block scalar content lines; None for folded shapes not handled."""
    lines = []
    for raw in src.replace("\r\n", "\n").split("\n"):
        if raw[:indent].strip():
            return None
        lines.append(raw[indent:] if raw.strip() else "")
    if not folded:
        return "\n".join(lines).rstrip("\n")
    if any(line[:1] in (" ", "\t") for line in lines):
        return None
    return _fold(lines).rstrip("\n")


class _ScalarEdits(_StructureOps):
    """replace_in_scalar: edit the scalar's source where the text appears literally, else rewrite it."""

    def _in_place(
        self, e: _Entry, old: str, new: str, value: str, expected: str
    ) -> tuple[int, int, str] | None:
        style = e.node.style
        if style in ("|", ">"):
            return self._in_place_block(e, old, new, value, expected)
        if "\n" in old or "\n" in new:
            return None
        start, end = _skip_props(self.text, e.vstart), e.vend
        src = self.text[start:end]
        esc_old, esc_new = (old.replace("'", "''"), new.replace("'", "''")) if style == "'" else (old, new)
        if style == '"' and ("\\" in src or any(c in old + new for c in '"\\') or _UNPRINTABLE.search(new)):
            return None
        if src.count(esc_old) != value.count(old):
            return None
        candidate = src.replace(esc_old, esc_new)
        if _flow_scalar_value(candidate, style) != expected:
            return None
        if style is None and not _plain_ok(expected.replace("\n", " "), e.flow):
            return None
        return start, end, candidate

    def _in_place_block(
        self, e: _Entry, old: str, new: str, value: str, expected: str
    ) -> tuple[int, int, str] | None:
        table = self._index.lines
        core = _skip_props(self.text, e.vstart)
        header = _BLOCK_HEADER.match(self.text, core)
        start = table.next(table.line_of(core))
        if header is None or e.vend <= start:
            return None
        indent = self._block_content_col(
            e, next((c for c in header.group(2) + header.group(3) if c.isdigit()), "")
        )
        folded = header.group(1) == ">"
        if folded and ("\n" in old or "\n" in new):
            return None
        pad = "\n" + " " * indent
        esc_old, esc_new = old.replace("\n", pad), new.replace("\n", pad)
        src = self.text[start : e.vend]
        if not esc_old or src.count(esc_old) != value.count(old):
            return None
        candidate = src.replace(esc_old, esc_new)
        if (
            _block_body(candidate, indent, folded) != expected.rstrip("\n")
            or _chomp_of(expected)[1] != _chomp_of(value)[1]
        ):
            return None
        return start, e.vend, candidate

    def _rewrite_same_style(self, e: _Entry, expected: str) -> None:
        style = e.node.style
        if style in ("|", ">"):
            if not self._rewrite_block_scalar(e, expected):
                raise YamlEditError(
                    f"{self._where(e.vstart)}: cannot write the new value of {_fmt_path(e.path)} as a {style} block scalar"
                )
            return
        if style == "'" and "\n" in expected:
            raise YamlEditError(
                f"{self._where(e.vstart)}: cannot write a line break in the single-quoted {_fmt_path(e.path)}"
            )
        head, extra = self._scalar_for(e, expected, quote=style if style in ("'", '"') else None)
        self._put_scalar(e, head, extra)

    def _put_text(self, e: _Entry, start: int, end: int, text: str) -> None:
        if e.flow and e.kind == "seq":
            self._set_flow_item(e, self.text[e.vstart : start] + text + self.text[end : e.vend])
        else:
            self._queue(start, end, text, e.path)


# ------------------------------------------------------------------------------------- fragments


class _Reindent:
    """Re-indent a fragment's lines into a target style, structure first (not a scale of leading spaces)."""

    def __init__(self, doc: YamlDocument, style: Style):
        self.idx, self.style = doc._index, style
        self.lines = self.idx.lines
        self.delta: list[int | None] = [None] * self.lines.n
        self.struct = bytearray(self.lines.n)
        self.scalar_indent: dict[int, int] = {}

    def run(self, base: int) -> list[str]:
        for kid in self.idx.entries[()].kids or []:
            self.place(kid, base)
        self.continuation()
        self.comments()
        return [self.shift(i) for i in range(self.lines.n)]

    def place(self, e: _Entry, col: int) -> None:
        if not e.inline:
            self.delta[e.line] = col - e.col
            self.struct[e.line] = 1
        if not e.block:
            return
        first = e.kids[0]
        if e.kind == "seq" or first.inline:
            child = col + (first.col - e.col)
        elif isinstance(e.node, MappingNode):
            child = col + self.style.indent
        else:
            child = col + self.style.seq_indent
        for kid in e.kids:
            self.place(kid, child)

    def continuation(self) -> None:
        """Lines inside multi-line scalars and flow collections move with the line their value starts on."""
        lines = self.lines
        for e in self.idx.entries.values():
            if e.block or e.alias or e.empty:
                continue
            first, last = lines.line_of(e.vstart), lines.line_of(max(e.vend - 1, e.vstart))
            owner = min(first, e.line) if e.kind != "root" else first
            d = self.delta[owner] or 0
            for i in range(owner + 1, last + 1):
                self.delta[i] = d
            if isinstance(e.node, ScalarNode) and e.node.style in ("|", ">"):
                header = _BLOCK_HEADER.match(self.idx.text, _skip_props(self.idx.text, e.vstart))
                digit = next(
                    (c for c in (header.group(2) + header.group(3) if header else "") if c.isdigit()), ""
                )
                indent = (
                    e.col + int(digit)
                    if digit
                    else min(
                        (lines.indent(i) for i in range(first + 1, last + 1) if lines.line(i).strip()),
                        default=0,
                    )
                )
                for i in range(first + 1, last + 2):
                    self.scalar_indent[i] = indent

    def comments(self) -> None:
        """Comment lines move with the line below them; trailing ones with the nearest line above at their depth."""
        lines, n = self.lines, self.lines.n
        structural = [i for i in range(n) if self.struct[i]]
        for i in range(n):
            if self.delta[i] is not None or not lines.is_comment(i):
                continue
            col = lines.indent(i)
            k = bisect.bisect_right(structural, i)
            below = structural[k] if k < len(structural) else None
            if below is not None and col <= lines.indent(below):
                self.delta[i] = self.delta[below]
                continue
            above = [j for j in structural[:k] if lines.indent(j) <= col]
            pick = above[-1] if above else below
            self.delta[i] = self.delta[pick] if pick is not None else 0

    def shift(self, i: int) -> str:
        line, d = self.lines.line(i), self.delta[i] or 0
        if not line.strip():
            k = len(line)
            if i in self.scalar_indent and k > self.scalar_indent[i]:
                return " " * max(0, k + d)
            return line if d >= 0 else " " * max(0, k + d)
        if d >= 0:
            return " " * d + line
        if line[:-d].strip():
            raise YamlEditError(
                f"line {i + 1} of the fragment is not indented enough to move it left by {-d}"
            )
        return line[-d:]


# ------------------------------------------------------------------------------------- public edits


class _Edits(_ScalarEdits):
    """The edit operations of YamlDocument (paths refer to the original document)."""

    def set_value(
        self,
        path: YamlPath,
        value: Any,
        *,
        after: str | None = None,
        before: str | None = None,
        comment: str | list[str] | None = None,
    ) -> None:
        """Replace the value of an existing key or item keeping its style; insert the key if it is missing."""
        path = tuple(path)
        if not path:
            raise YamlEditError("cannot replace the document root")
        if path not in self._index.entries:
            parent = self._container(path[:-1])
            if isinstance(path[-1], int):
                raise YamlEditError(f"{self._where(parent.start)}: no {_fmt_path(path)} in the document")
            self.insert_entry(path[:-1], path[-1], value, after=after, before=before, comment=comment)
            return
        e = self._entry(path)
        plain = _plain_value(value)
        with self._claim("value", path):
            self._replace_value(e, value)
            if comment is not None:
                self._comment_above(e, comment)
        self._s_set_all(e, plain)

    def insert_entry(
        self,
        mapping_path: YamlPath,
        key: str,
        value: Any,
        *,
        after: str | None = None,
        before: str | None = None,
        comment: str | list[str] | None = None,
        blank_line: bool | None = None,
    ) -> None:
        """A new `key: value` at the end of the mapping, or after/before the named sibling."""
        mapping_path = tuple(mapping_path)
        parent = self._container(mapping_path)
        self._check_new_key(mapping_path, key)
        plain = _plain_value(value)
        writer = _Writer(self.style)
        with self._claim("inside", mapping_path):
            pos = self._insert_map_lines(
                mapping_path,
                parent,
                lambda col: writer.entry(key, value, col),
                after,
                before,
                comment,
                blank_line,
            )
        self._s_insert(mapping_path, key, plain, pos)

    def delete_entry(self, path: YamlPath) -> None:
        """Remove an entry (or item) with its own leading comments and nested lines."""
        path = tuple(path)
        e = self._entry(path)
        if e.kind == "root":
            raise YamlEditError("cannot delete the document root")
        if e.kind == "seq":
            self.remove_item(path[:-1], path[-1])
            return
        if e.flow:
            raise YamlEditError(
                f"{self._where(e.start)}: cannot delete {_fmt_path(path)} from a flow mapping"
            )
        if e.odd_key:
            raise YamlEditError(
                f"{self._where(e.start)}: cannot delete {_fmt_path(path)}: explicit, alias or complex key"
            )
        with self._claim("gone", path):
            self._queue_delete(e)
        if e.key_node.tag == "tag:yaml.org,2002:merge":
            merged = self._s_at(path[:-1])
            merged.items[:] = [item for item in merged.items if item[0][0] != _FAR]
        else:
            self._s_delete(path)

    def rename_key(self, path: YamlPath, new_key: str) -> None:
        """Change only the key's characters (a quoted key keeps its quote)."""
        path = tuple(path)
        e = self._entry(path)
        if e.kind != "map":
            raise YamlEditError(f"{self._where(e.start)}: {_fmt_path(path)} is not a mapping entry")
        if new_key == e.key:
            return
        if e.key_node.tag == "tag:yaml.org,2002:merge" or e.odd_key:
            raise YamlEditError(f"{self._where(e.start)}: cannot rename the key of {_fmt_path(path)}")
        self._check_new_key(path[:-1], new_key)
        quote = e.key_node.style if e.key_node.style in ("'", '"') else None
        text = _key_text(new_key, self.style, quote)
        if e.flow and quote is None and not _plain_ok(new_key, flow=True):
            text = _quoted(new_key, self.style.quote)
        with self._claim("key", path):
            self._queue(_skip_props(self.text, e.start), e.key_end, text, path)
        self._s_rename(path, new_key)

    def append_item(self, seq_path: YamlPath, value: Any) -> None:
        """A new last item of a block or flow sequence (an empty value becomes a block sequence)."""
        self._add_item(tuple(seq_path), None, value)

    def insert_item(self, seq_path: YamlPath, index: int, value: Any) -> None:
        """A new item before the original item `index` (== length appends)."""
        self._add_item(tuple(seq_path), index, value)

    def remove_item(self, seq_path: YamlPath, index: int) -> None:
        e = self._entry((*seq_path, index))
        with self._claim("gone", e.path):
            if e.flow:
                model = self._flow_model(self._index.entries[tuple(seq_path)])
                del model.items[model.find(index)]
            else:
                self._queue_delete(e)
        self._s_delete(e.path)

    def replace_item(self, seq_path: YamlPath, index: int, value: Any) -> None:
        e = self._entry((*seq_path, index))
        plain = _plain_value(value)
        with self._claim("value", e.path):
            self._replace_value(e, value)
        self._s_set_all(e, plain)

    def replace_in_scalar(self, path: YamlPath, old: str, new: str) -> None:
        """Replace every `old` in a string value, editing its source where `old` appears literally."""
        path = tuple(path)
        e = self._entry(path)
        if e.alias or not isinstance(e.node, ScalarNode) or e.empty:
            raise YamlEditError(f"{self._where(e.start)}: {_fmt_path(path)} is not a scalar written here")
        value = self._plain_at(path)
        if not isinstance(value, str):
            raise YamlEditError(f"{self._where(e.vstart)}: {_fmt_path(path)} is not a string")
        if not old or old not in value:
            return
        expected = value.replace(old, new)
        spot = self._in_place(e, old, new, value, expected)
        with self._claim("value", path):
            if spot is not None:
                self._put_text(e, *spot)
            else:
                self._rewrite_same_style(e, expected)
        self._s_set_all(e, expected)

    def _plain_at(self, path: YamlPath) -> Any:
        node = self.plain()
        for part in path:
            node = node[part]
        return node

    # -- fragments

    def extract(self, path: YamlPath) -> YamlDocument:
        """A fragment document holding just that entry (a one-key mapping) or item (a one-item sequence)."""
        path = tuple(path)
        e = self._entry(path)
        if e.kind == "root" or e.flow:
            raise YamlEditError(
                f"{self._where(e.start)}: cannot extract {_fmt_path(path)} (root or flow collection)"
            )
        table = self._index.lines
        first, _head, last = self._index.span(e)
        start = e.start if e.inline else table.start(first)
        self._check_aliases(e, start, table.next(last))
        out = []
        for i in range(e.line if e.inline else first, last + 1):
            line = self.text[start : table.end(i)] if i == e.line and e.inline else table.line(i)
            if not e.inline or i != e.line:
                cut = e.col
                if line[:cut].strip():
                    if not table.is_comment(i) or self._index.interior[i]:
                        raise YamlEditError(
                            f"{self._where(table.start(i))}: line is less indented than {_fmt_path(path)}"
                        )
                    cut = table.indent(i)
                line = line[cut:]
            out.append(line + table.eol(i))
        return YamlDocument.parse("".join(out), self.path, style=self.style, fragment=True)

    def _check_aliases(self, e: _Entry, start: int, end: int) -> None:
        idx = self._index
        for other in idx.entries.values():
            if not other.alias or not start <= other.vstart < end:
                continue
            anchor = idx.entries.get(idx.defined.get(id(other.node), ()))
            where = anchor.vstart if anchor is not None else -1
            if not start <= where < end:
                raise YamlEditError(
                    f"{self._where(other.vstart)}: the alias {self.text[other.vstart : other.vend]} in "
                    f"{_fmt_path(e.path)} refers to an anchor outside it"
                )

    def insert_fragment(
        self,
        container_path: YamlPath,
        fragment: YamlDocument,
        *,
        after: str | int | None = None,
        before: str | int | None = None,
        new_key: str | None = None,
        comment: str | list[str] | None = None,
        blank_line: bool | None = None,
    ) -> None:
        """Insert a fragment's rendered text, re-indented to this document's style."""
        container_path = tuple(container_path)
        frag = self._prepared_fragment(fragment, new_key)
        parent = self._container(container_path)
        froot = frag._index.entries[()]
        if isinstance(parent.node, SequenceNode) and not parent.alias:
            with self._claim("inside", container_path):
                self._insert_fragment_items(parent, frag, after, before, comment, blank_line)
            return
        if not isinstance(froot.node, MappingNode):
            raise YamlEditError(
                f"{self._where(parent.start)}: {_fmt_path(container_path)} is a mapping; the fragment is not"
            )
        for kid in froot.kids or []:
            self._check_new_key(container_path, kid.key)
        with self._claim("inside", container_path):
            pos = self._insert_map_lines(
                container_path,
                parent,
                lambda col: _Reindent(frag, self.style).run(col),
                after,
                before,
                comment,
                blank_line,
            )
        for key, value in frag.plain().items():
            self._s_insert(container_path, key, value, pos)

    def _prepared_fragment(self, fragment: YamlDocument, new_key: str | None) -> YamlDocument:
        text = fragment.render().lstrip("\ufeff")
        frag = fragment.rendered_document()
        if frag is fragment or frag._bom:  # an unedited fragment (or a BOM) gets a document of its own to edit
            frag = YamlDocument.parse(text, fragment.path, style=fragment.style, fragment=True)
        if frag._root is None:
            raise YamlEditError("the fragment is empty")
        if not text.endswith("\n"):  # it will be followed by a line break: a final block scalar gets `-`
            frag._fix_final_block_scalar(())
            text = frag.render() + frag._nl(frag._index.lines.n - 1)
            frag = YamlDocument.parse(text, fragment.path, style=fragment.style, fragment=True)
        if new_key is not None:
            kids = frag._index.entries[()].kids
            if not isinstance(frag._root, MappingNode):
                raise YamlEditError("new_key= needs a fragment whose root is a mapping")
            frag.rename_key((kids[0].key,), new_key)
            frag = frag.rendered_document()
        return frag

    def _insert_fragment_items(
        self,
        parent: _Entry,
        frag: YamlDocument,
        after: Any,
        before: Any,
        comment: Any,
        blank_line: bool | None,
    ) -> None:
        if not isinstance(frag._root, SequenceNode) or parent.node.flow_style:
            raise YamlEditError(
                f"{self._where(parent.start)}: {_fmt_path(parent.path)} needs a block sequence fragment"
            )
        table, span, kids = self._index.lines, self._index.span, parent.kids or []
        if after is not None and before is not None:
            raise YamlEditError("give after= or before=, not both")
        if before is not None:
            pos = table.start(span(kids[before])[0])
        else:
            pos = table.next(span(kids[after if after is not None else -1])[2])
        dash = kids[0].col
        lines = _comment_lines(comment, dash) + _Reindent(frag, self.style).run(dash)
        blank_before, blank_after = self._separation(pos, kids, blank_line)
        self._insert_lines(pos, lines, parent.path, blank_before, blank_after)
        for value in frag.plain():
            self._s_insert(parent.path, None, value, pos, _SSeq)
        self._added[parent.path] += 1

    # -- resolving deletions at render time

    def _final_splices(self) -> list[_Splice]:
        out = [sp for sp in self._splices if sp.kind == "edit"]
        for path, model in self._flows.items():
            out.append(_Splice(model.open + 1, model.close, model.render(), model.seq, path))
        for container, removed in self._removed.items():
            out.extend(self._resolve_deletions(container, removed, out))
        for i, a in enumerate(out):
            for b in out[i + 1 :]:
                if _overlap(a, b):
                    raise YamlEditError(
                        f"{self._where(a.start)}: the edits of {_fmt_path(a.path)} and {_fmt_path(b.path)} overlap"
                    )
        return out

    def _resolve_deletions(
        self, container: YamlPath, removed: list[_Entry], others: list[_Splice]
    ) -> list[_Splice]:
        parent = self._index.entries[container]
        kids = parent.kids or []
        gone = {id(e) for e in removed}
        emptied = len(gone) == len(kids) and not self._added[container]
        if emptied and parent.kind == "root":
            raise YamlEditError("deleting every entry of the document root")
        out: list[_Splice] = []
        i = 0
        while i < len(kids):
            if id(kids[i]) not in gone:
                i += 1
                continue
            j = i
            while j + 1 < len(kids) and id(kids[j + 1]) in gone:
                j += 1
            out.append(self._run_splice(parent, kids, i, j, emptied, others))
            i = j + 1
        if emptied and not kids[0].inline:
            marker = " {}" if isinstance(parent.node, MappingNode) else " []"
            out.append(_Splice(self._pre(parent), self._pre(parent), marker, self._seq, container))
        return out

    def _run_splice(
        self, parent: _Entry, kids: list[_Entry], i: int, j: int, emptied: bool, others: list[_Splice]
    ) -> _Splice:
        """The splice deleting kids[i..j], with blank lines kept sensible."""
        table, span = self._index.lines, self._index.span
        a, b = kids[i], kids[j]
        first, last = span(a)[0], span(b)[2]
        survivor = kids[j + 1] if j + 1 < len(kids) else None
        if a.inline:
            if survivor is not None:
                sfirst = span(survivor)[0]
                return _Splice(a.start, table.start(sfirst) + table.indent(sfirst), "", self._seq, a.path)
            if emptied:
                marker = "{}" if isinstance(parent.node, MappingNode) else "[]"
                return _Splice(a.start, table.end(last), marker, self._seq, a.path)
            return _Splice(a.start, table.next(last), "", self._seq, a.path)
        start, end = table.start(first), table.next(last)
        blank_before, blank_after = table.blank(first - 1), table.blank(last + 1)
        if (blank_before and blank_after) or (blank_after and i == 0):
            end = self._extend(end, table.next(last + 1), others)
        elif blank_before and survivor is None:
            start = self._extend_back(start, table.start(first - 1), others)
        return _Splice(start, end, "", self._seq, a.path)

    @staticmethod
    def _extend(end: int, new_end: int, others: list[_Splice]) -> int:
        return end if any(end <= o.start < new_end or end < o.end <= new_end for o in others) else new_end

    @staticmethod
    def _extend_back(start: int, new_start: int, others: list[_Splice]) -> int:
        return (
            start
            if any(new_start <= o.start <= start or new_start < o.end <= start for o in others)
            else new_start
        )


# --------------------------------------------------------------------------------------- document


class YamlDocument(_Edits):
    """A YAML document whose edits are splices on its original text (see the module docstring)."""

    path: str | None
    text: str
    data: Any
    style: Style

    def __init__(
        self,
        text: str,
        path: str | None,
        root: Node | None,
        data: Any,
        style: Style,
        bom: bool,
        fragment: bool,
    ):
        self.text, self.path, self.data, self.style = text, path, data, style
        self._root, self._bom, self._fragment = root, bom, fragment
        self._index_cache: _Index | None = None
        self._plain_cache: Any = None
        self._splices: list[_Splice] = []
        self._render_cache: tuple[tuple[int, int], str, YamlDocument | None, Any] | None = None
        self._shadow_root: Any = None
        self._seq = 0
        self._removed: dict[YamlPath, list[_Entry]] = {}
        self._added: Counter = Counter()
        self._opened: set[YamlPath] = set()
        self._flows: dict[YamlPath, _FlowModel] = {}
        self._claims: list[tuple[str, YamlPath]] = []
        self._eof_fixed = False

    # -- construction

    @classmethod
    def parse(
        cls, text: str, path: str | None = None, *, style: Style | None = None, fragment: bool = False
    ) -> YamlDocument:
        """Parse `text`; InputError (`path:line:col: what`) for input this tool cannot edit."""
        bom = text.startswith("\ufeff")
        if bom:
            text = text[1:]
        root, data = _load(text, path)
        _check_root(text, path, root, fragment)
        return cls(text, path, root, data, style or _detect_style(text, root), bom, fragment)

    @classmethod
    def from_bytes(cls, data: bytes, path: str | None = None, *, fragment: bool = False) -> YamlDocument:
        """Decode UTF-8 (line endings kept) and parse; undecodable bytes are an InputError at their place."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            line_start = data.rfind(b"\n", 0, exc.start) + 1
            col = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
            raise InputError(f"not UTF-8: invalid byte 0x{data[exc.start]:02x}", path, line, col) from None
        return cls.parse(text, path, fragment=fragment)

    # -- reading

    @property
    def _index(self) -> _Index:
        if self._index_cache is None:
            if self._root is None:
                raise YamlEditError(f"{self.path or '<yaml>'}: the document is empty")
            self._index_cache = _Index(self.text, self._root)
        return self._index_cache

    def plain(self) -> Any:
        """The original data as plain dict/list/str/int/float/bool/None (merge keys expanded)."""
        if self._plain_cache is None and self.data is not None:
            self._plain_cache = _plain(self.data, {})
        return self._plain_cache

    def has(self, path: YamlPath) -> bool:
        node = self.plain()
        for part in path:
            in_map = isinstance(node, dict) and part in node
            if in_map or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
                node = node[part]
            else:
                return False
        return True

    def location(self, path: YamlPath) -> tuple[int, int]:
        """1-based (line, col) of the key of a mapping entry, the '-' of a block sequence item, or the root."""
        return self._point(self._lookup(path).start)

    def value_location(self, path: YamlPath) -> tuple[int, int]:
        """1-based (line, col) where the value starts (just after the ':' for an empty value)."""
        return self._point(self._lookup(path).vstart)

    def _point(self, index: int) -> tuple[int, int]:
        lines = self._index.lines
        line = lines.line_of(index)
        return line + 1, index - lines.start(line) + 1

    def _where(self, index: int) -> str:
        return f"{self.path or '<yaml>'}:{self._index.lines.line_of(index) + 1}"

    def _lookup(self, path: YamlPath) -> _Entry:
        """The entry at path, following aliases to where their anchor is written."""
        entries = self._index.entries
        for i in range(len(path), -1, -1):
            entry = entries.get(tuple(path[:i]))
            if entry is None:
                continue
            if i == len(path):
                return entry
            for target in self._alias_targets(entry):
                try:
                    return self._lookup(target + tuple(path[i:]))
                except YamlEditError:
                    continue
            raise self._missing(path, entry)
        raise self._missing(path, entries[()])

    def _alias_targets(self, entry: _Entry) -> list[YamlPath]:
        """Where the paths below `entry` may be written instead: its anchor, or the mappings it merges (<<)."""
        defined, entries = self._index.defined, self._index.entries
        if entry.alias:
            return [defined[id(entry.node)]] if id(entry.node) in defined else []
        merge = entries.get((*entry.path, "<<"))
        if merge is None:
            return []
        sources = [merge] if merge.alias else [k for k in merge.kids or [] if k.alias]
        return [defined[id(k.node)] for k in sources if id(k.node) in defined]

    def _container(self, path: YamlPath) -> _Entry:
        """The entry whose value receives new children: written here, not an alias."""
        entry = self._entry(path)
        if entry.alias:
            raise YamlEditError(
                f"{self._where(entry.vstart)}: {_fmt_path(path)} is the alias "
                f"{self.text[entry.vstart : entry.vend]}; editing it would change the anchor"
            )
        return entry

    def _missing(self, path: YamlPath, near: _Entry) -> YamlEditError:
        return YamlEditError(f"{self._where(near.start)}: no {_fmt_path(path)} in the document")

    def _entry(self, path: YamlPath) -> _Entry:
        """The entry at path for an edit: must exist and must not go through an alias."""
        entries = self._index.entries
        entry = entries.get(tuple(path))
        if entry is not None:
            return entry
        for i in range(len(path) - 1, -1, -1):
            near = entries.get(tuple(path[:i]))
            if near is not None and near.alias:
                raise YamlEditError(
                    f"{self._where(near.vstart)}: {_fmt_path(path)} goes through the alias "
                    f"{self.text[near.vstart : near.vend]}; editing it would change the anchor"
                )
            if near is not None:
                raise self._missing(path, near)
        raise self._missing(path, entries[()])

    # -- rendering

    def render(self) -> str:
        """The original text when nothing was edited, else the spliced text, checked by reading it back."""
        if not self._splices:
            return ("\ufeff" if self._bom else "") + self.text
        return self._rendered()[1]

    def rendered_document(self) -> YamlDocument:
        """The document `render()` gives back (`self` when nothing was edited); parsed once, when first asked."""
        if not self._splices:
            return self
        key, text, doc, expected = self._rendered()
        if doc is None:  # the fast read-back accepted the render: parse it now
            doc = YamlDocument.parse(text.lstrip("\ufeff"), self.path, style=self.style, fragment=self._fragment)
            self._render_cache = (key, text, doc, expected)
        return doc

    def rendered_plain(self) -> Any:
        """The plain data of what `render()` gives back (equal to the expected data: render checked it)."""
        return self.plain() if not self._splices else self._rendered()[3]

    def _rendered(self) -> tuple[tuple[int, int], str, YamlDocument | None, Any]:
        """(edit count, text, its parsed document or None, expected plain data), computed once per set of edits.

        The output is read back with libyaml first; only when that does not give exactly the expected data (or
        is not available) is it parsed with ruamel.yaml, which decides."""
        key = (len(self._splices), self._seq)
        if self._render_cache is None or self._render_cache[0] != key:
            out = _apply(self.text, self._final_splices())
            expected = _unshadow(self._shadow())
            ok, fast = _fast_plain(out)
            doc = None if ok and _canon(fast) == _canon(expected) else self._verify(out, expected)
            self._render_cache = (key, ("\ufeff" if self._bom else "") + out, doc, expected)
        return self._render_cache

    def _verify(self, out: str, expected: Any) -> YamlDocument:
        try:
            again = YamlDocument.parse(out, self.path, style=self.style, fragment=self._fragment)
        except InputError as exc:
            raise YamlEditError(f"the edited text does not parse: {exc}") from None
        if _canon(again.plain()) != _canon(expected):
            where = _first_difference(again.plain(), expected, ())
            raise YamlEditError(f"{self.path or '<yaml>'}: the edited text reads back differently at {where}")
        return again

    @contextlib.contextmanager
    def _claim(self, kind: str, path: YamlPath) -> Iterator[None]:
        """Refuse an edit whose subject overlaps an earlier edit's in the tree (what text spans cannot see:
        e.g. appending to a sequence that an earlier edit replaced). kind: "value" (replace the value at path),
        "gone" (delete the entry), "inside" (add children to the container at path), "key" (rename)."""
        path = tuple(path)
        for other_kind, other in self._claims:
            if _claims_conflict(kind, path, other_kind, other) or _claims_conflict(
                other_kind, other, kind, path
            ):
                raise YamlEditError(
                    f"{self._where(self._near(path).start)}: the edit of {_fmt_path(path)} conflicts with the "
                    f"earlier edit of {_fmt_path(other)} (line {self._index.lines.line_of(self._near(other).start) + 1})"
                )
        yield
        self._claims.append((kind, path))

    def _near(self, path: YamlPath) -> _Entry:
        """The entry at path, or its nearest ancestor in the index (for messages)."""
        entries = self._index.entries
        for i in range(len(path), -1, -1):
            if tuple(path[:i]) in entries:
                return entries[tuple(path[:i])]
        return entries[()]

    def _queue(self, start: int, end: int, text: str, path: YamlPath, kind: str = "edit") -> _Splice:
        splice = _Splice(start, end, text, self._seq, tuple(path), kind)
        self._seq += 1
        for other in self._splices:
            if _overlap(splice, other):
                raise YamlEditError(
                    f"{self._where(start)}: the edit of {_fmt_path(path)} overlaps the edit of "
                    f"{_fmt_path(other.path)} (line {self._index.lines.line_of(other.start) + 1})"
                )
        self._splices.append(splice)
        return splice

    def _shadow(self) -> Any:
        if self._shadow_root is None:
            self._shadow_root = _shadow(self.plain(), (), self._index, {})
        return self._shadow_root


def _claims_conflict(kind: str, path: YamlPath, other_kind: str, other: YamlPath) -> bool:
    """Whether an edit of `kind` at `path` covers what the other edit touches (checked both ways)."""
    if kind not in ("value", "gone"):
        return kind == other_kind == "key" and path == other
    below = other[: len(path)] == path and len(other) > len(path)
    if below:
        return True
    if other == path:
        return kind == "gone" or other_kind in ("value", "gone", "inside")
    return False


def _first_difference(got: Any, want: Any, path: YamlPath) -> str:
    if isinstance(got, dict) and isinstance(want, dict):
        if list(got) != list(want):
            return f"{_fmt_path(path)} (keys {list(got)} instead of {list(want)})"
        for key in got:
            if _canon(got[key]) != _canon(want[key]):
                return _first_difference(got[key], want[key], (*path, key))
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for i, (a, b) in enumerate(zip(got, want, strict=True)):
            if _canon(a) != _canon(b):
                return _first_difference(a, b, (*path, i))
    return f"{_fmt_path(path)} ({got!r} instead of {want!r})"


# ------------------------------------------------------------------------------------ fast read-back


def _fast_loader() -> Any:
    """A libyaml-backed loader (PyYAML's C parser, installed with libcst) that reads YAML 1.2 core scalars the way
    `plain()` gives them, refuses duplicate keys and keeps unknown tags as text; None without libyaml.

    Used only to accept a render quickly: when it reads back the expected data the render is right; any
    difference or error falls back to the round-trip parse, which decides."""
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with libcst
        return None
    if not getattr(yaml, "__with_libyaml__", False):  # pragma: no cover
        return None

    class Loader(yaml.CSafeLoader):
        yaml_implicit_resolvers: ClassVar[dict] = {}

    for tag, pattern, first in (
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
        ("tag:yaml.org,2002:float",
         r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
         "-+0123456789."),
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
    ):
        Loader.add_implicit_resolver(tag, re.compile(pattern), list(first))

    def mapping(loader: Any, node: Any) -> dict:
        loader.flatten_mapping(node)
        out: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise yaml.YAMLError(f"duplicate key {key!r}")
            out[key] = loader.construct_object(value_node, deep=True)
        return out

    def tagged(loader: Any, suffix: str, node: Any) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return f"!{suffix} {node.value}" if node.value else f"!{suffix}"
        raise yaml.YAMLError("a tagged collection")

    def integer(loader: Any, node: Any) -> int:
        text = node.value.replace("_", "")
        return int(text, 8) if text.startswith("0o") else int(text, 0) if text.startswith("0x") else int(text)

    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    Loader.add_constructor("tag:yaml.org,2002:int", integer)
    Loader.add_multi_constructor("!", tagged)
    return Loader, yaml


_FAST = _fast_loader()


def _fast_plain(text: str) -> tuple[bool, Any]:
    """(True, data) when libyaml reads `text` without complaint, else (False, None)."""
    if _FAST is None:  # pragma: no cover
        return False, None
    loader, yaml = _FAST
    try:
        return True, yaml.load(text, Loader=loader)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        return False, None


# ------------------------------------------------------------------------------- fast composition


# `_load` composes with libyaml (PyYAML's C parser, about 15 times faster than ruamel's pure-Python scanner and
# parser) and converts its nodes to the ones ruamel's composer makes, marks included; ruamel's round-trip
# constructor then makes `data` as before. Whatever libyaml refuses, and whatever the two parsers could read
# differently, is composed by ruamel, so errors and their positions are ruamel's. Text features that send a text
# to ruamel: a BOM past the start, the YAML 1.1-only line breaks NEL/LS/PS, a lone CR, a directive (`%YAML 1.1`
# switches ruamel's resolver; `%TAG`), an anchor or alias name followed by a character that ends it for libyaml
# but not for ruamel (`&a:`), anything after a document end marker `...`. The rest is checked node by node
# (`_Convert`, `_Slow`).
_SLOW_TEXT = re.compile(r"[\ufeff\x85\u2028\u2029]|\r(?!\n)|^%|(?<![^\s\[{,])[&*][0-9A-Za-z_-]+[?:%@`]", re.M)
_DOCUMENT_END = re.compile(r"^\.\.\.(?=[ \r\n]|$)", re.M)
_STRICT_HEADER = re.compile(r"[|>](?:[+-][1-9]?|[1-9][+-]?)?(?: +#[^\r\n]*| *)\r?$", re.M)
_ANCHOR_NAME = re.compile(r"[0-9A-Za-z_-]+")
_NAME_ENDS = ("", " ", "\r", "\n", ",", "[", "]", "{", "}")
_TAG_TOKEN = re.compile(r"![^ \r\n]*")
# ruamel's tag URI characters (YAML 1.2, `%` left out: ruamel and libyaml decode escapes differently)
_TAG_URI = re.compile(r"[0-9A-Za-z\-;/?:@&=+$,_.!~*'()\[\]#]*")
_DEFAULT_HANDLES = {"!": "!", "!!": "tag:yaml.org,2002:"}  # ruamel's Parser.DEFAULT_TAGS (no %TAG directives)
_RESOLVER = VersionedResolver()  # no loader: YAML 1.2, as YAML() without a %YAML directive


class _Slow(Exception):
    """The libyaml composition cannot vouch for this text: compose it with ruamel.yaml."""


class _Convert:
    """libyaml's node tree (PyYAML's C composer) as the node tree ruamel.yaml's composer makes of the same text.

    What differs, and how it is made ruamel's:
    - implicit tags: the C composer calls `resolve`, which is ruamel's YAML 1.2 resolver (see `_fast_composer`);
    - anchors are not kept on libyaml's nodes: read from the text where the node starts (`_props`);
    - explicit tags are resolved strings: split back into ruamel's handle and suffix from the text, and the
      result checked against libyaml's (`!t &a` is left to ruamel: its node starts at the anchor);
    - a plain scalar's style is '' (ruamel: None);
    - a folded scalar's value lacks the '\\a' that ruamel's round-trip scanner puts after each content line
      but the last (its constructor turns them into `fold_pos`): put back and checked by `_folded`;
    - an empty value (`key:`) is placed by other rules (`_empty_value`);
    - past a last line without line break, libyaml counts one more line (`_mark`);
    - comments are not collected (ruamel hangs them on `data` as `.ca`): `comment` is None, nothing here reads
      them.
    Anything else that could differ raises _Slow: the text goes to ruamel."""

    def __init__(self, text: str, yaml: Any):
        self.text = text
        self.memo: dict[int, Node] = {}
        self.scalar = yaml.ScalarNode
        self.sequence = yaml.SequenceNode
        self.mapping = yaml.MappingNode
        self.mark = yaml.Mark
        self.eof = len(text) if text and text[-1] != "\n" else -1  # libyaml counts one more line there
        self.lines: _Lines | None = None
        self.bodies: list[tuple[int, int]] = []  # block scalars: (end of the header line, end)

    def check_tabs(self) -> None:
        """Tabs are read alike only inside a block scalar's content lines (ruamel refuses one after a tag or a
        block scalar header, and YAML 1.1 and 1.2 separate tokens with them differently)."""
        bodies = sorted(self.bodies)
        i = self.text.find("\t")
        while i >= 0:
            k = bisect.bisect_left(bodies, (i,)) - 1
            if k < 0 or not (0 <= bodies[k][0] < i < bodies[k][1]):
                raise _Slow
            i = self.text.find("\t", i + 1)

    def node(self, n: Any) -> Node:
        got = self.memo.get(id(n))
        if got is not None:
            return got
        start, end = n.start_mark, n.end_mark
        if end.index == self.eof:
            end = self._mark(end.index)
            if start.index == self.eof:
                start = end
        tag, anchor, kind = n.tag, None, type(n)
        if self.text[start.index : start.index + 1] in ("&", "!") and not (
            (kind is self.scalar and end.index == start.index)  # an empty scalar marked where the next token is
            or (kind is self.mapping and n.value and n.value[0][0].start_mark.index == start.index)  # key's
        ):
            anchor, tag = self._props(start.index, tag, kind is self.scalar and not n.value and not n.style)
        elif type(tag) is str:  # an explicit tag must be written where the node starts
            raise _Slow
        if kind is self.scalar:
            value, style = n.value, n.style or None
            if style in ("|", ">"):
                self.bodies.append((self._block_header(start.index, style == ">"), end.index))
                if style == ">":
                    value = self._folded(n, value)
            node: Node = ScalarNode(tag, value, start, end, style=style, anchor=anchor)
            self.memo[id(n)] = node
        elif kind is self.sequence:
            node = SequenceNode(tag, [], start, end, flow_style=n.flow_style, anchor=anchor)
            self.memo[id(n)] = node
            node.value = [self.node(item) for item in n.value]
        else:
            node = MappingNode(tag, [], start, end, flow_style=n.flow_style, anchor=anchor)
            self.memo[id(n)] = node
            single = n.flow_style and (  # `[k: v]`: a single pair in a flow sequence
                self.text[start.index : start.index + 1] != "{"
                or (n.value and n.value[0][0].start_mark.index == start.index)
            )
            pairs = node.value
            for i, (k, v) in enumerate(n.value):
                alias = id(k) in self.memo  # `*a : v`: the key's marks are its anchor's
                key, value = self.node(k), self.node(v)
                pairs.append((key, value))
                if isinstance(key, ScalarNode) and not key.value and key.style is None:
                    raise _Slow  # an empty key (`: v`, `!t : v`): the 1.2 rules differ
                if (
                    single
                    and self.text[key.end_mark.index : key.end_mark.index + 1] == ":"
                    and self.text[key.end_mark.index + 1 : key.end_mark.index + 2] not in (" ", "\r", "\n")
                    and (isinstance(key, CollectionNode) or key.style in ("'", '"'))
                ):
                    raise _Slow  # `["k":v]`, `["k":]`: ruamel refuses them
                if value.start_mark.index == value.end_mark.index and value.style is None:
                    if alias:
                        raise _Slow
                    self._empty_value(node, key, value, i + 1 < len(n.value))
                elif isinstance(value, ScalarNode) and not alias:
                    gap = self.text[key.end_mark.index : value.start_mark.index]
                    if "#" in gap and "\n" in gap:
                        raise _Slow  # `key: # c`, a scalar below, a blank line: ruamel's "overlap in comment"
        return node

    def _mark(self, index: int) -> Any:
        """A mark at index with ruamel's line and column (libyaml's, past a last line without line break, are
        one line further)."""
        if self.lines is None:
            self.lines = _Lines(self.text)
        line = self.lines.line_of(index)
        return self.mark("<unicode string>", index, line, index - self.lines.starts[line], None, None)

    def _empty_value(self, mapping: MappingNode, key: Node, value: ScalarNode, more: bool) -> None:
        """Place an empty value (`key:`) where ruamel's parser does; libyaml puts it after the ':' of a block
        mapping and at the next token in a flow one. ruamel: after the ':' in a flow mapping; in a block mapping
        at the next token (the next key, or the block's end after any comments), except that a comment on the
        ':' line keeps it after the ':' when a next key follows."""
        text = self.text
        colon = _skip_space(text, key.end_mark.index)
        if text[colon : colon + 1] != ":":
            return  # no ':' (`? key` or `{key}`): both parsers use the next token
        if "\n" in text[key.end_mark.index : colon]:
            raise _Slow  # `? key` / `:` on the next line: where ruamel puts it depends on comments
        if mapping.flow_style:
            index = colon + 1
        else:
            index = value.start_mark.index
            if index != colon + 1:
                raise _Slow
            after = index
            while text[after : after + 1] == " ":
                after += 1
            if not (more and text[after : after + 1] == "#"):
                index = _skip_space(text, index)
                if more and text[index : index + 1] == "?":
                    index += 1  # ruamel takes the end of the next key's token, one character for `?`
        if index != value.start_mark.index:
            value.start_mark = value.end_mark = self._mark(index)

    def _props(self, i: int, tag: Any, empty: bool) -> tuple[str | None, Any]:
        """(anchor, ruamel tag) from the node's properties written at i (`&a`, `!t`, `&a !t`); empty: the node
        is an empty plain scalar."""
        text, anchor, tag_text, tag_first = self.text, None, None, False
        for _ in range(2):
            c = text[i : i + 1]
            if c == "&" and anchor is None:
                m = _ANCHOR_NAME.match(text, i + 1)
                if m is None or text[m.end() : m.end() + 1] not in _NAME_ENDS:
                    raise _Slow
                anchor, i = m.group(), m.end()
            elif c == "!" and tag_text is None:
                m = _TAG_TOKEN.match(text, i)
                tag_text, i, tag_first = m.group(), m.end(), anchor is None
            else:
                break
            while text[i : i + 1] in (" ", "\r", "\n"):
                i += 1
        if tag_first and anchor is not None:
            raise _Slow  # `!t &a x`: ruamel's node starts at the anchor, libyaml's at the tag
        if type(tag) is not str:  # resolved by ruamel's resolver: no tag, or the non-specific `!`
            if tag_text not in (None, "!"):
                raise _Slow
            if tag_text == "!" and empty:  # `key: !`: libyaml calls it not plain, ruamel plain (null)
                tag = _RESOLVER.resolve(ScalarNode, "", (True, False))
            return anchor, tag
        if tag_text is None or tag_text.startswith("!<") or "%" in tag_text:
            raise _Slow
        handle = "!!" if tag_text.startswith("!!") else "!"
        suffix = tag_text[len(handle) :]
        if not suffix or "!" in suffix or _TAG_URI.fullmatch(suffix) is None:
            raise _Slow  # `!e!x` (a named handle) or another '!': ruamel and libyaml split them differently
        ctag = Tag(handle=handle, suffix=suffix, handles=_DEFAULT_HANDLES)
        ctag.select_transform(True)  # as ruamel's RoundTripParser does
        if str(ctag) != tag:
            raise _Slow
        return anchor, ctag

    def _block_header(self, start: int, folded: bool) -> int:
        """Where the header line of a block scalar ends. _Slow where ruamel refuses what libyaml reads (a header
        without a space before its comment; a blank line after the header with fewer spaces than a following
        one; a header with a comment alone on its line after a blank or comment line: an assertion in ruamel's
        comment gathering), and for a folded scalar with an indentation indicator (`_folded` would need the
        parent's indentation)."""
        text = self.text
        i = _skip_props(text, start)
        header = _STRICT_HEADER.match(text, i)  # ruamel wants a space before a comment
        eol = text.find("\n", i)
        if header is None or eol < 0:
            raise _Slow
        if folded and any(c.isdigit() for c in header.group(0)):
            raise _Slow
        if "#" in header.group(0) and not text[text.rfind("\n", 0, i) + 1 : i].strip():
            raise _Slow  # `key:`, a blank line, `  | # c`: ruamel's comment gathering fails (assert)
        j, first, widest, col = eol + 1, -1, 0, 0
        if not any(c.isdigit() for c in header.group(0)):  # ruamel's scan_block_scalar_indentation
            while j < len(text) and text[j] in " \r\n":
                if text[j] == " ":
                    col += 1
                    widest = max(widest, col)
                else:
                    if first < 0:
                        first = col
                    col = 0
                j += 1
            if first > 0 and widest > first:
                raise _Slow
        return eol

    def _folded(self, n: Any, value: str) -> str:
        """The value ruamel's round-trip scanner gives a folded scalar: '\\a' after each content line but the
        last.

        Rebuilt from the source lines with ruamel's folding rule and checked piece by piece against libyaml's
        value; any difference raises _Slow."""
        text = self.text
        i = _skip_props(text, n.start_mark.index)
        if text[i : i + 1] != ">":
            raise _Slow
        nl = text.find("\n", i)
        if nl < 0 or nl >= n.end_mark.index:
            return value  # no content lines
        lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text[nl + 1 : n.end_mark.index].split("\n")]
        first = next((ln for ln in lines if ln.strip(" ")), None)
        if first is None:
            return value
        pos = len(value) - len(value.lstrip("\n"))
        spaces = len(value) - pos - len(value[pos:].lstrip(" "))
        indent = (len(first) - len(first.lstrip(" "))) - spaces
        if indent < 0:
            raise _Slow
        content: list[tuple[str, int]] = []  # (content line, empty lines before it)
        breaks = 0
        for ln in lines:
            if not ln[:indent].strip(" ") and len(ln) <= indent:
                breaks += 1
            elif ln[:indent].strip(" "):
                break  # less indented: past the scalar
            else:
                content.append((ln[indent:], breaks))
                breaks = 0
        if not content or content[0][1] != pos:
            raise _Slow
        out = ["\n" * pos]
        for k, (line, _) in enumerate(content):
            if not value.startswith(line, pos):
                raise _Slow
            out.append(line)
            pos += len(line)
            if k + 1 < len(content):
                following, empty = content[k + 1]
                joined = line[:1] not in (" ", "\t") and following[:1] not in (" ", "\t")
                sep = ("" if empty else " ") if joined else "\n"
                sep += "\n" * empty
                if not value.startswith(sep, pos):
                    raise _Slow
                out.append("\a" + sep)
                pos += len(sep)
        tail = value[pos:]
        if tail.strip("\n"):
            raise _Slow
        out.append(tail)
        return "".join(out)


def _fast_composer() -> Any:
    """A libyaml composer (PyYAML's C parser) whose implicit tags come from ruamel.yaml's YAML 1.2 resolver."""
    if _FAST is None:  # pragma: no cover
        return None
    _loader, yaml = _FAST
    # VersionedResolver.resolve without its per-call version lookup (no path resolvers, YAML 1.2)
    table, anywhere = _RESOLVER.versioned_resolver, _RESOLVER.versioned_resolver.get(None, [])
    scalar, sequence = yaml.ScalarNode, yaml.SequenceNode
    str_tag, seq_tag, map_tag = (
        _RESOLVER.DEFAULT_SCALAR_TAG, _RESOLVER.DEFAULT_SEQUENCE_TAG, _RESOLVER.DEFAULT_MAPPING_TAG
    )

    class Composer(yaml._yaml.CParser):
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is not scalar:
                return seq_tag if kind is sequence else map_tag
            if implicit[0]:
                for tag, regexp in itertools.chain(table.get(value[0] if value else "", ()), anywhere):
                    if regexp.match(value):
                        return Tag(suffix=tag)
            return str_tag

        def descend_resolver(self, parent: Any, index: Any) -> None:
            pass  # no path resolvers

        def ascend_resolver(self) -> None:
            pass

    return Composer, yaml


_FAST_COMPOSE = _fast_composer()
_LOCAL = threading.local()


def _round_trip_constructor() -> Any:
    """ruamel.yaml's round-trip constructor, one per thread, reset before each use."""
    constructor = getattr(_LOCAL, "constructor", None)
    if constructor is None:
        constructor = _LOCAL.constructor = YAML().constructor
    constructor.constructed_objects = {}
    constructor.recursive_objects = {}
    constructor.state_generators = []
    constructor.deep_construct = False
    return constructor


def _fast_compose(text: str) -> tuple[Any, Node | None] | None:
    """(constructor, root) composed by libyaml and converted to ruamel.yaml's nodes, or None when ruamel must
    compose `text` itself: libyaml refuses it (ruamel then gives the error), or it has a feature for which the
    two could differ (`_SLOW_TEXT`, `_Convert`)."""
    if _FAST_COMPOSE is None or _SLOW_TEXT.search(text):  # None: PyYAML without libyaml
        return None
    end = _DOCUMENT_END.search(text)
    if end is not None and _skip_space(text, end.end()) < len(text):
        return None  # anything after `...` (even another `...`): ruamel sees a second document
    composer_class, yaml = _FAST_COMPOSE
    try:
        composer = composer_class(text)
        try:
            pyroot = composer.get_single_node()
        finally:
            composer.dispose()
        if isinstance(pyroot, yaml.ScalarNode):
            return None  # refused anyway (`_check_root`); a block scalar there has YAML 1.2's own rules
        convert = _Convert(text, yaml)
        root = None if pyroot is None else convert.node(pyroot)
        if "\t" in text:
            convert.check_tabs()
    except Exception:  # _Slow, libyaml's errors, and anything unforeseen: ruamel decides
        return None
    return _round_trip_constructor(), root
