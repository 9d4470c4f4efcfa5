"""The libyaml composition (`yamldoc._fast_compose`) against ruamel.yaml's: same nodes, data, errors, renders.

`_load` composes with libyaml and converts the nodes to ruamel's, or leaves the text to ruamel when the two
parsers could read it differently. Each comparison here loads a text both ways (the ruamel way by switching the
fast path off) and compares every node (kind, tag with its handle and suffix, value, style, flow style, anchor,
start and end index, line and column, which nodes are shared by aliases), the constructed data (types, values,
flow style, anchors, tags, line/column records, fold positions, merges), the InputError (message, line, column)
and the warnings.
"""

from __future__ import annotations

import random
import threading
import warnings
from typing import Any

import pytest
from conftest import CORPUS
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

import codemod.yamldoc as yamldoc
from codemod.errors import InputError
from codemod.yamldoc import YamlDocument


@pytest.fixture
def ruamel_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamldoc, "_FAST_COMPOSE", None)


def node_signature(root: Any) -> list[tuple]:
    out: list[tuple] = []
    seen: dict[int, int] = {}

    def walk(node: Any) -> None:
        if id(node) in seen:
            out.append(("alias", seen[id(node)]))
            return
        seen[id(node)] = len(seen)
        tag = node.ctag
        s, e = node.start_mark, node.end_mark
        row: tuple = (
            type(node).__name__,
            str(tag),
            getattr(tag, "handle", None),
            getattr(tag, "suffix", None),
            node.anchor,
            (s.index, s.line, s.column),
            (e.index, e.line, e.column),
        )
        if isinstance(node, ScalarNode):
            out.append((*row, node.value, node.style))
            return
        out.append((*row, node.flow_style, len(node.value)))
        for child in node.value:
            for part in child if isinstance(child, tuple) else (child,):
                walk(part)

    if root is not None:
        walk(root)
    return out


def data_signature(obj: Any, memo: dict[int, int] | None = None) -> Any:
    memo = {} if memo is None else memo
    if isinstance(obj, (dict, list)):
        if id(obj) in memo:
            return ("ref", memo[id(obj)])
        memo[id(obj)] = len(memo)
    extra = []
    lc = getattr(obj, "_yaml_line_col", None)
    if lc is not None:
        extra.append(("lc", lc.line, lc.col, repr(getattr(lc, "data", None))))
    fa = getattr(obj, "_yaml_format", None)
    if fa is not None:
        extra.append(("flow", fa.flow_style()))
    anchor = getattr(obj, "anchor", None)
    if anchor is not None:
        extra.append(("anchor", getattr(anchor, "value", anchor)))
    for attr in ("fold_pos", "_yaml_tag"):
        if getattr(obj, attr, None) is not None:
            extra.append((attr, repr(getattr(obj, attr))))
    merge = getattr(obj, "_yaml_merge", None)
    if merge:
        extra.append(("merge", [data_signature(m[1] if isinstance(m, tuple) else m, memo) for m in merge]))
    kind = type(obj).__name__
    if isinstance(obj, dict):
        items = tuple((data_signature(k, memo), data_signature(v, memo)) for k, v in obj.items())
        return (kind, tuple(extra), items)
    if isinstance(obj, list):
        return (kind, tuple(extra), tuple(data_signature(v, memo) for v in obj))
    attrs = getattr(obj, "__dict__", None)
    return (kind, repr(obj), tuple(extra), repr(sorted(attrs.items())) if attrs else None)


def load(text: str, fast: bool) -> tuple[Any, list[str]]:
    """What `_load` gives, as comparable values: (nodes, data) or the error; and the warnings."""
    saved = yamldoc._FAST_COMPOSE
    if not fast:
        yamldoc._FAST_COMPOSE = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                root, data = yamldoc._load(text, "ci.yml")
                result: Any = (node_signature(root), data_signature(data))
            except InputError as exc:
                result = ("InputError", str(exc), exc.line, exc.col)
            except Exception as exc:  # ruamel's own failures must stay what they are
                result = (type(exc).__name__, str(exc))
    finally:
        yamldoc._FAST_COMPOSE = saved
    return result, [str(w.message) for w in caught]


