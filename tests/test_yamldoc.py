"""YamlDocument: before/after tables for every edit, in the shapes real workflows have.

Every case renders through the document's own check (the output is parsed again and compared with the data
the edits meant), so a case passing here also read back as intended.
"""

from __future__ import annotations

from textwrap import dedent

import pytest

from codemod.errors import InputError
from codemod.yamldoc import FlowList, Raw, Style, YamlDocument, YamlEditError


def op(name: str, *args, **kwargs) -> tuple[str, tuple, dict]:
    return name, args, kwargs


def edited(src: str, *ops: tuple[str, tuple, dict]) -> str:
    doc = YamlDocument.parse(src, "ci.yml")
    for name, args, kwargs in ops:
        getattr(doc, name)(*args, **kwargs)
    return doc.render()


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


# A 2-space file with a non-indented sequence, a flow sequence with inner spaces and a trailing comment.
TWO = dedent("""\
    on:
      push:
        branches: [ main ]
    jobs:
      build:
        runs-on: ubuntu-latest  # the runner
        steps:
        - uses: actions/checkout@v4
        - name: Test
          run: |
            make test
    """)

# A 4-space file with an indented sequence, blank lines between jobs and steps, and a comment above a step.
FOUR = dedent("""\
    jobs:
        build:
            runs-on: ubuntu-latest
            steps:
                - uses: actions/checkout@v4

                # run the tests
                - name: Test
                  run: make test

        lint:
            runs-on: ubuntu-latest
    """)

# A file whose last line (inside a block scalar) has no final newline.
NO_EOL = "jobs:\n  build:\n    steps:\n      - run: |\n          echo hi"

# Comments around the edited region: above a key, between a key and its block, trailing nested ones.
COMMENTED = dedent("""\
    jobs:
      build:
        # about steps
        steps:  # inline
          # first step
          - run: a
          # trailing nested
        # comment at key column
      # leading comment of test
      test:
        runs-on: x
    """)

FLOW = dedent("""\
    on:
      push:
        branches: [ main, 'release/*' ]
        tags: [v1]
      pull_request:
        branches: [
          main,
          dev,
        ]
    """)

DASH = dedent("""\
    steps:
      - name: Checkout
        uses: actions/checkout@v4
      - name: Build
        run: make
    """)

NOOP = [
    pytest.param(TWO, id="2-space, non-indented sequence, flow [ main ], trailing comment"),
    pytest.param(FOUR, id="4-space, indented sequence, blank lines"),
    pytest.param(crlf(TWO), id="CRLF line endings"),
    pytest.param("a: 1\r\nb:\n  - x\r\n  - y\n", id="mixed CRLF and LF"),
    pytest.param("\ufeffname: CI\non: push\n", id="UTF-8 BOM"),
    pytest.param(NO_EOL, id="no newline at end of file after a block scalar"),
    pytest.param("---\nname: CI\non: push\n", id="leading --- marker"),
    pytest.param("run: |\n  printf 'a\\tb'\n  \tx\nother: 1\n", id="tab inside a block scalar"),
    pytest.param("if: !cancelled()\nx: !!str 1\n", id="tags: !cancelled() and !!str"),
    pytest.param("d: &d\n  a: 1\nj:\n  <<: *d\n  b: *d\n", id="anchor, alias and merge key"),
    pytest.param(
        "a:   x  \nb:\n\n\n  c: 1   # spaced\n", id="trailing whitespace, extra spaces, blank lines"
    ),
    pytest.param("r: |2-\n    indented\n  x\nf: >+\n  kept\n\n", id="indentation indicator, keep chomping"),
    pytest.param("'on':\n  push:\n\"jobs\": {}\n", id="quoted keys, empty flow mapping"),
    pytest.param("k: [\n  a,\n  b\n]\n", id="multi-line flow sequence"),
    pytest.param("if: a ==\n  b\n# end\n", id="multi-line plain scalar and a final comment"),
]


@pytest.mark.parametrize("text", NOOP)
def test_noop_renders_the_original_bytes(text: str) -> None:
    assert YamlDocument.parse(text, "ci.yml").render() == text


@pytest.mark.parametrize("text", NOOP)
def test_noop_through_bytes(text: str) -> None:
    assert YamlDocument.from_bytes(text.encode("utf-8"), "ci.yml").render().encode("utf-8") == text.encode(
        "utf-8"
    )


def two(*replacements: tuple[str, str]) -> str:
    """TWO with some of its lines replaced (old line text -> new text, which may be several lines)."""
    out = TWO
    for old, new in replacements:
        assert old in out, old
        out = out.replace(old, new, 1)
    return out


def four(*replacements: tuple[str, str]) -> str:
    out = FOUR
    for old, new in replacements:
        assert old in out, old
        out = out.replace(old, new, 1)
    return out


