"""Python scripts follow the migration (SPEC R8): libcst rewrites of string literals, dispatch follow-ups."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest

from codemod.docs import Mentions
from codemod.pyscripts import update_script, update_scripts
from codemod.result import Category, FileChange, JobNode, MigrationSummary

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "fixtures" / "scripts"
GLOBS = ["scripts/**/*.py"]


def seed_summary(**changes: object) -> MigrationSummary:
    data = json.loads((ROOT / "fixtures" / "docs" / "summary.json").read_text(encoding="utf-8"))
    data["jobs"] = [JobNode(j["id"], tuple(j["needs"]), j["condition"], j["role"]) for j in data["jobs"]]
    return dataclasses.replace(MigrationSummary(**data), **changes)


def case_summary(case: Path) -> MigrationSummary:
    overrides = case / "overrides.json"
    return seed_summary(**json.loads(overrides.read_text(encoding="utf-8"))) if overrides.is_file() else seed_summary()


def read_tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_bytes().decode("utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


def apply(texts: dict[str, str], changes: list[FileChange]) -> dict[str, str]:
    out = dict(texts)
    for change in changes:
        assert out[change.path] == change.old_text
        out[change.path] = change.new_text
    return out


CASES = [pytest.param(case, id=case.name) for case in sorted(SCRIPTS.iterdir()) if (case / "before").is_dir()]


@pytest.mark.parametrize("case", CASES)
def test_fixture(case: Path):
    before = read_tree(case / "before")
    changes, notes = update_scripts(before, case_summary(case), GLOBS)
    assert apply(before, changes) == read_tree(case / "after")
    assert [str(n) for n in notes] == (case / "notes.txt").read_text(encoding="utf-8").splitlines()
    assert all(n.category is Category.SCRIPT and n.location and n.location.line for n in notes)
    assert all(c.old_text != c.new_text for c in changes)


@pytest.mark.parametrize("case", CASES)
def test_second_run_changes_nothing(case: Path):
    changes, _ = update_scripts(read_tree(case / "after"), case_summary(case), GLOBS)
    assert changes == []


NOOP = [
    pytest.param("# main-branch-post-processing.yml and smart-staging-cleanup, in a comment\nx = 1\n", id="comments"),
    pytest.param('A = b"main-branch-post-processing.yml"\nB = rb"smart-staging-cleanup"\n', id="bytes"),
    pytest.param('A = "main-branch-post-processing.yml.bak"\nB = "smart-staging-cleanup-v2"\nC = "x-smart-staging-cleanup"\n', id="longer names"),
    pytest.param('NAME = "Main Branch"\nOTHER = "Post-Processing"\n', id="parts of the name"),
    pytest.param("\ufeffx = 1\r\n", id="BOM and CRLF"),
    pytest.param("", id="empty file"),
    pytest.param('def f(:\n    return "main-branch-post-processing.yml"\n', id="syntax error"),
    pytest.param('print "main-branch-post-processing.yml"\n', id="Python 2"),
    pytest.param('x = "unterminated\n', id="unterminated string"),
    pytest.param("if True:\n\tx = 1\n        y = 2\n", id="inconsistent indentation"),
]


@pytest.mark.parametrize("text", NOOP)
def test_noop(text: str):
    changes, notes = update_scripts({"scripts/a.py": text}, seed_summary(), GLOBS)
    assert changes == []
    assert all("could not parse" in n.message and n.location and n.location.line for n in notes)


def test_files_outside_the_globs_are_not_read():
    texts = {"tools/a.py": 'X = "main-branch-post-processing.yml"\n', "scripts/a.sh": "gh workflow run main-branch-post-processing.yml\n"}
    assert update_scripts(texts, seed_summary(), GLOBS) == ([], [])


def test_syntax_error_note_points_at_the_error():
    _, notes = update_scripts({"scripts/a.py": 'x = 1\ndef f(:\n    pass\n'}, seed_summary(), GLOBS)
    assert [str(n) for n in notes] == ["[script] scripts/a.py:2:7: could not parse this script (invalid syntax); left unchanged"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param('X = "main-branch-post-processing.yml"\n', 'It\'s "CI" {x}\\'),
        pytest.param("X = 'Main Branch Post-Processing'\n", 'It\'s "CI" {x}\\'),
        pytest.param('X = f"{a}: Main Branch Post-Processing"\n', None, id="f-string"),
        pytest.param('X = """\nMain Branch Post-Processing\n"""\n', '\nIt\'s "CI" {x}\\\n', id="triple quotes"),
    ],
)
def test_replacements_are_escaped_for_the_literal(source: str, expected: str | None):
    summary = seed_summary(ci_name='It\'s "CI" {x}\\', ci_path='.github/workflows/It\'s "CI" {x}\\')
    new, notes = update_script("scripts/a.py", source, Mentions(summary))
    value = ast.parse(new).body[0].value
    if expected is not None:
        assert ast.literal_eval(value) == expected
    else:
        assert ast.unparse(value) == ast.unparse(ast.parse('f"{a}: It\'s \\"CI\\" {{x}}\\\\"').body[0].value)
    assert notes


def test_a_raw_string_that_cannot_hold_the_replacement_is_noted():
    summary = seed_summary(ci_name='say "hi"')
    new, notes = update_script("scripts/a.py", 'X = r"Main Branch Post-Processing"\n', Mentions(summary))
    assert new == 'X = r"Main Branch Post-Processing"\n'
    assert [n.message for n in notes] == ['`Main Branch Post-Processing` → `say "hi"` cannot be written in this raw string; left unchanged']


def test_one_word_post_name_only_as_a_whole_or_quoted_literal():
    summary = seed_summary(post_name="Deploy", ci_name="CI")
    source = 'A = "Deploy"\nB = "Deploy the app"\nC = \'gh run list -w "Deploy"\'\n'
    new, _ = update_script("scripts/a.py", source, Mentions(summary))
    assert new == 'A = "CI"\nB = "Deploy the app"\nC = \'gh run list -w "CI"\'\n'


def test_a_byte_order_mark_is_kept():
    new, notes = update_script("scripts/a.py", "\ufeffX = 'smart-staging-cleanup'\r\n", Mentions(seed_summary()))
    assert new == "\ufeffX = 'final-cleanup'\r\n"
    assert [str(n) for n in notes] == ["[script] scripts/a.py:1: the old cleanup job in a string: `smart-staging-cleanup` → `final-cleanup`"]
