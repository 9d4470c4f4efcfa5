"""The job graph is valid mermaid for any job id and condition: checked with mermaid's own parser in node."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from codemod.mermaid import job_graph, label
from codemod.result import JobNode, MigrationSummary

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "tests" / "js"
SEED_SUMMARY = ROOT / "fixtures" / "docs" / "summary.json"


def seed_summary(**changes: object) -> MigrationSummary:
    data = json.loads(SEED_SUMMARY.read_text(encoding="utf-8"))
    data["jobs"] = [JobNode(j["id"], tuple(j["needs"]), j["condition"], j["role"]) for j in data["jobs"]]
    return dataclasses.replace(MigrationSummary(**data), **changes)


@pytest.fixture(scope="module")
def mermaid_parse():
    """Runs tests/js/parse-mermaid.mjs: returns (exit code, stdout, stderr) for a mermaid text."""
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "mermaid").is_dir():
        why = "node is not installed" if node is None else "tests/js/node_modules is absent (run scripts/install.sh)"
        if os.environ.get("CI"):
            pytest.fail(f"the mermaid parser must run in CI, but {why}")
        pytest.skip(f"mermaid parser unavailable: {why}")

    def parse(text: str) -> tuple[int, str, str]:
        proc = subprocess.run(
            [node, str(JS / "parse-mermaid.mjs")], input=text, capture_output=True, text=True, timeout=120, cwd=JS
        )
        return proc.returncode, proc.stdout.strip(), proc.stderr.strip()

    return parse


HOSTILE_IDS = ["end", "subgraph", "graph", "class", "style", "click", "a\"b", "x[y]", "v1.2_ü-ß", "j0", "gates"]
STRANGE_CONDITION = """${{ github.ref == "refs/heads/main" }} && <x> #1 `code` &amp; %% 50%
  || contains(github.event.head_commit.message, '[skip]')"""

GRAPHS = [
    pytest.param(seed_summary(), id="seed-shaped migration"),
    pytest.param(seed_summary(jobs=[]), id="no recorded jobs: drawn from the summary's names"),
    pytest.param(
        seed_summary(
            jobs=[
                JobNode(HOSTILE_IDS[0], role="gate"),
                JobNode(HOSTILE_IDS[1], role="gate"),
                *[JobNode(i, needs=(HOSTILE_IDS[0], HOSTILE_IDS[1]), condition=STRANGE_CONDITION, role="publish") for i in HOSTILE_IDS[2:5]],
                JobNode(HOSTILE_IDS[5], needs=tuple(HOSTILE_IDS[2:5]), role="helper"),
                JobNode(HOSTILE_IDS[6], needs=(HOSTILE_IDS[5],), condition='a == "b"', role="downstream"),
                JobNode(HOSTILE_IDS[7], needs=(HOSTILE_IDS[6], "not-a-job"), condition=STRANGE_CONDITION, role="cleanup"),
                JobNode(HOSTILE_IDS[8], role="unknown-role"),
                JobNode(HOSTILE_IDS[9], needs=(HOSTILE_IDS[8],)),
                JobNode(HOSTILE_IDS[10], needs=(HOSTILE_IDS[9],), condition="x", role="moved"),
            ]
        ),
        id="mermaid keywords, quotes, brackets and unicode as job ids; markup in conditions",
    ),
    pytest.param(
        seed_summary(
            jobs=[
                JobNode("e2e-tests", role="gate"),
                JobNode("publish-production", needs=("e2e-tests",), condition="github.ref == 'refs/heads/main'", role="publish"),
                JobNode("publish-production-docs", needs=("e2e-tests",), condition="github.ref == 'refs/heads/release'", role="publish"),
            ]
        ),
        id="group jobs with different conditions, no cleanup",
    ),
    pytest.param(
        seed_summary(jobs=[JobNode("publish-production", condition="true", role="publish")]),
        id="a single job",
    ),
]


@pytest.mark.parametrize("summary", GRAPHS)
def test_job_graph_parses_with_mermaid(summary, mermaid_parse):
    code, out, err = mermaid_parse(job_graph(summary))
    assert code == 0, err
    assert out == "flowchart-v2"


def test_the_parser_rejects_an_invalid_flowchart(mermaid_parse):
    code, _, err = mermaid_parse('flowchart TD\n  a["unclosed] --> b\n')
    assert code != 0
    assert "Parse error" in err


def test_seed_graph_reads_gates_then_group_then_cleanup():
    text = job_graph(seed_summary())
    assert text.startswith("flowchart TD\n")
    assert '  subgraph gates["gates (must pass)"]\n    j2["e2e-tests"]\n    j3["security-scanning"]\n  end\n' in text
    assert "publish group<br/>if: github.event_name == 'push' && github.ref == 'refs/heads/main'" in text
    assert 'j6["final-cleanup<br/>if: always() && (github.event_name == ' in text
    edges = [line.strip() for line in text.splitlines() if "-->" in line]
    assert edges == ["j0 --> j1", "j1 --> gates", "gates --> publish_group", "publish_group --> j6"]
    assert "  class j4,j5 publish\n" in text
    assert "  class j6 cleanup\n" in text


def test_group_conditions_that_differ_are_shown_per_job():
    text = job_graph(GRAPHS[3].values[0])
    assert 'subgraph publish_group["publish group"]' in text
    assert "j1[\"publish-production<br/>if: github.ref == 'refs/heads/main'\"]" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('a "b"', "a #34;b#34;", id="double quotes"),
        pytest.param("#1 <b> `c`", "#35;1 #60;b#62; #96;c#96;", id="entity, html and markdown markers"),
        pytest.param("a && b &amp; c", "a && b #38;amp; c", id="only entity-like ampersands"),
        pytest.param("a\n   b\t c", "a b c", id="whitespace folded to one line"),
    ],
)
def test_label_escapes(text, expected):
    assert label(text) == expected


def _fixture_diagrams() -> list:
    found = []
    for page in sorted((ROOT / "fixtures" / "docs").glob("*/after/**/*.md")):
        text = page.read_bytes().decode("utf-8").replace("\r\n", "\n")
        for i, block in enumerate(re.findall(r"^```mermaid\n(.*?)^```$", text, flags=re.S | re.M)):
            found.append(pytest.param(block, id=f"{page.relative_to(ROOT / 'fixtures' / 'docs')}#{i}"))
    return found


@pytest.mark.parametrize("text", _fixture_diagrams())
def test_mermaid_blocks_of_the_docs_fixtures_parse(text, mermaid_parse):
    code, out, err = mermaid_parse(text)
    assert (code, out) == (0, "flowchart-v2"), err


def test_graph_is_deterministic():
    assert job_graph(seed_summary()) == job_graph(seed_summary())