SET_VALUE = [
    pytest.param(
        TWO,
        [op("set_value", ("jobs", "build", "runs-on"), "macos-latest")],
        two(("ubuntu-latest  # the runner", "macos-latest  # the runner")),
        id="plain scalar: trailing comment kept",
    ),
    pytest.param(
        TWO,
        [op("set_value", ("jobs", "build", "runs-on"), "a: b")],
        two(("ubuntu-latest  # the runner", "'a: b'  # the runner")),
        id="a string that is not safe plain gets the file's quote",
    ),
    pytest.param(
        "a: 'x'\nb: \"y\"\nc: z\n",
        [
            op("set_value", ("a",), "it's"),
            op("set_value", ("b",), 'say "hi"'),
            op("set_value", ("c",), "1.0"),
        ],
        "a: 'it''s'\nb: \"say \\\"hi\\\"\"\nc: '1.0'\n",
        id="quoted scalars keep their quote; a number-like string is quoted",
    ),
    pytest.param(
        TWO,
        [op("set_value", ("jobs", "build", "steps", 1, "run"), "make lint\nmake test\n")],
        two(("        make test\n", "        make lint\n        make test\n")),
        id="literal block scalar keeps | and its content indentation",
    ),
    pytest.param(
        TWO,
        [op("set_value", ("jobs", "build", "steps", 1, "run"), "make lint")],
        two(("run: |\n        make test\n", "run: |-\n        make lint\n")),
        id="block scalar: chomping follows the new value's final newline",
    ),
    pytest.param(
        "r: |2-\n    indented\n  x\nn: 1\n",
        [op("set_value", ("r",), "  more\ny")],
        "r: |2-\n    more\n  y\nn: 1\n",
        id="indentation indicator kept",
    ),
    pytest.param(
        "f: >-\n  folded\n  text\nn: 1\n",
        [op("set_value", ("f",), "one line\nsecond")],
        "f: >-\n  one line\n\n  second\nn: 1\n",
        id="folded scalar stays folded",
    ),
    pytest.param(
        TWO,
        [op("set_value", ("jobs", "build", "steps", 0, "uses"), "multi\nline\n")],
        two(("- uses: actions/checkout@v4", "- uses: |\n        multi\n        line")),
        id="multi-line string becomes a literal block scalar",
    ),
    pytest.param(
        TWO,
        [op("set_value", ("on", "push", "branches"), ["main", "dev"])],
        two(("[ main ]", "[ main, dev ]")),
        id="flow sequence stays flow with its inner spaces",
    ),
    pytest.param(
        "a: {k: v}\nb: { k: v }\n",
        [op("set_value", ("a",), {"k": "w", "j": 1}), op("set_value", ("b",), {"x": "z"})],
        "a: {k: w, j: 1}\nb: { x: z }\n",
        id="flow mapping stays flow with its inner spaces",
    ),
    pytest.param(
        TWO,
        [op("set_value", ("jobs", "build", "runs-on"), ["a", "b"])],
        two(("runs-on: ubuntu-latest  # the runner", "runs-on:  # the runner\n    - a\n    - b")),
        id="scalar replaced by a list: block, non-indented like the file, comment kept on the key line",
    ),
    pytest.param(
        FOUR,
        [op("set_value", ("jobs", "lint", "runs-on"), {"group": "big", "labels": ["x"]})],
        four(
            (
                "        runs-on: ubuntu-latest\n",
                "        runs-on: ubuntu-latest\n",
            ),
            (
                "    lint:\n        runs-on: ubuntu-latest\n",
                "    lint:\n        runs-on:\n            group: big\n            labels:\n                - x\n",
            ),
        ),
        id="4-space file: a mapping and an indented sequence in the file's widths",
    ),
    pytest.param(
        TWO,
        [op("set_value", ("jobs", "build", "steps"), "none")],
        two(
            (
                "    steps:\n    - uses: actions/checkout@v4\n    - name: Test\n      run: |\n        make test\n",
                "    steps: none\n",
            )
        ),
        id="block sequence replaced by a scalar",
    ),
    pytest.param(
        TWO,
        [op("set_value", ("jobs", "build", "steps"), [{"run": "echo"}])],
        two(
            (
                "    - uses: actions/checkout@v4\n    - name: Test\n      run: |\n        make test\n",
                "    - run: echo\n",
            )
        ),
        id="block sequence replaced by another, same dash column",
    ),
    pytest.param(
        TWO,
        [op("set_value", ("jobs", "build", "if"), "github.event_name == 'push'", after="runs-on")],
        two(("  # the runner\n", "  # the runner\n    if: github.event_name == 'push'\n")),
        id="missing key is inserted after a sibling",
    ),
    pytest.param(
        TWO,
        [op("set_value", ("jobs", "build", "timeout-minutes"), 10, comment="added")],
        TWO + "    # added\n    timeout-minutes: 10\n",
        id="missing key is inserted at the end with a comment",
    ),
    pytest.param(
        "jobs:\n  b:\n    if: !cancelled()\n",
        [op("set_value", ("jobs", "b", "if"), "${{ !cancelled() }}")],
        "jobs:\n  b:\n    if: ${{ !cancelled() }}\n",
        id="if: !cancelled() (a tag) replaced by an expression",
    ),
    pytest.param(
        "jobs:\n  a:\n    if: github.event_name == 'push' &&\n      github.ref == 'refs/heads/main'\n    runs-on: x\n",
        [op("set_value", ("jobs", "a", "if"), "always()")],
        "jobs:\n  a:\n    if: always()\n    runs-on: x\n",
        id="multi-line if: replaced by one line",
    ),
    pytest.param(
        "on:\n  workflow_dispatch:\n  push:  # comment\n",
        [
            op("set_value", ("on", "workflow_dispatch"), "x"),
            op("set_value", ("on", "push"), {"branches": ["main"]}),
        ],
        "on:\n  workflow_dispatch: x\n  push:  # comment\n    branches:\n      - main\n",
        id="empty values receive a scalar and a mapping",
    ),
    pytest.param(
        "a: &x 1\nb: *x\nc: 2\n",
        [op("set_value", ("a",), 3), op("set_value", ("c",), Raw("${{ x }}"))],
        "a: &x 3\nb: *x\nc: ${{ x }}\n",
        id="anchor kept on a replaced value (its alias reads the new value); Raw written verbatim",
    ),
    pytest.param(
        crlf(TWO),
        [op("set_value", ("jobs", "build", "steps", 1, "run"), "a\nb\n")],
        crlf(two(("        make test\n", "        a\n        b\n"))),
        id="CRLF file: new lines get CRLF",
    ),
    pytest.param(
        NO_EOL,
        [op("set_value", ("jobs", "build", "steps", 0, "run"), "echo bye")],
        "jobs:\n  build:\n    steps:\n      - run: |-\n          echo bye",
        id="no final newline: the last block scalar is rewritten without adding one",
    ),
    pytest.param(
        "a: x\nb: [ y ]\n",
        [op("set_value", ("a",), FlowList(["m", "p"]))],
        "a: [ m, p ]\nb: [ y ]\n",
        id="FlowList: a flow sequence spaced like the file's",
    ),
    pytest.param(
        FLOW,
        [op("set_value", ("on", "push", "branches", 1), "hotfix/*")],
        FLOW.replace("'release/*'", "'hotfix/*'"),
        id="item of a flow sequence by path keeps its quotes",
    ),
]


SET_VALUE += [
    pytest.param(
        COMMENTED,
        [op("set_value", ("jobs", "build", "steps"), [{"run": "b"}, {"run": "c"}])],
        COMMENTED.replace("      - run: a\n", "      - run: b\n      - run: c\n"),
        id="comments above, between key and block, and trailing nested ones stay",
    ),
]


@pytest.mark.parametrize(("before", "ops", "after"), SET_VALUE)
def test_set_value(before: str, ops: list, after: str) -> None:
    assert edited(before, *ops) == after