def fast_path(text: str) -> bool:
    return yamldoc._fast_compose(text) is not None


def assert_same(text: str) -> bool:
    """Both ways give the same; returns whether the fast path composed it."""
    assert load(text, fast=True) == load(text, fast=False), repr(text)
    return fast_path(text)


# -------------------------------------------------------------------------------------------- corpus


def parse(text: str, fast: bool) -> tuple[YamlDocument | None, Any]:
    """YamlDocument.parse (as a fragment: no root checks) one way: (the document or None, comparable result)."""
    saved = yamldoc._FAST_COMPOSE
    if not fast:
        yamldoc._FAST_COMPOSE = None
    doc = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                doc = YamlDocument.parse(text, "ci.yml", fragment=True)
                result: Any = (
                    node_signature(doc._root),
                    data_signature(doc.data),
                    yamldoc._canon(doc.plain()),
                    doc.render(),
                    doc.style,
                )
            except InputError as exc:
                result = ("InputError", str(exc), exc.line, exc.col)
            except Exception as exc:
                result = (type(exc).__name__, str(exc))
    finally:
        yamldoc._FAST_COMPOSE = saved
    return doc, (result, [str(w.message) for w in caught])


@pytest.mark.corpus
@pytest.mark.slow
def test_the_corpus_reads_the_same_both_ways(corpus_rows: list[dict[str, str]]) -> None:
    """Every corpus file, through YamlDocument (which strips a BOM first): the same nodes, data, plain data,
    no-op render and style, or the same error; valid files render as they were."""
    counts = {"valid": 0, "fast": 0, "refused alike": 0, "invalid refused alike": 0}
    for row in corpus_rows:
        raw = (CORPUS / "workflows" / row["file"]).read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        doc, fast = parse(text, fast=True)
        _ref, slow = parse(text, fast=False)
        assert fast == slow, row["file"]
        if row["valid_yaml"] != "yes":
            counts["invalid refused alike"] += doc is None
            continue
        counts["valid"] += 1
        counts["fast"] += fast_path(text.removeprefix("\ufeff"))
        if doc is None:
            counts["refused alike"] += 1
        else:
            assert doc.render() == text, row["file"]
    print(f"\n{counts['fast']} of {counts['valid']} valid corpus files composed by libyaml; {counts}")
    assert counts["valid"] and counts["fast"] >= 0.95 * counts["valid"]


# ------------------------------------------------------------------------------------------ tricky inputs

