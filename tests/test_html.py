"""The HTML page of a batch report: structure, escaping of every untrusted field, diff highlighting, the job
graph, size and speed for 500 repositories, and what a browser makes of it (jsdom clicks, headless Chromium:
the view a URL fragment asks for, and a screenshot that is checked pixel by pixel)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_mermaid import HOSTILE_IDS, STRANGE_CONDITION, seed_summary

from codemod.html import (
    CHANGES,
    CSS,
    FOLLOW_UPS,
    OUTCOMES,
    SCRIPT,
    ReportError,
    graph_svg,
    main,
    parse_flowchart,
    render_diff,
    render_html,
    split_diff,
    wrap,
    yaml_line,
)
from codemod.mermaid import job_graph
from codemod.report import validate
from codemod.result import Category, JobNode

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "report-sample.json"
JS = ROOT / "tests" / "js"


def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def minimal(*repos: dict, **fields: object) -> dict:
    report = {"version": 1, "tool": "consolidate-ci 0.1.0", "generated_at": "2026-11-02T09:30:00Z", "mode": "run",
              "shard": None, "totals": None, "repositories": list(repos)}
    report.update(fields)
    if report["totals"] is None:
        report["totals"] = {o: sum(1 for r in repos if r.get("outcome") == o) for o in OUTCOMES}
    return report


def repo(**fields: object) -> dict:
    base = {"repo": "acme/one", "outcome": "migrated", "action": "opened", "reason": None,
            "pr_url": "https://github.com/acme/one/pull/7", "commit": "0" * 40, "requests": 5, "seconds": 1.25,
            "notes": [], "diff": None, "mermaid": None, "finished_at": "2026-11-02T09:31:00Z"}
    base.update(fields)
    return base


# --- a small DOM of the page, built by the standard library's HTML parser ------------------------------------

VOID = {"meta", "input", "br", "img", "link", "hr", "source", "wbr", "col", "area", "base", "embed", "param", "track"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find(self, tag: str | None = None, **attrs: str) -> list[Node]:
        want = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [n for n in self.iter() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k) == v or (k == "class" and v in (n.attrs.get(k) or "").split()) for k, v in want.items())]

    def one(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} {attrs}>"
        return found[0]


class Dom(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def dom(page: str) -> Node:
    return Dom(page).root


# --- the sample report: what the page shows ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_page() -> Node:
    return dom(render_html(sample()))


def test_the_sample_is_a_valid_report():
    """tests/data/report-sample.json (scripts/sample_report.py) follows the format codemod.report writes."""
    assert validate(sample()) == []
    assert {r["outcome"] for r in sample()["repositories"]} == set(OUTCOMES)


def test_cards_count_each_outcome(sample_page):
    report = sample()
    for outcome in OUTCOMES:
        card = sample_page.one("button", data_only=outcome)
        expected = sum(1 for r in report["repositories"] if r["outcome"] == outcome)
        assert card.one("span", class_="count").text() == str(expected)
        assert expected == report["totals"][outcome]
    assert sample_page.one("button", data_only="").one("span", class_="count").text() == "30"
    assert not sample_page.find("p", class_="warning")


def test_one_row_and_one_section_per_repository(sample_page):
    repos = sample()["repositories"]
    rows = sample_page.one("table", id="repos").one("tbody").find("tr")
    assert [r.attrs["data-outcome"] for r in rows] == [r["outcome"] for r in repos]
    assert [r.find("a")[0].text() for r in rows] == [r["repo"] for r in repos]
    sections = sample_page.find("details", class_="repo")
    assert [s.attrs["id"] for s in sections] == [f"r{i}" for i in range(len(repos))]
    assert all("open" not in s.attrs for s in sections), "repositories start collapsed"
    headers = [th.attrs["data-key"] for th in sample_page.one("table", id="repos").one("thead").find("th")]
    assert headers == ["repo", "outcome", "action", "pr", "notes", "requests", "seconds"]


def test_pull_request_links_and_counts(sample_page):
    rows = sample_page.one("table", id="repos").one("tbody").find("tr")
    for row, data in zip(rows, sample()["repositories"], strict=True):
        pr_cell = row.find("td")[3]
        links = pr_cell.find("a")
        if data["pr_url"]:
            assert links[0].attrs["href"] == data["pr_url"]
            assert links[0].text() == "#" + data["pr_url"].rsplit("/", 1)[1]
            assert links[0].attrs["rel"] == "noopener noreferrer"
        else:
            assert not links and pr_cell.text() == "—"
        assert row.find("td")[4].attrs["data-v"] == str(len(data["notes"]))
        assert row.find("td")[5].text() == str(data["requests"])


def test_notes_grouped_by_category_with_secrets_as_a_checklist(sample_page):
    storefront = sample_page.one("details", id="r0")
    data = sample()["repositories"][0]
    secrets = [n for n in data["notes"] if n["category"] == "secret"]
    checklist = storefront.one("ul", class_="cat-secret")
    assert len(checklist.find("input", type="checkbox")) == len(secrets) == 3
    assert "DOCKERHUB_TOKEN" in checklist.text()
    headings = [h.text() for h in storefront.find("h4")]
    assert headings[:3] == ["Secrets the moved jobs read", "Triggers of the deleted workflow that are not carried over",
                            "Concurrency"]
    assert {"Moved 5", "Dropped 1", "Docs 9", "Scripts 3", "Other notes 1"} <= set(headings)
    assert [h.text() for h in storefront.find("h3")] == ["Manual follow-ups", "What the migration did", "Job graph", "Diff"]


def test_every_category_has_a_heading():
    assert set(FOLLOW_UPS) | set(CHANGES) == set(Category)
    assert not set(FOLLOW_UPS) & set(CHANGES)


def test_graph_and_diff_of_a_migrated_repository(sample_page):
    storefront = sample_page.one("details", id="r0")
    svg = storefront.one("svg", class_="jobgraph")
    labels = [g.one("text", class_="head").text() for g in svg.find("g", class_="node")]
    assert labels == ["build-and-stage", "prepare-release", "report-release", "final-cleanup", "e2e-tests",
                      "security-scanning", "publish-production", "publish-production-client-libraries"]
    assert len(svg.find("g", class_="group")) == 2
    assert len(svg.one("g", class_="edges").find("path")) == 5
    source = storefront.one("details", class_="source").one("pre").text()
    assert source == sample()["repositories"][0]["mermaid"]
    files = storefront.find("details", class_="file")
    paths = [f.one("span", class_="path").text() for f in files]
    assert paths[:2] == [".github/workflows/main-ci-cd.yml", ".github/workflows/main-branch-post-processing.yml"]
    assert ["open" in f.attrs for f in files[:2]] == [True, False], "a deleted file starts collapsed"


def test_self_contained_and_the_policy_allows_only_its_own_style_and_script():
    page = render_html(sample())
    root = dom(page)
    assert not root.find("link") and not [n for n in root.iter() if "src" in n.attrs]
    hrefs = {n.attrs["href"] for n in root.find("a")}
    prs = {r["pr_url"] for r in sample()["repositories"] if r["pr_url"]}
    assert {h for h in hrefs if not h.startswith("#")} == prs
    assert "url(" not in CSS and "@import" not in CSS and "fetch(" not in SCRIPT and "XMLHttpRequest" not in SCRIPT
    csp = root.one("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert "default-src 'none'" in csp
    for text, kind in ((root.one("script").text(), "script-src"), (root.one("style").text(), "style-src")):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"{kind} 'sha256-{digest}'" in csp


# --- shapes of reports ---------------------------------------------------------------------------------------


def _check_empty(root: Node) -> None:
    assert root.one("tbody").one("tr", class_="empty").text() == "No repositories in this report."
    assert not root.find("details", class_="repo")
    assert all(c.one("span", class_="count").text() == "0" for c in root.find("button", class_="card"))
    assert not root.find("svg", class_="bar")


def _check_minimal(root: Node) -> None:
    cells = [td.text() for td in root.one("tbody").one("tr").find("td")]
    assert cells == ["acme/bare", "skipped", "—", "—", "0", "—", "—"]
    body = root.one("details", id="r0").one("div", class_="body")
    assert body.text() == "" and not body.children


def _check_unknown(root: Node) -> None:
    row = root.one("tbody").one("tr")
    assert row.attrs["data-outcome"] == "exploded"
    assert row.one("span", class_="badge").attrs["class"] == "badge o-other"
    assert root.one("button", data_only="exploded").one("span", class_="count").text() == "1"
    assert root.one("input", value="exploded")
    headings = [h.text() for h in root.find("h4")]
    assert headings == ["odd 1"]


def _check_mismatch(root: Node) -> None:
    warning = root.one("p", class_="warning").text()
    assert "migrated 5" in warning and "differ from the repositories it lists" in warning
    assert root.one("button", data_only="migrated").one("span", class_="count").text() == "1"


def _check_dry_run(root: Node) -> None:
    assert root.one("p", class_="modenote").text() == "Dry run: nothing was pushed and no pull request was opened."
    assert "shard 2/4" in root.one("p", class_="facts").text()
    assert root.one("span", class_="mode").attrs["class"] == "mode mode-dry-run"


def _check_non_http_pr(root: Node) -> None:
    row = root.one("tbody").one("tr")
    assert not row.find("a", href="javascript:alert(1)") and "javascript:alert(1)" in row.text()
    assert all(a.attrs["href"].startswith("#") for a in root.find("a"))


def _check_wrong_types(root: Node) -> None:
    cells = [td.text() for td in root.one("tbody").one("tr").find("td")]
    assert cells[0] == "acme/types" and cells[4:] == ["0", "—", "—"]
    assert not root.find("div", class_="diff") and not root.find("div", class_="graph")


SHAPES = [
    pytest.param(minimal(), _check_empty, id="zero repositories"),
    pytest.param(minimal({"repo": "acme/bare", "outcome": "skipped"}), _check_minimal,
                 id="only repo and outcome: every optional field missing"),
    pytest.param(minimal(repo(repo="acme/bare", outcome="skipped", action=None, pr_url=None, commit=None, requests=None,
                              seconds=None, notes=None, finished_at=None)), _check_minimal,
                 id="every optional field null"),
    pytest.param(minimal(repo(outcome="exploded", notes=[{"category": "odd", "message": "m", "location": None}])),
                 _check_unknown, id="an outcome and a note category this page does not know"),
    pytest.param(minimal(repo(), totals={"migrated": 5}), _check_mismatch,
                 id="totals that disagree with the repositories are shown as a warning"),
    pytest.param(minimal(repo(), mode="dry-run", shard="2/4"), _check_dry_run, id="dry run of a shard"),
    pytest.param(minimal(repo(pr_url="javascript:alert(1)")), _check_non_http_pr, id="a PR URL that is not http(s)"),
    pytest.param(minimal(repo(repo="acme/types", requests="5", seconds=True, notes={"a": 1}, diff=7, mermaid=["x"])),
                 _check_wrong_types, id="fields of the wrong JSON type are treated as missing"),
]


@pytest.mark.parametrize(("report", "check"), SHAPES)
def test_report_shapes(report, check):
    check(dom(render_html(report)))


@pytest.mark.parametrize("report", [
    pytest.param({"version": 2, "repositories": []}, id="a newer version"),
    pytest.param([], id="not an object"),
    pytest.param({"version": 1, "repositories": {}}, id="repositories not a list"),
])
def test_reports_this_page_refuses(report):
    with pytest.raises(ReportError):
        render_html(report)


def test_command_line_writes_the_page(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main([str(SAMPLE), str(out)]) == 0
    assert out.read_bytes().decode("utf-8") == render_html(sample())
    assert main([]) == 2 and "usage" in capsys.readouterr().err


# --- untrusted text in every field ----------------------------------------------------------------------------

PAYLOADS = [
    pytest.param("<script>document.title='pwned'</script>", id="script element"),
    pytest.param('"><img src=x onerror="document.title=\'pwned\'">', id="attribute break-out with onerror"),
    pytest.param("'><svg onload=alert(1)>`${{x}}`", id="single-quote break-out, svg onload, backticks"),
    pytest.param("</style></script></pre></details><a href=javascript:alert(1)>x</a>", id="closing tags"),
    pytest.param("&lt;script&gt; &amp; &#60;b&#62; #60;", id="entities stay literal text"),
]


def _note(field: str):
    def put(report: dict, payload: str) -> None:
        note = {"category": "secret", "message": "m", "location": "a.yml:1"}
        note[field] = payload
        report["repositories"][0]["notes"] = [note]
    return put


def _set(field: str):
    def put(report: dict, payload: str) -> None:
        report["repositories"][0][field] = payload
    return put


def _top(field: str):
    def put(report: dict, payload: str) -> None:
        report[field] = payload
    return put


def _diff(report: dict, payload: str) -> None:
    report["repositories"][0]["diff"] = (f"diff --git a/{payload} b/{payload}\n--- a/{payload}\n+++ b/{payload}\n"
                                         f"@@ -1 +1 @@\n-{payload}\n+key: {payload}\n")


def _mermaid_raw(report: dict, payload: str) -> None:
    report["repositories"][0]["mermaid"] = f'flowchart TD\n  j0["{payload}"]\n  j1[{payload}]\n  j0 --> j1\n'


def _mermaid_label(report: dict, payload: str) -> None:
    summary = seed_summary(jobs=[JobNode(payload, role="gate"), JobNode("b", needs=(payload,), condition=payload, role="publish")])
    report["repositories"][0]["mermaid"] = job_graph(summary)


def _totals_key(report: dict, payload: str) -> None:
    report["totals"] = {payload: 1}


FIELDS = [pytest.param(put, id=name) for name, put in [
    ("repo", _set("repo")), ("outcome", _set("outcome")), ("action", _set("action")), ("reason", _set("reason")),
    ("pr_url", _set("pr_url")), ("commit", _set("commit")), ("finished_at", _set("finished_at")),
    ("note message", _note("message")), ("note category", _note("category")), ("note location", _note("location")),
    ("diff", _diff), ("mermaid, raw labels", _mermaid_raw), ("mermaid from job_graph", _mermaid_label),
    ("tool", _top("tool")), ("generated_at", _top("generated_at")), ("mode", _top("mode")), ("shard", _top("shard")),
    ("totals key", _totals_key),
]]
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h3", "h4", "p", "span", "b", "small",
                "section", "svg", "rect", "div", "button", "nav", "label", "input", "table", "thead", "tbody", "tr",
                "th", "td", "a", "details", "summary", "ul", "li", "code", "pre", "i", "defs", "marker", "path", "g",
                "text", "script"}


def _assert_inert(page: str) -> Node:
    root = dom(page)
    tags = {n.tag for n in root.iter()}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert len(root.find("script")) == 1 and root.one("script").text() == SCRIPT
    assert len(root.find("style")) == 1 and root.one("style").text() == CSS
    handlers = [(n.tag, k) for n in root.iter() for k in n.attrs if k.startswith("on")]
    assert not handlers
    assert all(re.match(r"#|https?://", n.attrs.get("href") or "#") for n in root.find("a"))
    assert not [n for n in root.iter() if "src" in n.attrs or "style" in n.attrs]
    return root


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("put", FIELDS)
def test_untrusted_text_is_inert(put, payload):
    report = minimal(repo(reason="r"))
    put(report, payload)
    root = _assert_inert(render_html(report))
    shown = root.text() + "".join(v or "" for n in root.iter() for v in n.attrs.values())
    as_code = re.sub(r"`([^`\n]+)`", r"\1", payload)  # reasons and notes show `code spans` as <code>
    assert payload in shown or as_code in shown, "the text is shown as it was written"


# --- diff -----------------------------------------------------------------------------------------------------

HEADER = "diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml\n--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n"


def rendered(diff: str, **kw) -> str:
    return render_diff(split_diff(diff), **kw)


DIFF_LINES = [
    pytest.param(HEADER + "@@ -1 +1 @@\n-  runs-on: old\n+  runs-on: new\n",
                 ['<span class="del" data-g="   1     "><i>-</i>  <span class="k">runs-on</span><span class="p">:</span> old</span>',
                  '<span class="add" data-g="        1"><i>+</i>  <span class="k">runs-on</span><span class="p">:</span> new</span>'],
                 id="changed key: old and new line numbers in the gutter"),
    pytest.param(HEADER + "@@ -3,2 +3,2 @@ jobs:\n ctx: 1\n-a: b\n+a: c\n",
                 ['<span class="hunk">@@ -3,2 +3,2 @@ jobs:</span>', '<span class="ctx" data-g="   3    3">'],
                 id="hunk header and numbered context"),
    pytest.param(HEADER + "@@ -1,2 +1,2 @@\n---\n-x: 1\n+++\n+x: 2\n",
                 ['<span class="del" data-g="   1     "><i>-</i>--</span>', '<span class="add" data-g="        1"><i>+</i>++</span>'],
                 id="'---' and '+++' inside a hunk are content, not headers"),
    pytest.param(HEADER + "@@ -1 +1 @@\n-a: 1\n\\ No newline at end of file\n+a: 2\n",
                 ['<span class="meta">\\ No newline at end of file</span>'], id="no newline marker"),
    pytest.param(HEADER + "@@ -0,0 +1 @@\n+    if: ${{ github.sha }} && x == 'y' # why\n",
                 ['<span class="x">${{ github.sha }}</span> &amp;&amp; x == <span class="s">&#x27;y&#x27;</span> '
                  '<span class="c"># why</span>'], id="expression, string, comment; && is no anchor"),
    pytest.param(HEADER + "@@ -0,0 +1,3 @@\n+  run: |\n+    echo \"a: ${{ env.X }}\"\n+  env: {}\n",
                 ['<i>+</i>    echo &quot;a: <span class="x">${{ env.X }}</span>&quot;</span>',
                  '<span class="k">env</span>'], id="a block scalar's lines are not keys"),
    pytest.param(HEADER + "@@ -0,0 +1,2 @@\n+- uses: a/b@v1\n+  with: {x: true}\n",
                 ['<span class="p">- </span><span class="k">uses</span>', '<span class="b">true</span>'],
                 id="sequence dash, literal"),
    pytest.param(HEADER + "@@ -1,2 +1,2 @@\r\n-  steps:\r\n+  steps:\r\n  x: 1\r\n",
                 ['<i>+</i>  <span class="k">steps</span><span class="p">:</span></span>', '>CRLF</span>'],
                 id="CRLF lines: highlighted without their CR, the file marked CRLF"),
    pytest.param("diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-key: x\n+key: y\n",
                 ['<i>+</i>key: y</span>'], id="no YAML highlighting outside YAML files"),
    pytest.param("diff --git a/x.yml b/x.yml\nnew file mode 100644\n--- /dev/null\n+++ b/x.yml\n@@ -0,0 +1 @@\n+a: 1\n",
                 ['<span class="kind k-created">created</span> <span class="plus">+1</span> <span class="minus">−0</span>',
                  '<details class="file" open>'], id="created file"),
    pytest.param("diff --git a/x.yml b/x.yml\ndeleted file mode 100644\n--- a/x.yml\n+++ /dev/null\n@@ -1 +0,0 @@\n-a: 1\n",
                 ['<details class="file"><summary><span class="path">x.yml</span> <span class="kind k-deleted">deleted</span>'],
                 id="deleted file starts collapsed"),
    pytest.param("--- a/plain.yml\n+++ b/plain.yml\n@@ -1 +1 @@\n-a\n+b\n",
                 ['<span class="path">plain.yml</span>'], id="a diff without git headers is one file named by +++"),
]


@pytest.mark.parametrize(("diff", "fragments"), DIFF_LINES)
def test_diff_rendering(diff, fragments):
    html = rendered(diff)
    for fragment in fragments:
        assert fragment in html


def test_long_diffs_are_cut_with_a_note():
    body = "".join(f"+k{i}: v\n" for i in range(50))
    diff = HEADER + f"@@ -0,0 +1,50 @@\n{body}" + HEADER.replace("ci.yml", "other.yml") + "@@ -1 +1 @@\n-a\n+b\n"
    html = rendered(diff, max_lines=20)
    assert html.count('class="add"') == 16, "3 header lines, 1 hunk line, 16 added lines"
    assert "… 34 more lines of this file are left out" in html
    assert "6 more diff lines in 1 file(s) are left out of this page" in html


YAML = [
    pytest.param("name: CI", ('<span class="k">name</span><span class="p">:</span> CI', None), id="plain"),
    pytest.param("  - name: x", ('  <span class="p">- </span><span class="k">name</span><span class="p">:</span> x', None),
                 id="dash"),
    pytest.param("    run: |", ('    <span class="k">run</span><span class="p">:</span> |', 4), id="opens a block scalar"),
    pytest.param("- run: >-", ('<span class="p">- </span><span class="k">run</span><span class="p">:</span> &gt;-', 2),
                 id="folded block after a dash"),
    pytest.param("url: https://x:1/a#b", ('<span class="k">url</span><span class="p">:</span> https://x:1/a#b', None),
                 id="colons and # inside a plain value"),
    pytest.param("'on': [push]", ('<span class="k">&#x27;on&#x27;</span><span class="p">:</span> [push]', None),
                 id="quoted key"),
    pytest.param("x: &anchor 3", ('<span class="k">x</span><span class="p">:</span> <span class="a">&amp;anchor</span> '
                                  '<span class="b">3</span>', None), id="anchor and number"),
    pytest.param("echo a: b > c", ('<span class="k">echo a</span><span class="p">:</span> b &gt; c', None),
                 id="a key-looking line outside a block scalar is a key"),
    pytest.param("<b>: x", ("&lt;b&gt;: x", None), id="markup is escaped, not a key"),
]


@pytest.mark.parametrize(("line", "expected"), YAML)
def test_yaml_line(line, expected):
    assert yaml_line(line) == expected


# --- job graph ------------------------------------------------------------------------------------------------


def test_flowchart_of_the_seed_migration():
    chart = parse_flowchart(job_graph(seed_summary()))
    assert list(chart.groups) == ["gates", "publish_group"]
    assert chart.groups["publish_group"].lines == ["publish group", "if: github.event_name == 'push' && github.ref == 'refs/heads/main'"]
    assert [n.group for n in chart.nodes.values()] == [None, None, None, "gates", "gates", "publish_group", "publish_group"]
    assert chart.nodes["j6"].lines[0] == "final-cleanup" and chart.nodes["j6"].lines[1].startswith("if: always() && (")
    assert chart.edges == [("j0", "j1"), ("j1", "gates"), ("gates", "publish_group"), ("publish_group", "j6")]
    assert chart.styles["publish"] == {"fill": "#bbf7d0", "stroke": "#16a34a", "stroke-width": "2"}
    assert chart.nodes["j4"].cls == "publish"


def test_hostile_job_ids_and_conditions_are_drawn_as_text():
    jobs = [JobNode(HOSTILE_IDS[0], role="gate"), JobNode(HOSTILE_IDS[1], role="gate"),
            *[JobNode(i, needs=tuple(HOSTILE_IDS[:2]), condition=STRANGE_CONDITION, role="publish") for i in HOSTILE_IDS[2:5]],
            JobNode("<img src=x onerror=alert(1)>", needs=(HOSTILE_IDS[2],), condition='a == "b" </text>', role="cleanup")]
    text = job_graph(seed_summary(jobs=jobs))
    page = render_html(minimal(repo(mermaid=text)))
    root = _assert_inert(page)
    heads = [t.text() for t in root.one("svg", class_="jobgraph").find("text", class_="head")]
    assert set(heads) == {*HOSTILE_IDS[:5], "<img src=x onerror=alert(1)>"}
    titles = [t.text() for t in root.one("svg", class_="jobgraph").find("title")]
    assert any('a == "b" </text>' in t for t in titles)


FLOWCHARTS = [
    pytest.param("flowchart TD\n  a --> b --> c\n  a -->|label| c\n", 3, 3, id="chains and edge labels"),
    pytest.param("flowchart TD\n  a --> b\n  b --> a\n  b --> c\n", 3, 3, id="a cycle still draws"),
    pytest.param("graph LR\n  x[plain label]\n  style x fill:#f00\n  click x call foo()\n  what is this\n", 1, 0,
                 id="lines it does not know are skipped"),
    pytest.param("flowchart TD\n  subgraph s[\"group\"]\n    subgraph t\n      a\n    end\n  end\n  s --> a\n", 1, 0,
                 id="nested subgraphs, an edge from a group to its own member"),
    pytest.param('flowchart TD\n  classDef evil fill:url(javascript:x),stroke:#fff" onload="x\n  a\n  class a evil\n', 1, 0,
                 id="class styles outside the allowed shapes are dropped"),
]


@pytest.mark.parametrize(("text", "nodes", "edges"), FLOWCHARTS)
def test_flowcharts(text, nodes, edges):
    chart = parse_flowchart(text)
    svg = graph_svg(chart)
    assert svg.count('<g class="node') == nodes
    assert svg.count("marker-end=") == edges
    assert "javascript" not in svg and "onload" not in svg


def test_no_nodes_says_so():
    assert "no job graph could be read" in render_html(minimal(repo(mermaid="flowchart TD\n%% nothing\n")))


@pytest.mark.parametrize(("lines", "expected"), [
    pytest.param(["abc"], ["abc"], id="fits"),
    pytest.param(["aaa bbb ccc"], ["aaa", "bbb", "ccc"], id="breaks at spaces"),
    pytest.param(["x" * 9], ["xxxx", "xxxx", "x"], id="hard-breaks a long word"),
    pytest.param(["a b c d e f g h"], ["a b", "c d", "e f…"], id="at most three lines, the last one marked"),
])
def test_wrap(lines, expected):
    assert wrap(lines, width=4, most=3) == expected


# --- size and speed --------------------------------------------------------------------------------------------


def big_report(n: int = 500) -> dict:
    base = sample()
    repos = []
    for i in range(n):
        r = copy.deepcopy(base["repositories"][i % len(base["repositories"])])
        r["repo"] = f"acme/repo-{i:03d}"
        repos.append(r)
    return dict(base, repositories=repos, totals=None)


def test_five_hundred_repositories_render_quickly():
    """Not a benchmark (about 0.2 s here): a bound loose enough for any machine, that quadratic work would break."""
    report = big_report()
    start = time.perf_counter()
    page = render_html(report)
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"{elapsed:.2f} s"
    assert page.count('<details class="repo"') == 500
    assert page.count("<details class=\"repo\" id=\"r499\"") == 1
    assert len(page) < 15_000_000


# --- in a browser: jsdom (clicks) and headless Chromium (fragment views, screenshot) ----------------------------


def _tool_missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests must run in CI, but {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def node_dom():
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "jsdom").is_dir():
        _tool_missing("node is not installed" if node is None else "tests/js/node_modules is absent (run scripts/install.sh)")
    return node


JSDOM_DRIVER = r"""
import { JSDOM } from 'jsdom';
import fs from 'fs';
const [page, url, scenarios] = JSON.parse(fs.readFileSync(0, 'utf8'));
const html = fs.readFileSync(page, 'utf8');
const results = [];
for (const steps of scenarios) {
const dom = new JSDOM(html, { runScripts: 'dangerously', url });
const doc = dom.window.document;
const out = [];
const view = () => ({
  rows: [...doc.querySelectorAll('#repos tbody tr')].filter((tr) => !tr.hidden).map((tr) => tr.cells[0].dataset.v),
  details: [...doc.querySelectorAll('#details > details')].filter((d) => !d.hidden).map((d) => d.id),
  sort: [...doc.querySelectorAll('#repos th')].map((th) => th.getAttribute('aria-sort')),
  open: [...doc.querySelectorAll('#details > details')].filter((d) => d.open).map((d) => d.id),
  shown: doc.getElementById('shown').textContent,
  hash: dom.window.location.hash,
});
for (const [kind, arg] of steps) {
  if (kind === 'header') doc.querySelector(`th[data-key=${arg}] button`).click();
  if (kind === 'chip') doc.querySelector(`input[name=outcome][value=${arg}]`).click();
  if (kind === 'card') doc.querySelector(`.card[data-only="${arg}"]`).click();
  if (kind === 'button') doc.getElementById(arg).click();
  if (kind === 'search') {
    const q = doc.getElementById('q');
    q.value = arg;
    q.dispatchEvent(new dom.window.Event('input', { bubbles: true }));
  }
  out.push(view());
}
results.push(out);
}
process.stdout.write(JSON.stringify(results));
"""


def _names(outcomes: list[str] | None = None, key=None, reverse=False) -> list[str]:
    repos = sample()["repositories"]
    chosen = [r for r in repos if outcomes is None or r["outcome"] in outcomes]
    if key is not None:
        chosen = sorted(chosen, key=key, reverse=reverse)
    return [r["repo"].lower() for r in chosen]


def _rank(r: dict) -> int:
    return OUTCOMES.index(r["outcome"])


def _pr_number(r: dict) -> tuple[int, int]:
    return (0, int(r["pr_url"].rsplit("/", 1)[1])) if r["pr_url"] else (1, 0)


CLICKS = [
    pytest.param([["header", "outcome"]], lambda v: v[0]["rows"] == _names(key=_rank) and v[0]["details"] == [
        f"r{i}" for i, _ in sorted(enumerate(sample()["repositories"]), key=lambda ir: _rank(ir[1]))]
        and v[0]["sort"][1] == "ascending" and v[0]["hash"] == "#sort=outcome", id="click Outcome: sorted, details follow"),
    pytest.param([["header", "seconds"], ["header", "seconds"]],
                 lambda v: v[1]["rows"] == _names(key=lambda r: -r["seconds"]) and v[1]["sort"][6] == "descending"
                 and v[1]["hash"] == "#sort=-seconds", id="click Seconds twice: descending"),
    pytest.param([["header", "repo"]], lambda v: v[0]["rows"] == sorted(_names()), id="click Repository: by name"),
    pytest.param([["header", "pr"]], lambda v: v[0]["rows"] == _names(key=_pr_number),
                 id="click PR: by pull request number, repositories without one last"),
    pytest.param([["chip", "migrated"], ["chip", "skipped"]],
                 lambda v: v[1]["rows"] == _names(["already-migrated", "not-applicable", "unsupported", "error"])
                 and v[1]["shown"] == "16 of 30 shown" and len(v[1]["details"]) == 16, id="untick two outcomes"),
    pytest.param([["card", "error"]], lambda v: v[0]["rows"] == _names(["error"]) and v[0]["hash"] == "#outcome=error",
                 id="click the error card: only errors"),
    pytest.param([["card", "error"], ["card", "error"]], lambda v: v[1]["shown"] == "30 of 30 shown",
                 id="click it again: everything"),
    pytest.param([["search", "ACME/S"]], lambda v: v[0]["rows"] == [n for n in _names() if n.startswith("acme/s")],
                 id="filter by name, case-insensitive"),
    pytest.param([["button", "expand"], ["button", "collapse"]],
                 lambda v: len(v[0]["open"]) == 30 and v[1]["open"] == [], id="expand all, collapse all"),
]


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("page") / "report.html"
    path.write_text(render_html(sample()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def jsdom_views(node_dom, tmp_path_factory) -> dict[str, list[dict]]:
    """Every scenario of CLICKS, each on a fresh page, in one node process: param id -> the view after each step.
    The page is the sample's without diffs and graphs, which the script never reads (jsdom parses slowly)."""
    report = sample()
    report["repositories"] = [dict(r, diff=None, mermaid=None) for r in report["repositories"]]
    page = tmp_path_factory.mktemp("jsdom") / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    scenarios = [param.values[0] for param in CLICKS]
    proc = subprocess.run([node_dom, "--input-type=module", "-e", JSDOM_DRIVER], cwd=JS, capture_output=True, text=True,
                          input=json.dumps([str(page), "http://localhost/report.html", scenarios]), timeout=300)
    assert proc.returncode == 0, proc.stderr
    return dict(zip([param.id for param in CLICKS], json.loads(proc.stdout), strict=True))