INSERT_ENTRY = [
    pytest.param(
        TWO,
        [op("insert_entry", ("jobs",), "deploy", {"needs": ["build"], "steps": [{"run": "echo hi"}]})],
        TWO + "  deploy:\n    needs:\n    - build\n    steps:\n    - run: echo hi\n",
        id="2-space: new job at the end, sequences non-indented like the file",
    ),
    pytest.param(
        FOUR,
        [op("insert_entry", ("jobs",), "deploy", {"needs": ["build", "lint"]})],
        FOUR + "\n    deploy:\n        needs:\n            - build\n            - lint\n",
        id="4-space: jobs separated by blank lines get one before the new job",
    ),
    pytest.param(
        FOUR,
        [op("insert_entry", ("jobs",), "first", {"runs-on": "x"}, before="build")],
        four(("jobs:\n", "jobs:\n    first:\n        runs-on: x\n\n")),
        id="4-space: before the first job, blank line after it",
    ),
    pytest.param(
        FOUR,
        [op("insert_entry", ("jobs",), "mid", {"runs-on": "x"}, after="build", comment=["two", "lines"])],
        four(("\n    lint:", "\n    # two\n    # lines\n    mid:\n        runs-on: x\n\n    lint:")),
        id="4-space: after a job's whole span, comment lines above the key",
    ),
    pytest.param(
        FOUR,
        [op("insert_entry", ("jobs",), "mid", {"runs-on": "x"}, after="build", blank_line=False)],
        four(("\n    lint:", "    mid:\n        runs-on: x\n\n    lint:")),
        id="blank_line=False writes no separator",
    ),
    pytest.param(
        crlf(FOUR),
        [op("insert_entry", ("jobs", "lint"), "steps", [{"run": "a\nb\n"}])],
        crlf(FOUR + "        steps:\n            - run: |\n                  a\n                  b\n"),
        id="CRLF file, block scalar inside a new step",
    ),
    pytest.param(
        TWO,
        [op("insert_entry", ("jobs", "build", "steps", 0), "with", {"fetch-depth": 0})],
        two(("actions/checkout@v4\n", "actions/checkout@v4\n      with:\n        fetch-depth: 0\n")),
        id="into a '- uses:' step mapping, at the key column",
    ),
    pytest.param(
        DASH,
        [op("insert_entry", ("steps", 0), "id", "co", before="name", comment="note")],
        "steps:\n  # note\n  - id: co\n    name: Checkout\n    uses: actions/checkout@v4\n  - name: Build\n    run: make\n",
        id="before the first key sharing the dash line: the new key takes the dash line",
    ),
    pytest.param(
        DASH,
        [op("insert_entry", ("steps", 1), "with", {"a": 1}, before="name")],
        "steps:\n  - name: Checkout\n    uses: actions/checkout@v4\n  - with:\n      a: 1\n    name: Build\n    run: make\n",
        id="a nested mapping before the first key of a dash line",
    ),
    pytest.param(
        COMMENTED,
        [op("insert_entry", ("jobs", "build"), "env", {"A": "1"})],
        COMMENTED.replace("      # trailing nested\n", "      # trailing nested\n    env:\n      A: '1'\n"),
        id="after the last entry's trailing nested comments, before a comment at the key column",
    ),
    pytest.param(
        COMMENTED,
        [op("insert_entry", ("jobs",), "mid", {"runs-on": "y"}, after="build")],
        COMMENTED.replace(
            "  # leading comment of test\n", "  mid:\n    runs-on: 'y'\n  # leading comment of test\n"
        ),
        id="never between the next entry and its leading comment",
    ),
    pytest.param(
        NO_EOL,
        [op("insert_entry", ("jobs",), "test", {"runs-on": "x"})],
        "jobs:\n  build:\n    steps:\n      - run: |-\n          echo hi\n  test:\n    runs-on: x",
        id="no final newline: the newline goes before the new text, the scalar gets |- to keep its value",
    ),
    pytest.param(
        NO_EOL,
        [op("insert_entry", ("jobs", "build"), "runs-on", "x", before="steps")],
        "jobs:\n  build:\n    runs-on: x\n    steps:\n      - run: |\n          echo hi",
        id="no final newline: an insertion elsewhere leaves the end alone",
    ),
    pytest.param(
        "on:\n  workflow_dispatch:\npermissions: { }  # none\n",
        [
            op("insert_entry", ("on", "workflow_dispatch"), "inputs", {"tag": {"type": "string"}}),
            op("insert_entry", ("permissions",), "contents", "read"),
            op("insert_entry", ("permissions",), "packages", "write"),
        ],
        "on:\n  workflow_dispatch:\n    inputs:\n      tag:\n        type: string\n"
        "permissions:  # none\n  contents: read\n  packages: write\n",
        id="into an empty value and an empty flow mapping",
    ),
    pytest.param(
        "d: &d\n  runs-on: x\nj:\n  <<: *d\n  a: 1\n",
        [op("set_value", ("j", "runs-on"), "y")],
        "d: &d\n  runs-on: x\nj:\n  <<: *d\n  a: 1\n  runs-on: 'y'\n",
        id="a key that came from a merge (<<) is overridden by an explicit entry",
    ),
]


@pytest.mark.parametrize(("before", "ops", "after"), INSERT_ENTRY)
def test_insert_entry(before: str, ops: list, after: str) -> None:
    assert edited(before, *ops) == after


DELETE_ENTRY = [
    pytest.param(
        TWO,
        [op("delete_entry", ("jobs", "build", "runs-on"))],
        two(("    runs-on: ubuntu-latest  # the runner\n", "")),
        id="a scalar entry with its trailing comment",
    ),
    pytest.param(
        FOUR,
        [op("delete_entry", ("jobs", "build"))],
        "jobs:\n    lint:\n        runs-on: ubuntu-latest\n",
        id="4-space: first job and the blank line after it",
    ),
    pytest.param(
        FOUR,
        [op("delete_entry", ("jobs", "lint"))],
        four(("\n    lint:\n        runs-on: ubuntu-latest\n", "")),
        id="4-space: last job and the blank line before it",
    ),
    pytest.param(
        dedent("""\
            jobs:
              a:
                x: 1

              # about b
              b:
                x: 2

              c:
                x: 3
            """),
        [op("delete_entry", ("jobs", "b"))],
        "jobs:\n  a:\n    x: 1\n\n  c:\n    x: 3\n",
        id="middle job with its leading comment: one blank line stays",
    ),
    pytest.param(
        FOUR,
        [op("delete_entry", ("jobs", "build")), op("delete_entry", ("jobs", "lint"))],
        "jobs: {}\n",
        id="every job: the mapping becomes {}",
    ),
    pytest.param(
        COMMENTED,
        [op("delete_entry", ("jobs", "test"))],
        COMMENTED.replace("  # leading comment of test\n  test:\n    runs-on: x\n", ""),
        id="leading comment goes with the entry; neighbours' comments stay",
    ),
    pytest.param(
        COMMENTED,
        [op("delete_entry", ("jobs", "build", "steps"))],
        "jobs:\n  build: {}\n    # comment at key column\n  # leading comment of test\n  test:\n    runs-on: x\n",
        id="nested block with the comment above it, between key and block, and trailing nested ones",
    ),
    pytest.param(
        DASH,
        [op("delete_entry", ("steps", 0, "name"))],
        "steps:\n  - uses: actions/checkout@v4\n  - name: Build\n    run: make\n",
        id="first key sharing the dash line: the next key moves up to the dash",
    ),
    pytest.param(
        DASH,
        [op("delete_entry", ("steps", 0, "name")), op("delete_entry", ("steps", 0, "uses"))],
        "steps:\n  - {}\n  - name: Build\n    run: make\n",
        id="every key of a dash item: {}",
    ),
    pytest.param(
        DASH,
        [op("delete_entry", ("steps", 1, "run"))],
        "steps:\n  - name: Checkout\n    uses: actions/checkout@v4\n  - name: Build\n",
        id="a later key of a dash item",
    ),
    pytest.param(
        crlf(TWO),
        [op("delete_entry", ("on",))],
        crlf(TWO.replace("on:\n  push:\n    branches: [ main ]\n", "")),
        id="CRLF file",
    ),
    pytest.param(
        NO_EOL.replace("jobs:\n", "jobs:\n  first: 1\n"),
        [op("delete_entry", ("jobs", "build"))],
        "jobs:\n  first: 1\n",
        id="no final newline: deleting the last entry",
    ),
]


@pytest.mark.parametrize(("before", "ops", "after"), DELETE_ENTRY)
def test_delete_entry(before: str, ops: list, after: str) -> None:
    assert edited(before, *ops) == after


RENAME_KEY = [
    pytest.param(
        TWO,
        [op("rename_key", ("jobs", "build"), "compile")],
        two(("  build:", "  compile:")),
        id="plain key",
    ),
    pytest.param(
        "'on':\n  push:\n\"jobs\": {}\n",
        [op("rename_key", ("on",), "true"), op("rename_key", ("jobs",), "jobz")],
        "'true':\n  push:\n\"jobz\": {}\n",
        id="quoted keys keep their quote",
    ),
    pytest.param(
        FOUR,
        [op("rename_key", ("jobs", "lint"), "needs: x")],
        four(("    lint:", "    'needs: x':")),
        id="a key that cannot be plain is quoted",
    ),
    pytest.param(
        crlf(FOUR),
        [op("rename_key", ("jobs", "build", "steps", 1, "name"), "label")],
        crlf(four(("  - name: Test", "  - label: Test"))),
        id="CRLF, first key on a dash line",
    ),
    pytest.param(
        "a: {k: 1}\n",
        [op("rename_key", ("a", "k"), "j")],
        "a: {j: 1}\n",
        id="key inside a flow mapping",
    ),
]


RENAME_KEY += [
    pytest.param(
        NO_EOL,
        [op("rename_key", ("jobs", "build", "steps", 0, "run"), "shell")],
        NO_EOL.replace("- run:", "- shell:"),
        id="no final newline",
    ),
    pytest.param(
        COMMENTED,
        [op("rename_key", ("jobs", "build", "steps"), "stages")],
        COMMENTED.replace("    steps:  # inline", "    stages:  # inline"),
        id="comments around the key stay",
    ),
]