# (name, text, path): path "fast" when libyaml composes it, "ruamel" when it is left to ruamel.
TRICKY = [
    ("non-ASCII", "name: é ü\nk: 中文\n  more\nl: [é, ü]\n", "fast"),
    ("emoji (outside the BMP)", "a: 😀😀\nb: [x, 😀, y]\nc: '😀 🎉'\nd: \"\\U0001F600\"\n😀: 1\n", "fast"),
    ("emoji in block scalars", "a: |\n  😀 x\n  é\nb: >\n  😀\n  y\n", "fast"),
    ("CRLF", "a: x\r\nb:\r\n  - y\r\n  - z\r\nc: |\r\n  l1\r\n  l2\r\n", "fast"),
    ("mixed line endings", "a: x\r\nb: y\nc: >\r\n  p\n  q\r\n", "fast"),
    ("a lone CR", "a: x\rb: y\n", "ruamel"),
    ("a BOM inside", "a: \ufeffx\n", "ruamel"),
    ("NEL", "a: x\x85b: y\n", "ruamel"),
    ("YAML 1.1 words stay strings", "on: push\nx: yes\ny: No\nz: off\nw: Y\n", "fast"),
    ("octal, sexagesimal, timestamps", "a: 0755\nb: 0o17\nc: 1:20\nd: 2001-12-14\ne: 2001-12-14t21:59:43.10-05:00\n", "fast"),
    ("numbers", "a: 1_000\nb: 0x1F\nc: .inf\nd: -.INF\ne: .nan\nf: 6.8523015e+5\ng: 1.\nh: +1\ni: 00\nj: 1e3\n", "fast"),
    ("nulls and booleans", "a: ~\nb: null\nc: NULL\nd:\ne: true\nf: FALSE\ng: True\n", "fast"),
    ("anchors and aliases", "a: &x {k: 1}\nb: *x\nc: &s v\nd: [*s, *x]\ne: &l\n  - 1\nf: *l\n", "fast"),
    ("merge keys", "base: &b\n  x: 1\n  y: 2\nother:\n  <<: *b\n  y: 3\nmore:\n  <<: [*b]\n  z: 1\n", "fast"),
    ("an anchored key", "&k a: 1\nb: 2\n", "fast"),
    ("an alias key", "&k a: 1\n*k : 2\n", "fast"),
    ("a recursive alias", "a: &r [1, *r]\n", "fast"),
    ("a duplicate anchor (ruamel warns)", "a: &x 1\nb: &x 2\nc: *x\n", "ruamel"),
    ("an undefined alias", "a: *nope\n", "ruamel"),
    ("an alias name ruamel reads on", "a: &x 1\nb: *x:\n", "ruamel"),
    ("!cancelled()", "if: !cancelled()\nb: !cancelled() x\nc: ${{ !cancelled() && x }}\n", "fast"),
    ("!cancelled() &&", "if: !cancelled() && x\n", "ruamel"),
    ("standard tags", "a: !!str 1\nb: !!int '2'\nc: !!float 1\nd: !!bool yes\ne: !!null ''\nf: !!binary aGk=\n", "fast"),
    ("tagged collections", "a: !!set {x, y}\nb: !!omap [x: 1]\nc: !t {k: v}\nd: !!seq [1]\n", "fast"),
    ("tag then anchor", "a: !t &x v\nb: *x\n", "ruamel"),
    ("anchor then tag", "a: &x !t v\nb: *x\n", "fast"),
    ("a named tag handle", "a: !e!x v\n", "ruamel"),
    ("a verbatim tag", "a: !<tag:x> v\n", "ruamel"),
    ("the non-specific tag on a value", "a: ! 12\nb: ! x\n", "fast"),
    ("the non-specific tag alone", "a: !\nb: 1\n", "fast"),
    ("%YAML 1.1", "%YAML 1.1\n---\na: yes\nb: 0755\n", "ruamel"),
    ("%TAG", "%TAG !e! tag:example.com,2000:\n---\na: !e!x v\n", "ruamel"),
    ("document start", "---\na: 1\n", "fast"),
    ("document start with comment", "--- # c\na: 1\n", "fast"),
    ("document end", "a: 1\n... # c\n\n# d\n", "fast"),
    ("two document ends", "a: 1\n...\n...\n", "ruamel"),
    ("a document after the end", "a: 1\n...\nb: 2\n", "ruamel"),
    ("two documents", "a: 1\n---\nb: 2\n", "ruamel"),
    ("comments only", "# one\n# two\n", "fast"),
    ("empty", "", "fast"),
    ("an explicit empty document", "---\n", "ruamel"),
    ("a root scalar", "just text\n", "ruamel"),
    ("a root block scalar", ">-\n  x\n", "ruamel"),
    ("a root sequence", "- a\n- b\n", "fast"),
    ("tabs in block scalars", "a: |\n  x\ty\n  \tz\t\nb: >\n  p\tq\n", "fast"),
    ("a tab after a colon", "a:\tb\n", "ruamel"),
    ("a tab after a tag", "a: !t\tb\n", "ruamel"),
    ("a tab before a comment", "a: b\t# c\n", "ruamel"),
    ("tab indentation", "a:\n\tb: 1\n", "ruamel"),
    ("no final line break", "a: 1\nb:\n  c: 2", "fast"),
    ("no final line break, empty value", "a:", "fast"),
    ("empty values", "on:\n  push:\n  pull_request:\n\n  # c\n  workflow_dispatch:\njobs:\n", "fast"),
    ("empty values with comments", "a: # c\nb:\n# d\nc:   # e\n\nd:\n", "fast"),
    ("empty values in sequences", "- a:\n  b:\n- c:\n-\n- # x\n- d\n", "fast"),
    ("empty values in flow", "a: {x: , y, z:}\nb: [k: , m]\nc: {p:  }\n", "ruamel"),
    ("empty flow values", "a: {x: , y}\nb: [k: ]\nc: {p:  }\n", "fast"),
    ("explicit keys", "? a\n: 1\n? [b, c]\n: 2\n? d\n", "fast"),
    ("an explicit key with an empty value", "? a\n:\nb: 1\n", "ruamel"),
    ("explicit keys on one line", "? a : 1\n? b\n", "fast"),
    ("an explicit key after an empty value", "a:\n? b\n: 1\n", "fast"),
    ("an empty key", "a: 1\n: 2\n", "ruamel"),
    ("an empty tagged key", "b: [!t :,]\n", "ruamel"),
    ("an empty anchored key", "a: 1\n&k : 2\n", "ruamel"),
    ("flow single pairs", "a: [x: 1, \"y\": 2, {z: 3} : 4]\n", "fast"),
    ("a flow key right before ':' in a flow sequence", "b: [{z: 3}: 4]\n", "fast"),
    ("a flow key right before ':x' in a flow sequence", "b: [[z]:4]\n", "ruamel"),
    ("a quoted key right before ':x' in a flow sequence", "a: [\"x\":y]\n", "ruamel"),
    ("a quoted key right before ':]' in a flow sequence", "a: ['x':]\n", "ruamel"),
    ("a quoted key before ': ' in a flow sequence", "a: ['x': y, {\"k\":v}]\n", "fast"),
    ("colons in flow plain scalars", "a: [x:y, http://h]\nb: {u: http://h, v:w}\n", "fast"),
    ("flow collections over lines", "a: [x,\n  y, # c\n  z]\nb: {k: v,\n  l: w}\n", "fast"),
    ("quoted scalars", "a: 'it''s'\nb: \"\\t\\n\\/\\\\ \\x41 \\u00e9 \\e \\N \\_ \\L \\P \\0\"\nc: \"a\\\n  b\"\nd: 'p\n\n  q'\n", "fast"),
    ("plain scalars over lines", "a: x\n  y\n\n  z\nb: -x\nc: ?x\nd: :x\n", "fast"),
    ("folded scalars", "a: >\n  x\n  y\n\n  z\n   more\n  w\nb: >-\n  p\n\n\n  q\nc: >+\n  r\n\nd: 0\n", "fast"),
    ("a folded key", "? >\n  a\n  b\n: 1\n", "fast"),
    ("folded with an indentation indicator", "a: >2\n   x\n  y\n", "ruamel"),
    ("literal scalars", "a: |\n  x\n\n   y\nb: |-\n  p\nc: |+\n  q\n\n\nd: |2\n   r\ne: | # c\n  s\n", "fast"),
    ("a block scalar header without space", "a: |#c\n  x\n", "ruamel"),
    ("a longer blank line first in a block scalar", "a: |\n   \n    x\n", "ruamel"),
    ("ruamel fails: a block scalar header alone after a blank line", "a:\n\n | # c\n  x\n", "ruamel"),
    ("ruamel fails: a value under a commented key, then a blank line", "v: # c\n  x\n\nw: 1\n", "ruamel"),
    ("ruamel fails: a block scalar under a commented key, then a blank line", "k: # c\n|-\n  l\n\n", "ruamel"),
    ("a value under a commented key", "v: # c\n  [x]\n\nw: 1\n", "fast"),
    ("a long key", "k" * 1100 + ": 1\n", "ruamel"),
    ("duplicate keys", "a: 1\nb: 2\na: 3\n", "fast"),
    ("a mapping as a key", "? {a: 1}\n: c\n", "fast"),
    ("a mapping key", "{a: 1}: c\n", "fast"),
    ("deep nesting", "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)) + "  " * 60 + "v: 1\n", "fast"),
]


@pytest.mark.parametrize(("text", "path"), [pytest.param(t, p, id=n) for n, t, p in TRICKY])
def test_tricky_inputs_read_the_same(text: str, path: str) -> None:
    assert assert_same(text) == (path == "fast")


def test_a_leading_bom_is_stripped_before_either_parser() -> None:
    text = "\ufeffa: 1\n"
    doc = YamlDocument.parse(text, "ci.yml")
    assert doc.plain() == {"a": 1} and doc.render() == text
    assert fast_path(text[1:])


def test_errors_keep_ruamels_messages_and_positions(ruamel_only: None) -> None:
    refs = {}
    texts = ["a: [1\n", "a: b: c\n", "a:\n\tb: 1\n", "a: 1\n---\nb: 2\n", "a: 1\na: 2\n", "a: &r [*r]\n", "- x\n"]
    for text in texts:
        with pytest.raises(InputError) as exc:
            YamlDocument.parse(text, "ci.yml")
        refs[text] = (str(exc.value), exc.value.line, exc.value.col)
    yamldoc._FAST_COMPOSE = yamldoc._fast_composer()  # the monkeypatch restores the original afterwards
    for text in texts:
        with pytest.raises(InputError) as exc:
            YamlDocument.parse(text, "ci.yml")
        assert (str(exc.value), exc.value.line, exc.value.col) == refs[text]


def test_marks_count_characters_not_bytes() -> None:
    text = "é: 😀\nb: [😀, x]\n"
    root, _data = yamldoc._fast_compose(text)[1], None
    key, value = root.value[0]
    assert (key.start_mark.index, value.start_mark.index, value.end_mark.index) == (0, 3, 4)
    seq = root.value[1][1]
    assert [item.start_mark.index for item in seq.value] == [9, 12]


def test_data_keeps_ruamels_types() -> None:
    text = "a: [x, y]\nb: {k: v}\nc: yes\nd: true\ne: !cancelled()\nf: >\n  p\n  q\ng: 0o17\nh: 1.50\n"
    doc = YamlDocument.parse(text, "ci.yml")
    assert fast_path(text)
    data = doc.data
    assert type(data).__name__ == "CommentedMap"
    assert data["a"].fa.flow_style() and data["b"].fa.flow_style()
    assert data["c"] == "yes" and type(data["d"]).__name__ == "bool"
    assert type(data["e"]).__name__ == "TaggedScalar" and doc.plain()["e"] == "!cancelled()"
    assert type(data["f"]).__name__ == "FoldedScalarString" and data["f"].fold_pos == [1]
    assert type(data["g"]).__name__ == "OctalInt" and type(data["h"]).__name__ == "ScalarFloat"
    assert data.lc.value("f") == (5, 3)


def test_the_resolver_hook_is_ruamels() -> None:
    composer_class, yaml = yamldoc._FAST_COMPOSE
    composer = composer_class("a: 1\n")
    values = ["", "a", "on", "yes", "~", "null", "Null", "true", "FALSE", "tRue", "0755", "0o17", "0x1F", "1:20",
              "1_000", "1.5", ".inf", "-.INF", ".nan", "1e3", "1.", "+1", "-0", "00", "09", "2001-12-14",
              "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43", "<<", "=", "!x", "&x", "*x", "1__0"]
    for value in values:
        for implicit in [(True, False), (False, True), (False, False), (True, True)]:
            ours = composer.resolve(yaml.ScalarNode, value, implicit)
            theirs = yamldoc._RESOLVER.resolve(ScalarNode, value, implicit)
            assert str(ours) == str(theirs), (value, implicit)
    assert str(composer.resolve(yaml.SequenceNode, None, (True,))) == str(
        yamldoc._RESOLVER.resolve(SequenceNode, None, (True,))
    )
    assert str(composer.resolve(yaml.MappingNode, None, (True,))) == str(
        yamldoc._RESOLVER.resolve(MappingNode, None, (True,))
    )


def test_threads_get_their_own_constructor() -> None:
    texts = [f"k{i}: &a{i} [x, {{y: {i}}}]\nv{i}: *a{i}\nw: >\n  p\n  q\n" for i in range(8)]
    want = [YamlDocument.parse(t).plain() for t in texts]
    got: dict[int, list] = {}

    def work(i: int) -> None:
        got[i] = [YamlDocument.parse(texts[(i + j) % 8]).plain() for j in range(40)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, results in got.items():
        assert results == [want[(i + j) % 8] for j in range(40)]


def test_a_failed_construction_leaves_the_next_one_clean() -> None:
    with pytest.raises(InputError):
        YamlDocument.parse("a: {x: 1}\nb: [1, {y: 2, y: 3}]\n", "ci.yml")
    assert YamlDocument.parse("a: &x [1]\nb: *x\n").plain() == {"a": [1], "b": [1]}


# ------------------------------------------------------------------------------------------ random texts

WORDS = ["a", "key", "on", "yes", "off", "true", "null", "~", "0755", "0o17", "1:20", "1.5", ".inf", "2001-12-14",
         "<<", "=", "é", "😀", "${{ x }}", "a b", "a:b", "a#b", "http://x", "-1", "@x", "%x", "x%", "*x", "&y",
         "'q'", '"dq"', "a\\b", "- x", "? x", "#c", ": x", "x:", "cancelled()", "09", ""]
PROPS = ["", "", "", "", "&a ", "&b ", "!t ", "!!str ", "! ", "!cancelled() ", "&a !t ", "!t &a "]
FRAGMENTS = [":", ": ", "- ", "? ", "*a", "*b", "|", ">", ">-", "|+", "|2", "#", " #", "\t", "{", "}", "[", "]", ",",
             "\r\n", "\n", "...", "---", "'", '"', "\n  ", "\n\n"]


def random_text(rnd: random.Random) -> str:
    lines: list[str] = []

    def scalar() -> str:
        word = rnd.choice(WORDS)
        style = rnd.random()
        if style < 0.15:
            return "'" + word.replace("'", "''") + "'"
        if style < 0.3:
            return '"' + word.replace('"', "").replace("\\", "\\\\") + rnd.choice(["", "\\t", "\\/", "\\\n  x"]) + '"'
        return word

    def value(indent: int, depth: int) -> None:
        pad = " " * indent
        for _ in range(rnd.randint(1, 4)):
            key = rnd.choice(["name", "on", "jobs", "steps", "run", "if", "<<", "x", scalar()])
            head = f"{pad}{rnd.choice(PROPS) if rnd.random() < 0.2 else ''}{key}:"
            kind = rnd.random()
            if kind < 0.15:
                lines.append(head + rnd.choice(["", " # c", "  "]))
            elif kind < 0.3 and depth < 3:
                lines.append(head + (" " + rnd.choice(PROPS).strip() if rnd.random() < 0.2 else ""))
                value(indent + rnd.choice([2, 4]), depth + 1)
            elif kind < 0.4 and depth < 3:
                lines.append(head)
                for _ in range(rnd.randint(1, 3)):
                    lines.append(f"{pad}{rnd.choice(['', '  '])}- {rnd.choice(PROPS)}{scalar()}")
            elif kind < 0.5:
                lines.append(f"{head} {rnd.choice(PROPS)}{rnd.choice(['|', '>', '|-', '>+', '| # c'])}")
                for _ in range(rnd.randint(0, 4)):
                    lines.append(rnd.choice(["", pad + "  " + scalar(), pad + "    " + scalar(), pad + "  x\t"]))
            elif kind < 0.62:
                items = [rnd.choice(PROPS) + scalar() for _ in range(rnd.randint(0, 3))]
                lines.append(f"{head} [{', '.join(items)}]" if rnd.random() < 0.5 else
                             f"{head} {{{', '.join(i + rnd.choice([': 1', ':', '']) for i in items)}}}")
            else:
                lines.append(f"{head} {rnd.choice(PROPS)}{scalar()}{rnd.choice(['', ' # c'])}")

    value(0, 0)
    text = rnd.choice(["\n", "\n", "\r\n"]).join(lines) + rnd.choice(["\n", "\n", ""])
    for _ in range(rnd.randint(0, 2)):
        i = rnd.randint(0, len(text))
        text = text[:i] + rnd.choice(FRAGMENTS) + text[i:]
    return text


def test_random_texts_read_the_same() -> None:
    rnd = random.Random(20261125)
    fast = 0
    for _ in range(600):
        fast += assert_same(random_text(rnd))
    assert fast > 100  # the generator does reach the fast path