@pytest.mark.parametrize(("steps", "check"), CLICKS)
def test_clicks_in_jsdom(jsdom_views, request, steps, check):
    views = jsdom_views[request.node.callspec.id]
    assert len(views) == len(steps)
    assert check(views), json.dumps(views, indent=1)[:3000]


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--force-device-scale-factor=1"]


@pytest.fixture(scope="module")
def chromium():
    exe = shutil.which("chromium")
    if exe is None:
        _tool_missing("Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)")
    return exe


def run_chromium(exe: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="profile-", dir=tmp)  # a fresh profile for every start
    proc = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, timeout=180)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
    return proc


def dump_dom(exe: str, tmp: Path, page: Path, fragment: str = "") -> Node:
    proc = run_chromium(exe, tmp, "--dump-dom", page.as_uri() + fragment)
    return dom(proc.stdout.decode("utf-8"))


def _visible_rows(root: Node) -> list[Node]:
    return [tr for tr in root.one("tbody").find("tr") if "hidden" not in tr.attrs]


def _order(root: Node, column: int) -> list[str]:
    return [tr.find("td")[column].attrs["data-v"] for tr in _visible_rows(root)]


FRAGMENTS = [
    pytest.param("", lambda root: _order(root, 0) == _names(), id="no fragment: the report's order"),
    pytest.param("#sort=outcome", lambda root: [int(v) for v in _order(root, 1)] == sorted(int(v) for v in _order(root, 1))
                 and [d.attrs["id"] for d in root.one("section", id="details").find("details", class_="repo")]
                 == [f"r{tr.attrs['data-i']}" for tr in root.one("tbody").find("tr")], id="sort=outcome"),
    pytest.param("#sort=-seconds", lambda root: _order(root, 0) == _names(key=lambda r: -r["seconds"]), id="sort=-seconds"),
    pytest.param("#outcome=error,unsupported", lambda root: _order(root, 0) == _names(["error", "unsupported"])
                 and root.one("span", id="shown").text() == "7 of 30 shown", id="outcome filter"),
    pytest.param("#open=all", lambda root: all("open" in d.attrs for d in root.find("details", class_="repo")), id="open=all"),
    pytest.param("#r3", lambda root: [d.attrs["id"] for d in root.find("details", class_="repo") if "open" in d.attrs] == ["r3"],
                 id="#r3 opens repository 3"),
]