@pytest.mark.parametrize(("before", "ops", "after"), RENAME_KEY)
def test_rename_key(before: str, ops: list, after: str) -> None:
    assert edited(before, *ops) == after


APPEND_ITEM = [
    pytest.param(
        TWO,
        [op("append_item", ("jobs", "build", "steps"), {"name": "Lint", "run": "make lint"})],
        TWO + "    - name: Lint\n      run: make lint\n",
        id="2-space non-indented block sequence: the existing dash column",
    ),
    pytest.param(
        FOUR,
        [op("append_item", ("jobs", "build", "steps"), {"name": "Lint", "run": "make lint\nmake vet\n"})],
        four(
            (
                "              run: make test\n",
                "              run: make test\n\n            - name: Lint\n"
                "              run: |\n                  make lint\n                  make vet\n",
            )
        ),
        id="4-space indented sequence, steps separated by blank lines",
    ),
    pytest.param(
        TWO,
        [op("append_item", ("on", "push", "branches"), "dev")],
        two(("[ main ]", "[ main, dev ]")),
        id="flow sequence keeps [ a, b ] spacing",
    ),
    pytest.param(
        FLOW,
        [op("append_item", ("on", "pull_request", "branches"), "next")],
        FLOW.replace("      dev,\n", "      dev,\n      next,\n"),
        id="multi-line flow sequence with a trailing comma",
    ),
    pytest.param(
        "a: []\nb: [ ]\n",
        [op("append_item", ("a",), "x"), op("append_item", ("b",), "z")],
        "a: [x]\nb: [ z ]\n",
        id="empty flow sequences: [] and [ ] keep their spacing",
    ),
    pytest.param(
        "on:\n  push:  # c\nsteps: []\n",
        [op("append_item", ("on", "push"), "a"), op("append_item", ("steps",), {"run": "x"})],
        "on:\n  push:  # c\n    - a\nsteps:\n  - run: x\n",
        id="empty value and an empty flow sequence given a mapping become block sequences",
    ),
    pytest.param(
        COMMENTED,
        [op("append_item", ("jobs", "build", "steps"), {"run": "b"})],
        COMMENTED.replace("      - run: a\n", "      - run: a\n      - run: b\n"),
        id="before a trailing comment at the dash column",
    ),
    pytest.param(
        crlf(TWO),
        [op("append_item", ("jobs", "build", "steps"), "x")],
        crlf(TWO + "    - x\n"),
        id="CRLF",
    ),
    pytest.param(
        NO_EOL,
        [op("append_item", ("jobs", "build", "steps"), {"run": "echo 2"})],
        "jobs:\n  build:\n    steps:\n      - run: |-\n          echo hi\n      - run: echo 2",
        id="no final newline after a final block scalar",
    ),
]


@pytest.mark.parametrize(("before", "ops", "after"), APPEND_ITEM)
def test_append_item(before: str, ops: list, after: str) -> None:
    assert edited(before, *ops) == after


INSERT_ITEM = [
    pytest.param(
        TWO,
        [op("insert_item", ("jobs", "build", "steps"), 0, {"run": "first"})],
        two(("    steps:\n", "    steps:\n    - run: first\n")),
        id="2-space: before the first item",
    ),
    pytest.param(
        FOUR,
        [op("insert_item", ("jobs", "build", "steps"), 1, "x")],
        four(("\n            # run the tests", "\n            - x\n\n            # run the tests")),
        id="4-space: before an item's leading comment, blank-line habit kept",
    ),
    pytest.param(
        FLOW,
        [
            op("insert_item", ("on", "push", "branches"), 0, "first"),
            op("remove_item", ("on", "push", "branches"), 1),
        ],
        FLOW.replace("[ main, 'release/*' ]", "[ first, main ]"),
        id="flow: insert and remove in one sequence",
    ),
    pytest.param(
        TWO,
        [op("insert_item", ("jobs", "build", "steps"), 2, "end")],
        TWO + "    - end\n",
        id="index == length appends",
    ),
]


INSERT_ITEM += [
    pytest.param(
        crlf(TWO),
        [op("insert_item", ("jobs", "build", "steps"), 1, "x")],
        crlf(two(("    - name: Test", "    - x\n    - name: Test"))),
        id="CRLF",
    ),
    pytest.param(
        NO_EOL,
        [op("insert_item", ("jobs", "build", "steps"), 0, "x")],
        NO_EOL.replace("    steps:\n", "    steps:\n      - x\n"),
        id="no final newline",
    ),
    pytest.param(
        COMMENTED,
        [op("insert_item", ("jobs", "build", "steps"), 0, "x")],
        COMMENTED.replace("      # first step\n", "      - x\n      # first step\n"),
        id="before the item's own leading comment",
    ),
]


@pytest.mark.parametrize(("before", "ops", "after"), INSERT_ITEM)
def test_insert_item(before: str, ops: list, after: str) -> None:
    assert edited(before, *ops) == after


REMOVE_ITEM = [
    pytest.param(
        TWO,
        [op("remove_item", ("jobs", "build", "steps"), 0)],
        two(("    - uses: actions/checkout@v4\n", "")),
        id="2-space block item",
    ),
    pytest.param(
        FOUR,
        [op("remove_item", ("jobs", "build", "steps"), 1)],
        four(("\n            # run the tests\n            - name: Test\n              run: make test\n", "")),
        id="4-space: the item with its leading comment and the blank line before it",
    ),
    pytest.param(
        FOUR,
        [op("remove_item", ("jobs", "build", "steps"), 0)],
        four(("            - uses: actions/checkout@v4\n\n", "")),
        id="4-space: the first item and the blank line after it",
    ),
    pytest.param(
        TWO,
        [op("remove_item", ("on", "push", "branches"), 0)],
        two(("[ main ]", "[]")),
        id="flow: the only item",
    ),
    pytest.param(
        FLOW,
        [op("remove_item", ("on", "pull_request", "branches"), 1)],
        FLOW.replace("      dev,\n", ""),
        id="multi-line flow: commas fixed",
    ),
    pytest.param(
        FLOW,
        [op("remove_item", ("on", "push", "branches"), 0), op("remove_item", ("on", "push", "branches"), 1)],
        FLOW.replace("[ main, 'release/*' ]", "[]"),
        id="flow: every item",
    ),
    pytest.param(
        TWO,
        [op("remove_item", ("jobs", "build", "steps"), 0), op("remove_item", ("jobs", "build", "steps"), 1)],
        "on:\n  push:\n    branches: [ main ]\njobs:\n  build:\n    runs-on: ubuntu-latest  # the runner\n    steps: []\n",
        id="block: every item gives []",
    ),
    pytest.param(
        crlf(TWO),
        [op("delete_entry", ("jobs", "build", "steps", 1))],
        crlf(two(("    - name: Test\n      run: |\n        make test\n", ""))),
        id="CRLF; delete_entry on an item path removes the item",
    ),
]


REMOVE_ITEM += [
    pytest.param(
        NO_EOL.replace("    steps:\n", "    steps:\n      - run: first\n"),
        [op("remove_item", ("jobs", "build", "steps"), 1)],
        "jobs:\n  build:\n    steps:\n      - run: first\n",
        id="no final newline: the last item",
    ),
    pytest.param(
        COMMENTED,
        [op("remove_item", ("jobs", "build", "steps"), 0)],
        COMMENTED.replace("      # first step\n      - run: a\n", "").replace(
            "    steps:  # inline\n", "    steps: []  # inline\n"
        ),
        id="the only item, with its comment: []",
    ),
]