@pytest.fixture(scope="module")
def fragment_doms(chromium, sample_file, tmp_path_factory) -> dict[str, Node]:
    """The DOM Chromium has after the page's script ran, for every fragment of FRAGMENTS (three at a time)."""
    tmp = tmp_path_factory.mktemp("chromium")
    with ThreadPoolExecutor(3) as pool:
        futures = {p.id: pool.submit(dump_dom, chromium, tmp, sample_file, p.values[0]) for p in FRAGMENTS}
    return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize(("fragment", "check"), FRAGMENTS)
def test_views_from_fragments_in_chromium(fragment_doms, request, fragment, check):
    root = fragment_doms[request.node.callspec.id]
    assert root.one("html").attrs.get("data-ready") == "30", "the script did not run (the page's CSP refused it?)"
    assert check(root)


def test_hostile_report_stays_inert_in_chromium(chromium, tmp_path):
    report = minimal(repo(reason="r"))
    for put in FIELDS:
        put.values[0](report, '"><img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>')
    page = tmp_path / "hostile.html"
    page.write_text(render_html(report), encoding="utf-8")
    root = dump_dom(chromium, tmp_path, page)
    assert root.one("html").attrs.get("data-ready") == "1"
    assert not root.find("img") and len(root.find("script")) == 1
    assert root.one("head").one("title").text().startswith("consolidate-ci "), "no script changed the title"