@pytest.mark.parametrize(("before", "ops", "after"), REMOVE_ITEM)
def test_remove_item(before: str, ops: list, after: str) -> None:
    assert edited(before, *ops) == after


REPLACE_ITEM = [
    pytest.param(
        TWO,
        [
            op(
                "replace_item",
                ("jobs", "build", "steps"),
                0,
                {"uses": "actions/checkout@v5", "with": {"a": 1}},
            )
        ],
        two(
            (
                "    - uses: actions/checkout@v4\n",
                "    - uses: actions/checkout@v5\n      with:\n        a: 1\n",
            )
        ),
        id="2-space: a mapping item",
    ),
    pytest.param(
        FOUR,
        [op("replace_item", ("jobs", "build", "steps"), 0, "plain")],
        four(("- uses: actions/checkout@v4", "- plain")),
        id="4-space: mapping item replaced by a scalar",
    ),
    pytest.param(
        FLOW,
        [op("replace_item", ("on", "push", "tags"), 0, "v2")],
        FLOW.replace("[v1]", "[v2]"),
        id="flow item",
    ),
    pytest.param(
        crlf("- 'a'\n- b\n"),
        [op("replace_item", (), 0, "it's")],
        crlf("- 'it''s'\n- b\n"),
        id="CRLF, a quoted item keeps its quote (sequence root of a fragment)",
    ),
]


REPLACE_ITEM += [
    pytest.param(
        NO_EOL.split("jobs:\n  build:\n    steps:\n")[1]
        .replace("      - run", "- run")
        .replace("          echo", "    echo"),
        [op("replace_item", (), 0, {"run": "echo bye"})],
        "- run: echo bye",
        id="no final newline",
    ),
    pytest.param(
        "# steps\n- a  # first\n# between\n- b\n",
        [op("replace_item", (), 0, "z")],
        "# steps\n- z  # first\n# between\n- b\n",
        id="comments around the item stay",
    ),
]


@pytest.mark.parametrize(("before", "ops", "after"), REPLACE_ITEM)
def test_replace_item(before: str, ops: list, after: str) -> None:
    doc = YamlDocument.parse(before, "ci.yml", fragment=True)
    for name, args, kwargs in ops:
        getattr(doc, name)(*args, **kwargs)
    assert doc.render() == after


REPLACE_IN_SCALAR = [
    pytest.param(
        TWO,
        [op("replace_in_scalar", ("jobs", "build", "steps", 0, "uses"), "@v4", "@v5")],
        two(("checkout@v4", "checkout@v5")),
        id="plain scalar, in place",
    ),
    pytest.param(
        "jobs:\n  a:\n    if: github.event_name == 'push' &&\n      github.ref == 'refs/heads/main'\n",
        [op("replace_in_scalar", ("jobs", "a", "if"), "refs/heads/main", "refs/heads/trunk")],
        "jobs:\n  a:\n    if: github.event_name == 'push' &&\n      github.ref == 'refs/heads/trunk'\n",
        id="multi-line plain if:, in place on its second line",
    ),
    pytest.param(
        "jobs:\n  a:\n    if: github.event_name == 'push' &&\n      github.ref == 'refs/heads/main'\n",
        [op("replace_in_scalar", ("jobs", "a", "if"), "&& github", "and github")],
        "jobs:\n  a:\n    if: github.event_name == 'push' and github.ref == 'refs/heads/main'\n",
        id="a match across the folded line break rewrites the plain scalar",
    ),
    pytest.param(
        "a: x\n",
        [op("replace_in_scalar", ("a",), "x", "# y")],
        "a: '# y'\n",
        id="a plain result that would not be plain any more is quoted",
    ),
    pytest.param(
        'name: "Build ${{ matrix.os }}"\n',
        [op("replace_in_scalar", ("name",), "matrix.os", "matrix.target")],
        'name: "Build ${{ matrix.target }}"\n',
        id="double-quoted without escapes, in place",
    ),
    pytest.param(
        'name: "tab\\there main"\n',
        [op("replace_in_scalar", ("name",), "main", "trunk")],
        'name: "tab\\there trunk"\n',
        id="double-quoted with escapes: rewritten double-quoted",
    ),
    pytest.param(
        "x: 'it''s main'\n",
        [op("replace_in_scalar", ("x",), "it's", "it is")],
        "x: 'it is main'\n",
        id="single-quoted: '' escaping accounted for",
    ),
    pytest.param(
        "run: |\n  echo ${{ github.event.workflow_run.head_sha }}\n  echo done\nnext: 1\n",
        [op("replace_in_scalar", ("run",), "github.event.workflow_run.head_sha", "github.sha")],
        "run: |\n  echo ${{ github.sha }}\n  echo done\nnext: 1\n",
        id="${{ }} inside a run: | block, in place",
    ),
    pytest.param(
        crlf("run: |\n  a\n  b\n"),
        [op("replace_in_scalar", ("run",), "a\nb", "c\nd")],
        crlf("run: |\n  c\n  d\n"),
        id="CRLF literal block, a match spanning lines",
    ),
    pytest.param(
        "f: >\n  folded\n  text here\nn: 1\n",
        [op("replace_in_scalar", ("f",), "here", "there")],
        "f: >\n  folded\n  text there\nn: 1\n",
        id="folded block, a match inside one line",
    ),
    pytest.param(
        "f: >-\n  folded\n  text\nn: 1\n",
        [op("replace_in_scalar", ("f",), "d t", "d-t")],
        "f: >-\n  folded-text\nn: 1\n",
        id="folded block, a match across the fold: rewritten folded",
    ),
    pytest.param(
        FLOW,
        [op("replace_in_scalar", ("on", "push", "branches", 1), "release", "hotfix")],
        FLOW.replace("'release/*'", "'hotfix/*'"),
        id="item of a flow sequence",
    ),
    pytest.param(
        TWO,
        [op("replace_in_scalar", ("jobs", "build", "runs-on"), "windows", "linux")],
        TWO,
        id="nothing to replace: no change",
    ),
]


REPLACE_IN_SCALAR += [
    pytest.param(
        NO_EOL,
        [op("replace_in_scalar", ("jobs", "build", "steps", 0, "run"), "hi", "bye")],
        NO_EOL.replace("echo hi", "echo bye"),
        id="no final newline, final block scalar",
    ),
    pytest.param(
        COMMENTED,
        [op("replace_in_scalar", ("jobs", "build", "steps", 0, "run"), "a", "b")],
        COMMENTED.replace("- run: a", "- run: b"),
        id="comments around stay",
    ),
    pytest.param(
        FOUR,
        [op("replace_in_scalar", ("jobs", "build", "steps", 1, "run"), "test", "check")],
        FOUR.replace("make test", "make check"),
        id="4-space",
    ),
]


@pytest.mark.parametrize(("before", "ops", "after"), REPLACE_IN_SCALAR)
def test_replace_in_scalar(before: str, ops: list, after: str) -> None:
    assert edited(before, *ops) == after


EDIT_ERRORS = [
    pytest.param(
        "a: {k: 1}\n",
        [op("insert_entry", ("a",), "j", 2)],
        "ci.yml:1: cannot insert into the flow mapping at a",
        id="insert into a flow mapping",
    ),
    pytest.param(
        "a: {k: 1}\n",
        [op("delete_entry", ("a", "k"))],
        "ci.yml:1: cannot delete a.k from a flow mapping",
        id="delete from a flow mapping",
    ),
    pytest.param(
        "a: 1\n",
        [op("set_value", ("a",), 2), op("set_value", ("a",), 3)],
        "ci.yml:1: the edit of a conflicts with the earlier edit of a (line 1)",
        id="the same value twice",
    ),
    pytest.param(
        "a:\n  b: 1\n",
        [op("delete_entry", ("a",)), op("set_value", ("a", "b"), 3)],
        "ci.yml:2: the edit of a.b conflicts with the earlier edit of a (line 1)",
        id="an edit inside a deleted entry",
    ),
    pytest.param(
        "a: 1\n", [op("set_value", ("x", "y"), 3)], "ci.yml:1: no x in the document", id="missing parent"
    ),
    pytest.param(
        "a: 1\n", [op("delete_entry", ("b",))], "ci.yml:1: no b in the document", id="delete a missing key"
    ),
    pytest.param(
        "a: 1\nb: 2\n",
        [op("insert_entry", (), "a", 3)],
        "ci.yml:1: <root> already has the key 'a'",
        id="insert an existing key",
    ),
    pytest.param(
        "a: 1\nb: 2\n",
        [op("rename_key", ("a",), "b")],
        "ci.yml:1: <root> already has the key 'b'",
        id="rename onto a sibling",
    ),
    pytest.param(
        "a: &x\n  k: 1\nb: *x\n",
        [op("set_value", ("b", "k"), 2)],
        "ci.yml:3: b is the alias *x; editing it would change the anchor",
        id="edit through an alias",
    ),
    pytest.param(
        "a: &x\n  k: 1\nb: *x\n",
        [op("delete_entry", ("a",))],
        "ci.yml:3: the alias *x uses an anchor that the edit of a would remove",
        id="delete an anchor still used",
    ),
    pytest.param(
        "a: 1\n", [op("append_item", ("a",), 2)], "ci.yml:1: a is not a sequence", id="append to a scalar"
    ),
    pytest.param(
        "a: [1]\n",
        [op("insert_entry", ("a",), "k", 2)],
        "ci.yml:1: a is not a mapping",
        id="insert into a sequence",
    ),
    pytest.param(
        "a:\n  - 1\n", [op("insert_item", ("a",), 5, 2)], "ci.yml:1: no index 5 in a", id="index out of range"
    ),
    pytest.param(
        "a: 1\n",
        [op("set_value", ("a",), Raw("x\ny"))],
        "Raw text must be a single line: 'x\\ny'",
        id="multi-line Raw",
    ),
    pytest.param(
        "a: 1\n",
        [op("replace_in_scalar", ("a",), "1", "2")],
        "ci.yml:1: a is not a string",
        id="replace_in_scalar on a number",
    ),
    pytest.param(
        "a: 'x'\n",
        [op("replace_in_scalar", ("a",), "x", "l1\nl2")],
        "ci.yml:1: cannot write a line break in the single-quoted a",
        id="line break into a single-quoted scalar",
    ),
    pytest.param(
        "a: 1\n",
        [op("delete_entry", ("a",))],
        "deleting every entry of the document root",
        id="emptying the root",
    ),
    pytest.param(
        "a:\n  - 1\n",
        [op("set_value", ("a",), "x"), op("append_item", ("a",), 2)],
        "ci.yml:1: the edit of a conflicts with the earlier edit of a (line 1)",
        id="appending to a replaced sequence",
    ),
    pytest.param(
        "a:\n  b: [1]\n",
        [op("append_item", ("a", "b"), 2), op("delete_entry", ("a",))],
        "ci.yml:1: the edit of a conflicts with the earlier edit of a.b (line 2)",
        id="deleting what an earlier edit changed",
    ),
]


@pytest.mark.parametrize(("before", "ops", "message"), EDIT_ERRORS)
def test_edit_errors_name_the_place(before: str, ops: list, message: str) -> None:
    with pytest.raises(YamlEditError) as info:
        edited(before, *ops)
    assert str(info.value) == message


def test_overlapping_splices_are_refused() -> None:
    doc = YamlDocument.parse("a: 1\nb: 2\n", "ci.yml")
    doc._queue(0, 6, "", ("a",))
    with pytest.raises(YamlEditError, match=r"^ci.yml:1: the edit of b overlaps the edit of a \(line 1\)$"):
        doc._queue(3, 8, "x", ("b",))
    doc._queue(6, 6, "c: 3\n", ())  # an insertion where a splice ends touches it, it does not overlap


def test_extract_refuses_an_alias_to_an_outside_anchor() -> None:
    doc = YamlDocument.parse("a: &x 1\nb:\n  c: *x\n", "ci.yml")
    with pytest.raises(YamlEditError, match=r"^ci.yml:3: the alias \*x in b refers to an anchor outside it$"):
        doc.extract(("b",))