def png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the set of RGB colours of an 8-bit RGB(A), non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, head = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", data[pos + 8:pos + 8 + length])
        elif kind == b"IDAT":
            idat.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    assert head is not None
    width, height, depth, colour_type, _, _, interlace = head
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, head
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), width * bpp
    prev, colours = bytes(stride), set()
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), prev, bpp)
        colours.update(line[x:x + 3] for x in range(0, stride, bpp))
        prev = line
    return width, height, colours


def _unfilter(kind: int, line: bytearray, prev: bytes, bpp: int) -> bytes:
    if kind == 1:
        for i in range(bpp, len(line)):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif kind == 2:
        line = bytearray(map(lambda a, b: (a + b) & 255, line, prev))
    elif kind == 3:
        for i in range(len(line)):
            line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
    elif kind == 4:
        for i in range(len(line)):
            a, b, c = (line[i - bpp], prev[i], prev[i - bpp]) if i >= bpp else (0, prev[i], 0)
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return bytes(line)


def _css_colour(name: str) -> bytes:
    return bytes.fromhex(re.search(rf"--{name}:#([0-9a-f]{{6}})", CSS).group(1))


def test_screenshot_of_the_sample_report(chromium, tmp_path):
    """Chromium draws the page: a PNG of the window's size, far from blank, in the outcomes' own colours."""
    page = tmp_path / "report.html"
    page.write_text(render_html(sample()), encoding="utf-8")
    shot = tmp_path / "report.png"
    run_chromium(chromium, tmp_path, "--window-size=1280,900", f"--screenshot={shot}", page.as_uri() + "#sort=outcome")
    assert shot.is_file() and shot.stat().st_size > 10_000
    width, height, colours = png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 900)
    assert len(colours) > 200, f"only {len(colours)} colours: a blank or unstyled page"
    missing = [o for o in OUTCOMES if _css_colour(o) not in colours]
    assert not missing, f"outcome colours not drawn: {missing}"
    assert b"\xff\xff\xff" in colours


def test_the_policy_stops_scripts_the_page_did_not_bring(chromium, tmp_path):
    """Defence in depth: were escaping ever to fail, the page's CSP (the hashes of its own style and script)
    stops an injected handler and an injected script, while the page's own script still runs."""
    mark = "document.documentElement.setAttribute('data-pwned', '{}')"
    injected = f'<img src="x" onerror="{mark.format("handler")}"><script>{mark.format("script")}</script>'
    page = tmp_path / "injected.html"
    page.write_text(render_html(minimal(repo())).replace("<body>\n", f"<body>\n{injected}", 1), encoding="utf-8")
    html = dump_dom(chromium, tmp_path, page).one("html")
    assert html.attrs.get("data-ready") == "1"
    assert "data-pwned" not in html.attrs