BAD_INPUT = [
    pytest.param(
        "on:\n  push: [main\njobs: {}\n",
        "w.yml:3:5: invalid YAML: expected ',' or ']', but got ':'",
        id="invalid YAML: unclosed flow sequence",
    ),
    pytest.param(
        "name: a: b\n",
        "w.yml:1:8: invalid YAML: mapping values are not allowed here",
        id="invalid YAML: a colon in a plain value",
    ),
    pytest.param(
        "name: a\non: push\nname: b\n",
        "w.yml:3:1: duplicate key 'name' (first defined at line 1)",
        id="duplicate key at the root",
    ),
    pytest.param(
        "jobs:\n  a:\n    x: 1\n    x: 2\n",
        "w.yml:4:5: duplicate key 'x' (first defined at line 3)",
        id="duplicate nested key",
    ),
    pytest.param(
        "- a\n- b\n", "w.yml:1:1: the document root must be a mapping, found a sequence", id="sequence root"
    ),
    pytest.param(
        "just text\n", "w.yml:1:1: the document root must be a mapping, found a scalar", id="scalar root"
    ),
    pytest.param(
        "jobs:\n\tbuild: x\n", "w.yml:2:1: tab character used for indentation", id="tab indentation"
    ),
    pytest.param(
        "jobs:\n  build:\n  \trun: x\n",
        "w.yml:3:3: tab character used for indentation",
        id="tab after spaces",
    ),
    pytest.param(
        "a: 1\n---\nb: 2\n",
        "w.yml:2:1: multiple YAML documents in one file (a second one starts here)",
        id="two documents",
    ),
    pytest.param(
        "---\na: 1\n---\nb: 2\n",
        "w.yml:3:1: multiple YAML documents in one file (a second one starts here)",
        id="two documents, leading ---",
    ),
    pytest.param("", "w.yml:1:1: empty document (no YAML content)", id="empty file"),
    pytest.param("# only\n# comments\n", "w.yml:1:1: empty document (no YAML content)", id="comments only"),
    pytest.param(
        "a: \x07\n",
        "w.yml:1:4: invalid YAML: special characters are not allowed (U+0007)",
        id="control character",
    ),
    pytest.param(
        "\ufeffa: 1\na: 2\n",
        "w.yml:2:1: duplicate key 'a' (first defined at line 1)",
        id="BOM does not shift columns",
    ),
    pytest.param(
        "&r\na: 1\nb: *r\n",
        "w.yml:1:1: recursive alias: an anchor is used inside itself",
        id="recursive alias",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_INPUT)
def test_bad_input_is_an_input_error_at_its_place(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        YamlDocument.parse(text, "w.yml")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"a: \xff\n", "w.yml:1:4: not UTF-8: invalid byte 0xff", id="invalid byte"),
        pytest.param(
            b"a: 1\nb: caf\xe9\n", "w.yml:2:7: not UTF-8: invalid byte 0xe9", id="latin-1 text on line 2"
        ),
        pytest.param(
            "a: é\nb: \xff".encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff"),
            "w.yml:2:4: not UTF-8: invalid byte 0xff",
            id="column counts characters",
        ),
    ],
)
def test_undecodable_bytes(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as info:
        YamlDocument.from_bytes(data, "w.yml")
    assert str(info.value) == message


def test_exotic_but_valid_shapes_parse_and_refuse_unsafe_edits() -> None:
    doc = YamlDocument.parse("%YAML 1.2\n---\n? a\n: 1\nb: !!map\n  k: 1\n", "w.yml")
    assert doc.render() == "%YAML 1.2\n---\n? a\n: 1\nb: !!map\n  k: 1\n"
    with pytest.raises(YamlEditError, match=r"^w.yml:3: cannot delete a: explicit, alias or complex key$"):
        doc.delete_entry(("a",))
    doc.set_value(("b",), "plain")  # the tag of the replaced mapping goes with it
    assert doc.render() == "%YAML 1.2\n---\n? a\n: 1\nb: plain\n"


def test_fragments_allow_a_sequence_root_and_no_content() -> None:
    assert YamlDocument.parse("- a\n", fragment=True).plain() == ["a"]
    assert YamlDocument.parse("# c\n", fragment=True).render() == "# c\n"


STYLES = [
    pytest.param(
        TWO,
        Style(indent=2, seq_indent=0, newline="\n", quote="'", flow_space=True),
        id="2-space, non-indented, [ main ]",
    ),
    pytest.param(
        FOUR, Style(indent=4, seq_indent=4, newline="\n", quote="'", flow_space=False), id="4-space indented"
    ),
    pytest.param(
        crlf('a:\n  b: "x"\n  c: [d]\n'),
        Style(indent=2, seq_indent=2, newline="\r\n", quote='"', flow_space=False),
        id="CRLF, double quotes",
    ),
    pytest.param("a: 1\r\nb: 2\nc: 3\n", Style(newline="\n"), id="mixed endings: the majority"),
    pytest.param(
        "a:\n   b:\n      c: 1\n   d:\n    - x\n",
        Style(indent=3, seq_indent=1),
        id="odd widths: the most common",
    ),
]


@pytest.mark.parametrize(("text", "style"), STYLES)
def test_style_is_detected(text: str, style: Style) -> None:
    assert YamlDocument.parse(text).style == style


def test_mixed_line_endings_copy_the_neighbour() -> None:
    text = "a: 1\r\nb:\r\n  - x\r\nc: 2\n"
    out = edited(text, op("append_item", ("b",), "z"), op("insert_entry", (), "d", 3))
    assert out == "a: 1\r\nb:\r\n  - x\r\n  - z\r\nc: 2\nd: 3\n"


LOCATIONS = [
    pytest.param(("jobs", "build"), (5, 3), (6, 5), id="mapping entry: its key; its block value"),
    pytest.param(("jobs", "build", "runs-on"), (6, 5), (6, 14), id="scalar value"),
    pytest.param(("jobs", "build", "steps", 1), (9, 5), (9, 7), id="sequence item: its dash"),
    pytest.param(("jobs", "build", "steps", 1, "run"), (10, 7), (10, 12), id="key after a dash line"),
    pytest.param(("on", "push", "branches", 0), (3, 17), (3, 17), id="flow item"),
    pytest.param((), (1, 1), (1, 1), id="root"),
]


@pytest.mark.parametrize(("path", "key", "value"), LOCATIONS)
def test_locations(path: tuple, key: tuple[int, int], value: tuple[int, int]) -> None:
    doc = YamlDocument.parse(TWO)
    assert doc.location(path) == key
    assert doc.value_location(path) == value


def test_location_follows_an_alias_to_its_anchor() -> None:
    doc = YamlDocument.parse("a: &x\n  k: 1\nb: *x\n")
    assert doc.location(("b", "k")) == (2, 3)
    assert doc.value_location(("b",)) == (3, 4)


def test_location_of_a_merged_key_is_where_it_is_written() -> None:
    doc = YamlDocument.parse("d: &d\n  a: 1\ne: &e\n  c: 3\nj:\n  <<: [*d, *e]\n  b: 2\n")
    assert doc.location(("j", "a")) == (2, 3)
    assert doc.location(("j", "c")) == (4, 3)
    assert doc.location(("j", "b")) == (7, 3)
    with pytest.raises(YamlEditError, match=r"no j\.z in the document"):
        doc.location(("j", "z"))


def test_empty_value_location_is_after_the_colon() -> None:
    assert YamlDocument.parse("on:\n  workflow_dispatch:\n").value_location(("on", "workflow_dispatch")) == (
        2,
        21,
    )


def test_plain_data_and_tags() -> None:
    doc = YamlDocument.parse("if: !cancelled()\nx: !!str 1\nd: &d {a: 1}\nj:\n  <<: *d\n  b: 2\non: yes\n")
    assert doc.plain() == {"if": "!cancelled()", "x": "1", "d": {"a": 1}, "j": {"b": 2, "a": 1}, "on": "yes"}
    assert doc.data["if"].tag.value == "!cancelled()"  # data keeps ruamel's TaggedScalar
    assert doc.has(("j", "a")) and not doc.has(("j", "c")) and doc.has(("d",))


def test_data_is_the_original_and_edits_do_not_change_it() -> None:
    doc = YamlDocument.parse(TWO)
    doc.set_value(("jobs", "build", "runs-on"), "x")
    assert doc.data["jobs"]["build"]["runs-on"] == "ubuntu-latest"
    assert doc.plain()["jobs"]["build"]["runs-on"] == "ubuntu-latest"
    assert "runs-on: x" in doc.render()


def test_render_checks_what_it_wrote() -> None:
    doc = YamlDocument.parse("a: 1\nb: 2\n")
    doc._queue(3, 4, "[", ("a",))  # a broken splice, as a bug in an edit would make
    with pytest.raises(YamlEditError, match="does not parse"):
        doc.render()
    doc = YamlDocument.parse("a: 1\nb: 2\n")
    doc._queue(3, 4, "2", ("a",))  # parses, but is not what the shadow data expects
    with pytest.raises(YamlEditError, match=r"reads back differently at a \(2 instead of 1\)"):
        doc.render()


# ----------------------------------------------------------------------------------- moving a job

POST = dedent("""\
    name: Post-processing
    on:
      workflow_run:
        workflows: [CI]
        types: [completed]
    jobs:
      detect-changes:
        runs-on: ubuntu-latest
      # Publish the image to Docker Hub
      publish-dockerhub:
        needs: detect-changes
        runs-on: ubuntu-latest
        steps:
        - uses: actions/checkout@v4
        - name: Push
          run: |
            docker tag app:${{ github.event.workflow_run.head_sha }} app:latest
            if [ -n "$PUSH" ]; then
              docker push app:latest
            fi
        # - name: disabled
        #   run: echo
    """)

CI = dedent("""\
    name: CI
    on:
        push:
            branches: [ main ]
    jobs:
        build:
            runs-on: ubuntu-latest
            steps:
                -   uses: actions/checkout@v4

        # Removes the staging images
        smart-staging-cleanup:
            runs-on: ubuntu-latest
            steps:
                - run: echo cleanup
    """)

CI_AFTER = dedent("""\
    name: CI
    on:
        push:
            branches: [ main ]
    jobs:
        build:
            runs-on: ubuntu-latest
            steps:
                -   uses: actions/checkout@v4

        # Moved from main-branch-post-processing.yml
        # Publish the image to Docker Hub
        publish-production:
            needs:
                - e2e-tests
                - security-scanning
            if: github.event_name == 'push'
            runs-on: ubuntu-latest
            steps:
                - uses: actions/checkout@v4
                - name: Push
                  run: |
                    docker tag app:${{ github.sha }} app:latest
                    if [ -n "$PUSH" ]; then
                      docker push app:latest
                    fi
                # - name: disabled
                #   run: echo

        # Removes the staging images
        smart-staging-cleanup:
            runs-on: ubuntu-latest
            steps:
                - run: echo cleanup
    """)


def block_lines(text: str, first: str) -> list[str]:
    """The content lines of the block scalar starting after the line containing `first`, dedented."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if first in line) + 1
    block = []
    for line in lines[start:]:
        if line.strip().startswith("#") or line.strip().startswith("- "):
            break
        block.append(line)
    width = min(len(line) - len(line.lstrip()) for line in block if line.strip())
    return [line[width:] for line in block]


def test_move_a_job_between_styles() -> None:
    post = YamlDocument.parse(POST, "post.yml")
    ci = YamlDocument.parse(CI, "ci.yml")
    fragment = post.extract(("jobs", "publish-dockerhub"))
    assert fragment.style == post.style
    assert fragment.text.startswith("# Publish the image to Docker Hub\npublish-dockerhub:\n  needs:")
    fragment.set_value(("publish-dockerhub", "needs"), ["e2e-tests", "security-scanning"])
    fragment.set_value(("publish-dockerhub", "if"), "github.event_name == 'push'", after="needs")
    fragment.replace_in_scalar(
        ("publish-dockerhub", "steps", 1, "run"), "github.event.workflow_run.head_sha", "github.sha"
    )
    ci.insert_fragment(
        ("jobs",),
        fragment,
        before="smart-staging-cleanup",
        new_key="publish-production",
        comment="Moved from main-branch-post-processing.yml",
    )
    out = ci.render()
    assert out == CI_AFTER
    moved = block_lines(POST, "run: |")
    moved[0] = moved[0].replace("github.event.workflow_run.head_sha", "github.sha")
    assert block_lines(out, "run: |") == moved  # the script's inner indentation is untouched


def test_moving_into_a_crlf_file_and_to_a_narrower_indent() -> None:
    source = (
        "jobs:\n    a:\n        steps:\n            - run: |\n                  x\n                    y\n"
    )
    target = crlf("jobs:\n  b:\n    steps:\n    - run: z\n")
    fragment = YamlDocument.parse(source).extract(("jobs", "a"))
    doc = YamlDocument.parse(target, "t.yml")
    doc.insert_fragment(("jobs",), fragment)
    assert doc.render() == crlf(
        "jobs:\n  b:\n    steps:\n    - run: z\n  a:\n    steps:\n    - run: |\n          x\n            y\n"
    )


def test_steps_move_into_a_sequence() -> None:
    post = YamlDocument.parse(POST)
    step = post.extract(("jobs", "publish-dockerhub", "steps", 1))
    assert step.plain()[0]["name"] == "Push"
    ci = YamlDocument.parse(CI)
    ci.insert_fragment(("jobs", "smart-staging-cleanup", "steps"), step, before=0, comment="moved")
    out = ci.render()
    assert "        steps:\n            # moved\n            - name: Push\n              run: |\n" in out
    assert out.endswith("                fi\n            - run: echo cleanup\n")


EXTRACTS = [
    pytest.param(
        POST, ("jobs", "detect-changes"), "detect-changes:\n  runs-on: ubuntu-latest\n", id="an entry"
    ),
    pytest.param(DASH, ("steps", 1), "- name: Build\n  run: make\n", id="an item"),
    pytest.param(DASH, ("steps", 1, "name"), "name: Build\n", id="a first key on a dash line"),
    pytest.param(
        COMMENTED,
        ("jobs", "build", "steps"),
        "# about steps\nsteps:  # inline\n  # first step\n  - run: a\n  # trailing nested\n",
        id="with its leading and trailing comments",
    ),
    pytest.param(
        crlf(FOUR),
        ("jobs", "lint"),
        crlf("lint:\n    runs-on: ubuntu-latest\n"),
        id="CRLF kept in the fragment",
    ),
    pytest.param(
        NO_EOL,
        ("jobs", "build"),
        "build:\n  steps:\n    - run: |\n        echo hi",
        id="without a final newline",
    ),
]


@pytest.mark.parametrize(("text", "path", "fragment"), EXTRACTS)
def test_extract(text: str, path: tuple, fragment: str) -> None:
    doc = YamlDocument.parse(text, "ci.yml")
    frag = doc.extract(path)
    assert frag.text == fragment
    assert frag.render() == fragment
    assert frag.style == doc.style


# Shapes a random multi-edit run over the corpus found wrong once; each stays fixed.
REGRESSIONS = [
    pytest.param(
        "on:\n  push:\n    branches:\n      - main\n",
        [
            op("append_item", ("on", "push", "branches"), "dev"),
            op("insert_entry", ("on", "push"), "tags", ["v*"], after="branches"),
            op("append_item", ("on", "push", "branches"), "next"),
        ],
        "on:\n  push:\n    branches:\n      - main\n      - dev\n      - next\n    tags:\n      - v*\n",
        id="items appended to a sequence stay before an entry inserted after it, whatever the order",
    ),
    pytest.param(
        "steps:\n  - uses: a # pinned\n    with:\n      x: 1\n",
        [op("set_value", ("steps", 0), "plain")],
        "steps:\n  - plain\n",
        id="an item mapping replaced by a scalar: the dash line's text is content, not a trailing comment",
    ),
    pytest.param(
        "a:\n  - x\n  - |\n    last\n    line",
        [op("append_item", ("a",), "multi\nline\n")],
        "a:\n  - x\n  - |-\n    last\n    line\n  - |\n    multi\n    line\n",
        id="a block scalar appended at the end of a file without a final newline keeps its line break",
    ),
    pytest.param(
        "m: &m\n  x: 1\non:\n  pull_request:\n    <<: *m\n",
        [op("set_value", ("on", "pull_request"), None)],
        "m: &m\n  x: 1\non:\n  pull_request:\n",
        id="a mapping holding only a merge key (ruamel removes << from its node tree)",
    ),
    pytest.param(
        "d: &d\n  a: 1\nj:\n  <<: *d\n  b: 2\n",
        [op("delete_entry", ("j", "<<"))],
        "d: &d\n  a: 1\nj:\n  b: 2\n",
        id="deleting a merge key drops the merged keys",
    ),
]


@pytest.mark.parametrize(("before", "ops", "after"), REGRESSIONS)
def test_regressions(before: str, ops: list, after: str) -> None:
    assert edited(before, *ops) == after


def test_fragment_ending_without_newline_keeps_its_block_scalar_value() -> None:
    source = YamlDocument.parse("jobs:\n  a:\n    run: |\n      echo a\n      echo b")
    target = YamlDocument.parse("jobs:\n  b:\n    run: x\n  c:\n    run: y\n")
    target.insert_fragment(("jobs",), source.extract(("jobs", "a")), after="b")
    assert (
        target.render()
        == "jobs:\n  b:\n    run: x\n  a:\n    run: |-\n      echo a\n      echo b\n  c:\n    run: y\n"
    )


def test_moved_plain_scalar_starting_on_the_next_line_moves_as_a_unit() -> None:
    source = YamlDocument.parse("s:\n  - run:\n      python -m build\n      --wheel\n")
    target = YamlDocument.parse("jobs:\n    a:\n        steps:\n            - uses: x\n")
    target.insert_fragment(("jobs", "a", "steps", 0), source.extract(("s", 0, "run")))
    assert target.render() == (
        "jobs:\n    a:\n        steps:\n            - uses: x\n              run:\n"
        "                python -m build\n                --wheel\n"
    )
