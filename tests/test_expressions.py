"""GitHub Actions expressions: parsing, printing, references, rewriting, folding, evaluation.

Semantics examples come from GitHub's documentation ("Evaluate expressions in workflows and actions") and
the test data of GitHub's own expression library (actions/languageservices `expressions/testdata`).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codemod.expressions import (
    ARITY,
    KEYWORDS,
    MAX_DEPTH,
    Binary,
    Call,
    Context,
    ExpressionError,
    Index,
    Literal,
    Not,
    Property,
    Star,
    evaluate,
    find_embedded,
    fold,
    format_condition,
    make_reference,
    parse,
    parse_condition,
    reference,
    reference_lower,
    rewrite_embedded,
    status_functions,
    to_source,
    transform,
    truthy,
    walk,
)

a, b, c = Context("a"), Context("b"), Context("c")


def ref(text: str):
    """A reference node from dotted text, for building expected trees."""
    return make_reference(*text.split("."))


# --------------------------------------------------------------------------------------------------- printing

CANONICAL = [
    pytest.param("github.event.workflow_run.head_sha", id="property chain"),
    pytest.param("github.event['workflow_run'].head_sha", id="string index kept as index"),
    pytest.param("needs.old-id.outputs.x", id="names with dashes"),
    pytest.param("a == b", id="equality"),
    pytest.param("a != 'x'", id="inequality with string"),
    pytest.param("a && b || c", id="and binds tighter than or"),
    pytest.param("a || b && c", id="and on the right of or needs no parentheses"),
    pytest.param("a && (b || c)", id="or inside and keeps its parentheses"),
    pytest.param("a || (b && c)", id="parentheses the source wrote around an operand are kept"),
    pytest.param("!a", id="not"),
    pytest.param("!!a", id="double not"),
    pytest.param("!(a == b)", id="not of a comparison"),
    pytest.param("!a.b", id="member access binds tighter than not"),
    pytest.param("(!a).b", id="member access on a not"),
    pytest.param("a < b == c", id="comparison binds tighter than equality"),
    pytest.param("a == (b < c)", id="written parentheses stay"),
    pytest.param("a == b == c", id="left-associative equality"),
    pytest.param("a == (b == c)", id="right-nested equality needs parentheses"),
    pytest.param("contains(github.event.pull_request.labels.*.name, 'ci')", id="call with object filter"),
    pytest.param("format('{0}-{1}', a, b)", id="call with several arguments"),
    pytest.param("always()", id="call without arguments"),
    pytest.param("fromJSON(steps.meta.outputs.json).tags[0]", id="index on a call result"),
    pytest.param("a[*].b", id="bracket star kept"),
    pytest.param("a.*.b", id="dot star"),
    pytest.param("a[b.c]", id="computed index"),
    pytest.param("(1).a", id="member of a literal needs parentheses"),
    pytest.param("(a || b).c", id="member of a grouped expression"),
    pytest.param("'it''s'", id="escaped quote"),
    pytest.param("''", id="empty string"),
    pytest.param("'}}'", id="closing braces in a string"),
    pytest.param("0xFF == 255", id="hex spelling kept"),
    pytest.param("1e3", id="exponent spelling kept"),
    pytest.param("-9.2", id="negative decimal"),
    pytest.param("-2.99e-2", id="negative exponent"),
    pytest.param("a < -1", id="negative literal operand"),
    pytest.param("null", id="null"),
    pytest.param("true && false", id="booleans"),
    pytest.param("NaN", id="NaN literal"),
    pytest.param("-Infinity", id="negative infinity"),
    pytest.param("x.true", id="keyword after a dot is a property"),
    pytest.param(
        "always() && (needs.build.result == 'success' || needs.build.result == 'skipped')", id="gate"
    ),
]


@pytest.mark.parametrize("text", CANONICAL)
def test_canonical_text_prints_back_unchanged(text):
    assert to_source(parse(text)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("  a   ==b ", "a == b", id="spaces normalised"),
        pytest.param("a==b&&c", "a == b && c", id="no spaces at all"),
        pytest.param("\n  a &&\n  b\n", "a && b", id="multi-line"),
        pytest.param("\ta\t||\r\nb", "a || b", id="tabs and CRLF"),
        pytest.param("(a)", "a", id="parenthesised name"),
        pytest.param("((a || b))", "a || b", id="top-level parentheses dropped"),
        pytest.param("(a) && (b)", "a && b", id="parentheses around operands that are not operators"),
        pytest.param("(!a) && b", "!a && b", id="parentheses around not dropped"),
        pytest.param("f( a ,b )", "f(a, b)", id="call arguments"),
        pytest.param("always ()", "always()", id="space before call parentheses"),
        pytest.param("a[ 'b' ]", "a['b']", id="index"),
        pytest.param("a . b", "a.b", id="spaces around a dot"),
        pytest.param("a[ * ]", "a[*]", id="bracket star with spaces"),
        pytest.param("f((a || b))", "f(a || b)", id="parentheses around an argument"),
        pytest.param("(github).event", "github.event", id="parenthesised context"),
    ],
)
def test_printing_normalises_layout(text, expected):
    assert to_source(parse(text)) == expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        pytest.param(Binary("&&", a, Binary("||", b, c)), "a && (b || c)", id="or under and"),
        pytest.param(Binary("||", Binary("&&", a, b), c), "a && b || c", id="and under or"),
        pytest.param(Binary("||", a, Binary("&&", b, c)), "a || b && c", id="minimal parentheses"),
        pytest.param(Binary("&&", Binary("&&", a, b), c), "a && b && c", id="left chain"),
        pytest.param(Binary("&&", a, Binary("&&", b, c)), "a && (b && c)", id="right chain keeps grouping"),
        pytest.param(Binary("==", Binary("<", a, b), c), "a < b == c", id="comparison under equality"),
        pytest.param(Binary("<", Binary("==", a, b), c), "(a == b) < c", id="equality under comparison"),
        pytest.param(Not(Binary("||", a, b)), "!(a || b)", id="not of or"),
        pytest.param(Not(Not(a)), "!!a", id="not not"),
        pytest.param(Not(Literal(-1)), "!-1", id="not of a negative number"),
        pytest.param(Property(Literal(1), "x"), "(1).x", id="member of literal"),
        pytest.param(Property(Not(a), "x"), "(!a).x", id="member of not"),
        pytest.param(Star(Binary("||", a, b)), "(a || b).*", id="star of or"),
        pytest.param(Star(a, bracket=True), "a[*]", id="bracket star"),
        pytest.param(Index(a, Binary("||", b, c)), "a[b || c]", id="index needs no parentheses"),
        pytest.param(Call("f", (Binary("&&", a, b), c)), "f(a && b, c)", id="arguments"),
        pytest.param(Literal("it's"), "'it''s'", id="quote escaped"),
        pytest.param(Literal(None), "null", id="null"),
        pytest.param(Literal(True), "true", id="true"),
        pytest.param(Literal(1.5), "1.5", id="decimal"),
        pytest.param(Literal(2.0), "2", id="integral float"),
        pytest.param(Literal(1e300), "1e+300", id="large float"),
        pytest.param(Literal(math.nan), "NaN", id="nan"),
        pytest.param(Literal(-math.inf), "-Infinity", id="minus infinity"),
        pytest.param(Literal(255, raw="0xff"), "0xff", id="raw spelling wins"),
        pytest.param(make_reference("github", "sha"), "github.sha", id="reference"),
        pytest.param(
            make_reference("needs", "new-id", "outputs", "x"), "needs.new-id.outputs.x", id="dashes"
        ),
        pytest.param(make_reference("env", "A B"), "env['A B']", id="part that is not a name"),
    ],
)
def test_printing_built_trees(node, expected):
    assert to_source(node) == expected
    assert parse(expected) == node


# --------------------------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        pytest.param("a || b && c", Binary("||", a, Binary("&&", b, c)), id="&& over ||"),
        pytest.param("a && b || c", Binary("||", Binary("&&", a, b), c), id="left && then ||"),
        pytest.param("a == b && c", Binary("&&", Binary("==", a, b), c), id="== over &&"),
        pytest.param("a == b < c", Binary("==", a, Binary("<", b, c)), id="< over == (GitHub's table)"),
        pytest.param("a < b == c", Binary("==", Binary("<", a, b), c), id="< over == on the left"),
        pytest.param("!a == b", Binary("==", Not(a), b), id="! over =="),
        pytest.param("!2 < 3", Binary("<", Not(Literal(2)), Literal(3)), id="! over <"),
        pytest.param("!a.b", Not(Property(a, "b")), id=". over !"),
        pytest.param("a && b && c", Binary("&&", Binary("&&", a, b), c), id="left associative"),
        pytest.param("a <= b >= c", Binary(">=", Binary("<=", a, b), c), id="comparisons left associative"),
        pytest.param("a.b-c", Property(a, "b-c"), id="dash inside a name"),
        pytest.param("a.b_c", Property(a, "b_c"), id="underscore inside a name"),
        pytest.param("a['b']", Index(a, Literal("b")), id="string index"),
        pytest.param("a.*", Star(a), id="dot star"),
        pytest.param("a[*]", Star(a), id="bracket star equals dot star"),
        pytest.param("f(x)[0]", Index(Call("f", (Context("x"),)), Literal(0)), id="index on a call"),
        pytest.param("(a || b).c", Property(Binary("||", a, b), "c"), id="member of a group"),
        pytest.param("foo.true", Property(Context("foo"), "true"), id="keyword as property"),
        pytest.param("foo.NaN", Property(Context("foo"), "NaN"), id="NaN as property"),
        pytest.param("True", Context("True"), id="keywords are case-sensitive"),
        pytest.param("-1", Literal(-1), id="negative number"),
        pytest.param("+1", Literal(1), id="plus sign"),
        pytest.param("a[.5]", Index(a, Literal(0.5)), id="leading dot number after ["),
        pytest.param("contains(a, b)", Call("contains", (a, b)), id="call"),
        pytest.param("CONTAINS(a, b)", Call("CONTAINS", (a, b)), id="function names keep their case"),
    ],
)
def test_parse_builds_tree(text, tree):
    assert parse(text) == tree


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("711", 711, id="integer"),
        pytest.param("-9.2", -9.2, id="negative decimal"),
        pytest.param("0xff", 255, id="hex"),
        pytest.param("0XFF", 255, id="upper-case hex"),
        pytest.param("0o17", 15, id="octal"),
        pytest.param("0b101", 5, id="binary"),
        pytest.param("-2.99e-2", -0.0299, id="exponent"),
        pytest.param("1e3", 1000, id="integral exponent"),
        pytest.param("1.", 1, id="trailing dot"),
        pytest.param(".5", 0.5, id="leading dot"),
        pytest.param("007", 7, id="leading zeros"),
        pytest.param("Infinity", math.inf, id="infinity"),
        pytest.param("-Infinity", -math.inf, id="minus infinity"),
        pytest.param("'It''s open source!'", "It's open source!", id="string with escaped quote"),
        pytest.param("''''", "'", id="only a quote"),
        pytest.param("'a\nb'", "a\nb", id="newline in a string"),
        pytest.param("true", True, id="true"),
        pytest.param("false", False, id="false"),
        pytest.param("null", None, id="null"),
    ],
)
def test_literal_values(text, value):
    node = parse(text)
    assert isinstance(node, Literal)
    assert node == Literal(value)
    assert node.raw == text


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        pytest.param("", "expected an expression", 1, id="empty"),
        pytest.param("   ", "expected an expression", 4, id="blank"),
        pytest.param("a ==", "unexpected end of expression", 5, id="missing right operand"),
        pytest.param("!", "unexpected end of expression", 2, id="lone not"),
        pytest.param("(a", "expected ')'", 3, id="unclosed parenthesis"),
        pytest.param("a)", "unexpected ')'", 2, id="stray parenthesis"),
        pytest.param("a b", "unexpected 'b'", 3, id="two values"),
        pytest.param('"a" == a', "double quotes", 1, id="double-quoted string"),
        pytest.param('a == "b"', "double quotes", 6, id="double quotes on the right"),
        pytest.param("'abc", "unterminated string", 1, id="unterminated string"),
        pytest.param("a == 'it's'", "a quote inside a string is written ''", 10, id="unescaped quote"),
        pytest.param("a = b", "'=' is not an operator", 3, id="single equals"),
        pytest.param("a & b", "'&' is not an operator", 3, id="single ampersand"),
        pytest.param("a | b", "'|' is not an operator", 3, id="single bar"),
        pytest.param("a * b", "unexpected '*'", 3, id="no multiplication"),
        pytest.param("a - 1", "invalid number '-'", 3, id="no subtraction"),
        pytest.param("1-2", "invalid number '1-2'", 1, id="no subtraction without spaces"),
        pytest.param("1.2.3", "invalid number '1.2.3'", 1, id="two dots"),
        pytest.param("0x", "invalid number '0x'", 1, id="hex without digits"),
        pytest.param("1_000", "invalid number '1_000'", 1, id="underscores are not JavaScript numbers"),
        pytest.param("a.1", "expected a property name after '.'", 3, id="number after a dot"),
        pytest.param("a.", "expected a property name after '.'", 3, id="dot at the end"),
        pytest.param("'a'.b", "'.' must follow a name", 4, id="member of a bare literal"),
        pytest.param("true.x", "'.' must follow a name", 5, id="member of a keyword"),
        pytest.param("a..b", "'.' must follow a name", 3, id="two dots in a path"),
        pytest.param("a[", "unexpected end of expression", 3, id="unclosed index"),
        pytest.param("a[*", "expected ']'", 4, id="unclosed star"),
        pytest.param("a[]", "unexpected ']'", 3, id="empty index"),
        pytest.param("f(a,)", "unexpected ')'", 5, id="trailing comma"),
        pytest.param("f(a b)", "expected ',' or ')'", 5, id="missing comma"),
        pytest.param("f(", "unexpected end of expression", 3, id="unclosed call"),
        pytest.param("contains(a)", "contains() takes 2 argument(s), not 1", 1, id="too few arguments"),
        pytest.param(
            "x && always(1)", "always() takes 0 argument(s), not 1", 6, id="status function arguments"
        ),
        pytest.param("case(a, b)", "case() takes 3 or more argument(s)", 1, id="case too few"),
        pytest.param("case(a, b, c, d)", "odd number", 1, id="case even count"),
        pytest.param("a$", "unexpected symbol 'a$'", 1, id="illegal character in a name"),
        pytest.param("1a", "invalid number '1a'", 1, id="name starting with a digit"),
        pytest.param("a.b(c)", "unexpected '('", 4, id="no methods"),
        pytest.param("true(a)", "unexpected '('", 5, id="keyword is not a function"),
        pytest.param("${{ a }}", "unexpected symbol '${{'", 1, id="braces are not part of the expression"),
        pytest.param("(" * 60 + "a" + ")" * 60, "nests too deeply", 50, id="deep parentheses"),
        pytest.param("!" * 60 + "a", "nests too deeply", 50, id="deep negation"),
        pytest.param(" && ".join(["a"] * (MAX_DEPTH + 1)), "nests too deeply", 1, id="long chain"),
    ],
)
def test_parse_errors_name_the_column(text, message, column):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.offset == column - 1
    assert str(caught.value) == f"{caught.value.message} at column {column}"


def test_a_long_chain_within_the_limit_parses_prints_folds_and_evaluates():
    text = " && ".join(["a"] * (MAX_DEPTH - 1))
    node = parse(text)
    assert to_source(node) == text
    assert fold(node) == node
    assert evaluate(node, {"a": 1}) == 1


def test_spans_index_into_the_parsed_text():
    node = parse("  a == 'b'")
    assert node.span == (2, 10)
    assert node.left.span == (2, 3)
    assert node.right.span == (7, 10)
    assert parse("x.y", base=10).span == (10, 13)


def test_equality_ignores_positions_spelling_and_grouping():
    assert parse("  a.b ") == Property(Context("a"), "b")
    assert parse("0x10") == Literal(16) == Literal(16.0)
    assert parse("(a || b) && c").left == Binary("||", a, b)
    assert parse("a[*]") == parse("a.*")
    assert Literal(True) != Literal(1)
    assert Literal(False) != Literal(0)
    assert Literal(None) != Literal("")
    assert Literal(math.nan) == Literal(math.nan)
    assert len({parse("a == 1"), parse("a==1.0"), Binary("==", a, Literal(1))}) == 1


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: Context("true"), id="keyword as context"),
        pytest.param(lambda: Context("a b"), id="space in a context"),
        pytest.param(lambda: Property(a, "1x"), id="property starting with a digit"),
        pytest.param(lambda: Call("null"), id="keyword as function"),
        pytest.param(lambda: Binary("+", a, b), id="unknown operator"),
    ],
)
def test_nodes_that_cannot_be_printed_are_refused(build):
    with pytest.raises(ValueError):
        build()


# --------------------------------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        pytest.param(
            "github.event.workflow_run.head_sha", ("github", "event", "workflow_run", "head_sha"), id="dots"
        ),
        pytest.param(
            "github.event['workflow_run'].head_branch",
            ("github", "event", "workflow_run", "head_branch"),
            id="index",
        ),
        pytest.param(
            "GitHub.Event.Workflow_Run.ID", ("GitHub", "Event", "Workflow_Run", "ID"), id="case kept"
        ),
        pytest.param("needs['old-id'].outputs.x", ("needs", "old-id", "outputs", "x"), id="dashed index"),
        pytest.param("env['A B']", ("env", "A B"), id="index that is not a name"),
        pytest.param("github", ("github",), id="bare context"),
        pytest.param("needs.*.result", None, id="object filter"),
        pytest.param("matrix[github.job]", None, id="computed index"),
        pytest.param("steps[0].outputs", None, id="number index"),
        pytest.param("fromJSON(x).a", None, id="call root"),
        pytest.param("a == b", None, id="not a reference"),
        pytest.param("'github'", None, id="literal"),
    ],
)
def test_reference(text, parts):
    assert reference(parse(text)) == parts


def test_reference_lower_folds_case():
    assert reference_lower(parse("GitHub.Event['Workflow_Run'].Head_SHA")) == (
        "github",
        "event",
        "workflow_run",
        "head_sha",
    )
    assert reference_lower(parse("a || b")) is None


def test_make_reference_needs_a_context():
    with pytest.raises(ValueError):
        make_reference()


# R5 of the spec, as the migration will express it with transform().
WORKFLOW_RUN = {
    "head_sha": ("github", "sha"),
    "head_branch": ("github", "ref_name"),
    "id": ("github", "run_id"),
    "run_number": ("github", "run_number"),
    "event": ("github", "event_name"),
}


def rewrite_r5(node):
    parts = reference_lower(node) or ()
    if parts[:3] == ("github", "event", "workflow_run") and parts[3:] and parts[3] in WORKFLOW_RUN:
        return make_reference(*WORKFLOW_RUN[parts[3]]) if len(parts) == 4 else None
    if parts[:2] == ("needs", "old-id"):
        return make_reference("needs", "new-id", *reference(node)[2:])
    conclusion = ("github", "event", "workflow_run", "conclusion")
    if isinstance(node, Binary) and node.op == "==" and reference_lower(node.left) == conclusion:
        return Literal(True) if node.right == Literal("success") else None
    return None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("github.event.workflow_run.head_sha", "github.sha", id="head_sha"),
        pytest.param("github.event['workflow_run'].head_branch", "github.ref_name", id="indexed head_branch"),
        pytest.param("GITHUB.event.Workflow_Run.Head_Sha", "github.sha", id="case-insensitive match"),
        pytest.param("github.event.workflow_run.id", "github.run_id", id="id"),
        pytest.param("github.event.workflow_run.event == 'push'", "github.event_name == 'push'", id="event"),
        pytest.param("needs.old-id.outputs.x", "needs.new-id.outputs.x", id="renamed job"),
        pytest.param("needs['old-id'].outputs['x']", "needs.new-id.outputs['x']", id="renamed job by index"),
        pytest.param("needs.old-id.result == 'success'", "needs.new-id.result == 'success'", id="job result"),
        pytest.param(
            "format('{0}@{1}', github.repository, github.event.workflow_run.head_sha)",
            "format('{0}@{1}', github.repository, github.sha)",
            id="inside a call",
        ),
        pytest.param(
            "github.event.workflow_run.conclusion == 'success' && needs.old-id.outputs.x",
            "true && needs.new-id.outputs.x",
            id="conclusion becomes true",
        ),
    ],
)
def test_transform_rewrites_references(text, expected):
    assert to_source(transform(parse(text), rewrite_r5)) == expected


def test_transform_keeps_untouched_trees_identical():
    node = parse("a.b == 'x' && f(c[0], 0xFF)")
    assert transform(node, lambda n: None) is node
    changed = transform(node, lambda n: Context("z") if n == Context("c") else None)
    assert changed.left is node.left
    assert to_source(changed) == "a.b == 'x' && f(z[0], 0xFF)"


def test_transform_is_bottom_up_and_does_not_revisit_replacements():
    seen = []

    def record(node):
        seen.append(to_source(node))
        return Context("a") if node == Context("b") else None

    result = transform(parse("!(b && c)"), record)
    assert seen == ["b", "c", "a && c", "!(a && c)"]
    assert to_source(result) == "!(a && c)"


def test_walk_visits_parents_first_in_source_order():
    assert [to_source(n) for n in walk(parse("f(a.b, !c)"))] == ["f(a.b, !c)", "a.b", "a", "!c", "c"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        pytest.param("always() && Success()", {"always", "success"}, id="case-insensitive"),
        pytest.param("!cancelled() && (failure() || x)", {"cancelled", "failure"}, id="nested"),
        pytest.param("contains(x, 'failure')", set(), id="a string is not a call"),
        pytest.param("github.event.always", set(), id="a property is not a call"),
        pytest.param("hashFiles('a') != ''", set(), id="other functions"),
    ],
)
def test_status_functions(text, names):
    assert status_functions(parse(text)) == names


# --------------------------------------------------------------------------------------------------- folding

BOTH_MODES = [
    pytest.param("true && x", "x", id="true and x"),
    pytest.param("'yes' && x", "x", id="truthy literal and x"),
    pytest.param("false && x", "false", id="false and x"),
    pytest.param("true || x", "true", id="true or x"),
    pytest.param("false || x", "x", id="false or x"),
    pytest.param("null || x", "x", id="null or x"),
    pytest.param("!true", "false", id="not true"),
    pytest.param("!false", "true", id="not false"),
    pytest.param("!''", "true", id="not empty string"),
    pytest.param("!!x", "!!x", id="double not stays"),
    pytest.param("!(true && x)", "!x", id="inside not"),
    pytest.param("'push' == 'push'", "true", id="equal strings"),
    pytest.param("'push' == 'PUSH'", "true", id="strings compare ignoring case"),
    pytest.param("'push' == 'workflow_run'", "false", id="different strings"),
    pytest.param("'push' != 'workflow_run'", "true", id="not equal"),
    pytest.param("1 == '1'", "true", id="loose equality"),
    pytest.param("2 < 10", "true", id="numbers"),
    pytest.param("'2' < '10'", "false", id="strings order as strings"),
    pytest.param("github.event_name == 'push'", "github.event_name == 'push'", id="not constant"),
    pytest.param("f(true && x)", "f(x)", id="inside a call argument"),
    pytest.param("a[true && 'b']", "a['b']", id="inside an index"),
    pytest.param("(true && x) == y", "x == y", id="comparison operand"),
    pytest.param("x == ('push' == 'push')", "x == true", id="literal comparison as operand"),
]


@pytest.mark.parametrize(("text", "expected"), BOTH_MODES)
def test_fold_keeps_value_and_truthiness(text, expected):
    assert to_source(fold(parse(text), boolean=True)) == expected
    assert to_source(fold(parse(text), boolean=False)) == expected


@pytest.mark.parametrize(
    ("text", "boolean", "value"),
    [
        pytest.param("x && true", "x", "x && true", id="and true"),
        pytest.param("x && false", "false", "x && false", id="and false"),
        pytest.param("x || true", "true", "x || true", id="or true"),
        pytest.param("x || false", "x", "x || false", id="or false"),
        pytest.param("0 && x", "false", "0", id="falsy literal is false in a condition"),
        pytest.param("'a' || x", "true", "'a'", id="truthy literal is true in a condition"),
        pytest.param(
            "(x && true) == y", "(x && true) == y", "(x && true) == y", id="comparison operands keep values"
        ),
        pytest.param("!(x && true)", "!x", "!x", id="not only needs truthiness"),
        pytest.param("(x || false) && y", "x && y", "(x || false) && y", id="nested"),
    ],
)
def test_fold_by_mode(text, boolean, value):
    assert to_source(fold(parse(text), boolean=True)) == boolean
    assert to_source(fold(parse(text), boolean=False)) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "always() && (true && needs.x.result == 'success')",
            "always() && needs.x.result == 'success'",
            id="conclusion replaced by true then folded away",
        ),
        pytest.param("always() && false", "false", id="status function dropped when never true"),
        pytest.param("true || always()", "always()", id="status function kept when always true"),
        pytest.param(
            "failure() && false || x",
            "always() && x",
            id="dropped status function restored to stop the implicit success()",
        ),
        pytest.param("success() && true", "success()", id="status function stays"),
        pytest.param(
            "github.event_name == 'push' && github.ref == 'refs/heads/main'",
            "github.event_name == 'push' && github.ref == 'refs/heads/main'",
            id="gate unchanged",
        ),
    ],
)
def test_fold_conditions(text, expected):
    assert to_source(fold(parse(text))) == expected


def test_fold_then_rewrite_as_the_migration_does():
    text = (
        "always() && (github.event.workflow_run.conclusion == 'success' && needs.old-id.result == 'success')"
    )
    assert (
        to_source(fold(transform(parse(text), rewrite_r5))) == "always() && needs.new-id.result == 'success'"
    )


def test_fold_returns_the_same_tree_when_nothing_folds():
    node = parse("a && (b || c) && !d")
    assert fold(node) is node
    assert fold(node, boolean=False) is node


# --------------------------------------------------------------------------------------------------- embedding


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param("plain text", [], id="none"),
        pytest.param("${{ a }}", [(0, 8, " a ")], id="whole value"),
        pytest.param("x-${{ a }}-${{ b }}", [(2, 10, " a "), (11, 19, " b ")], id="two on a line"),
        pytest.param("${{ '}}' }}", [(0, 11, " '}}' ")], id="closing braces in a string"),
        pytest.param("${{ 'it''s}}' }}!", [(0, 16, " 'it''s}}' ")], id="escaped quote then braces"),
        pytest.param("$${{ a }}", [(1, 9, " a ")], id="no escape: a dollar then an expression"),
        pytest.param("${{a}}}", [(0, 6, "a")], id="extra brace is text"),
        pytest.param("{{ a }} and $ {{ b }}", [], id="not an opening"),
        pytest.param(
            'echo "${{ github.sha }}"\nrun ${{ x }}',
            [(6, 23, " github.sha "), (29, 37, " x ")],
            id="multi-line script",
        ),
        pytest.param("${{}}", [(0, 5, "")], id="empty expression is found; parse refuses it"),
    ],
)
def test_find_embedded(text, found):
    assert find_embedded(text) == found


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        pytest.param("${{ a", 0, id="unterminated"),
        pytest.param("ok ${{ a }} then ${{ 'b }}", 17, id="second one open inside a string"),
        pytest.param("x ${{ a }", 2, id="one brace"),
    ],
)
def test_find_embedded_unterminated(text, offset):
    with pytest.raises(ExpressionError) as caught:
        find_embedded(text)
    assert caught.value.offset == offset


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("echo ${{ github.sha }}", "echo ${{ github.sha }}", id="nothing to change"),
        pytest.param("${{github.event.workflow_run.head_sha}}", "${{github.sha}}", id="padding kept"),
        pytest.param(
            "ref=${{ github.event.workflow_run.head_branch }} sha=${{ github.event.workflow_run.head_sha }}",
            "ref=${{ github.ref_name }} sha=${{ github.sha }}",
            id="two on a line",
        ),
        pytest.param(
            "${{ needs.x.outputs.a  ||  'none' }}\n${{ needs.old-id.outputs.b }}",
            "${{ needs.x.outputs.a  ||  'none' }}\n${{ needs.new-id.outputs.b }}",
            id="unchanged expression keeps its spacing",
        ),
        pytest.param(
            "${{\n  github.event.workflow_run.conclusion == 'success' && needs.old-id.result\n}}",
            "${{\n  needs.new-id.result\n}}",
            id="rewrite then fold in a multi-line value",
        ),
        pytest.param("plain", "plain", id="no expression"),
    ],
)
def test_rewrite_embedded(text, expected):
    assert rewrite_embedded(text, lambda node: fold(transform(node, rewrite_r5), boolean=False)) == expected


@pytest.mark.parametrize(
    ("text", "source", "wrapped"),
    [
        pytest.param("github.event_name == 'push'", "github.event_name == 'push'", False, id="bare"),
        pytest.param("${{ github.event_name == 'push' }}", "github.event_name == 'push'", True, id="wrapped"),
        pytest.param("${{github.ref}}", "github.ref", True, id="wrapped without spaces"),
        pytest.param("  always()\n", "always()", False, id="whitespace around a bare expression"),
        pytest.param("a &&\nb\n", "a && b", False, id="folded multi-line bare expression"),
        pytest.param("${{\n  a &&\n  b\n}}", "a && b", True, id="multi-line inside braces"),
        pytest.param("${{ contains(x, '}}') }}", "contains(x, '}}')", True, id="braces in a string"),
        pytest.param("", "success()", False, id="empty means success()"),
    ],
)
def test_parse_condition(text, source, wrapped):
    node, was_wrapped = parse_condition(text)
    assert (to_source(node), was_wrapped) == (source, wrapped)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        pytest.param("${{ a }} && b", 8, id="text after"),
        pytest.param("a == '${{ b }}'", 0, id="text before"),
        pytest.param("${{ a }} || ${{ b }}", 8, id="two expressions"),
        pytest.param("${{ false }}\n", 12, id="newline kept by a | block scalar"),
        pytest.param(" ${{ false }}", 0, id="leading space"),
    ],
)
def test_parse_condition_refuses_mixed_text(text, offset):
    with pytest.raises(ExpressionError) as caught:
        parse_condition(text)
    assert "always true" in caught.value.message
    assert caught.value.offset == offset


def test_parse_condition_locates_errors_and_nodes_in_the_value():
    with pytest.raises(ExpressionError) as caught:
        parse_condition("${{ a = b }}")
    assert caught.value.offset == 6
    node, _ = parse_condition("${{ a == b }}")
    assert node.right.span == (9, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("${{ a  ==  b }}", "${{ a == b }}", id="wrapped"),
        pytest.param("a  ==  b", "a == b", id="bare"),
    ],
)
def test_format_condition_round_trip(text, expected):
    assert format_condition(*parse_condition(text)) == expected


# --------------------------------------------------------------------------------------------------- evaluation

EVENT = {
    "github": {
        "event_name": "push",
        "ref": "refs/heads/main",
        "event": {"pull_request": {"labels": [{"name": "bug"}, {"name": "CI"}]}},
    },
    "needs": {"build": {"result": "success", "outputs": {"changed": "true"}}, "test": {"result": "failure"}},
    "arr": [1, "two", None],
    "obj": {"Key": "value"},
    "steps": {"meta": {"outputs": {"json": '{"tags": ["v1", "latest"], "n": 2}'}}},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # loose equality (docs: "GitHub performs loose equality comparisons")
        pytest.param("null == 0", True, id="null is 0"),
        pytest.param("null == ''", True, id="null and empty string"),
        pytest.param("null == false", True, id="null and false"),
        pytest.param("null == null", True, id="null and null"),
        pytest.param("true == 1", True, id="true is 1"),
        pytest.param("false == 0", True, id="false is 0"),
        pytest.param("'' == 0", True, id="empty string is 0"),
        pytest.param("'1' == 1", True, id="numeric string"),
        pytest.param("'0x10' == 16", True, id="hex string"),
        pytest.param("' 2 ' == 2", True, id="string trimmed to a number"),
        pytest.param("'abc' == 0", False, id="non-numeric string is NaN"),
        pytest.param("NaN == NaN", False, id="NaN equals nothing"),
        pytest.param("'true' == true", False, id="string 'true' is NaN, true is 1"),
        pytest.param("arr == arr", True, id="same array"),
        pytest.param("arr == 0", False, id="arrays are not coerced"),
        pytest.param("obj == obj.*", False, id="different containers"),
        pytest.param("'abc' == 'ABC'", True, id="case-insensitive strings"),
        pytest.param("'ü' == 'Ü'", True, id="case-insensitive beyond ASCII"),
        pytest.param("'ı' == 'I'", False, id="dotless i stays apart"),
        pytest.param("'abc' != 'ABC'", False, id="not equal ignores case"),
        # ordering
        pytest.param("'a' < 'B'", True, id="strings ordered ignoring case"),
        pytest.param("'A' < '['", True, id="letters order as upper case"),
        pytest.param("'10' < 9", False, id="string against number orders as numbers"),
        pytest.param("false < true", True, id="booleans"),
        pytest.param("null < 1", True, id="null is 0"),
        pytest.param("'abc' <= 'ABC'", True, id="<= includes equal strings"),
        pytest.param("NaN >= NaN", False, id="NaN orders with nothing"),
        pytest.param("arr < arr", False, id="containers do not order"),
        pytest.param("arr <= arr", True, id="but equal to themselves"),
        # && and || return operands
        pytest.param("1 && 'x'", "x", id="and returns the right operand"),
        pytest.param("0 && 'x'", 0, id="and returns a falsy left operand"),
        pytest.param("'' || 'default'", "default", id="or for defaults"),
        pytest.param("'set' || 'default'", "set", id="or returns a truthy left operand"),
        pytest.param("null || 0", 0, id="or returns the last operand"),
        pytest.param("!0", True, id="not"),
        pytest.param("!arr", False, id="arrays are truthy"),
        # access
        pytest.param("github.event_name", "push", id="property"),
        pytest.param("GITHUB.Event_Name", "push", id="case-insensitive names"),
        pytest.param("obj.key", "value", id="case-insensitive keys"),
        pytest.param("github['ref']", "refs/heads/main", id="string index"),
        pytest.param("github.missing.deeper", None, id="missing gives null"),
        pytest.param("nothing", None, id="missing context"),
        pytest.param("arr[1]", "two", id="array index"),
        pytest.param("arr['1']", "two", id="numeric string index"),
        pytest.param("arr[1.7]", "two", id="index floored"),
        pytest.param("arr[3]", None, id="index out of range"),
        pytest.param("arr[-1]", None, id="negative index"),
        pytest.param("arr.length", None, id="no length property"),
        pytest.param("github.event.pull_request.labels.*.name", ["bug", "CI"], id="object filter"),
        pytest.param("needs.*.result", ["success", "failure"], id="filter over an object"),
        pytest.param("needs.*.outputs.changed", ["true"], id="missing keys are skipped"),
        pytest.param("github.event_name.*", [], id="filter on a string is empty"),
        # functions
        pytest.param("contains('Hello world', 'WORLD')", True, id="contains on strings ignores case"),
        pytest.param("contains(github.event.pull_request.labels.*.name, 'ci')", True, id="contains on array"),
        pytest.param("contains(arr, 'TWO')", True, id="array items compare loosely"),
        pytest.param("contains(arr, 3)", False, id="not in the array"),
        pytest.param("contains(obj, 'Key')", False, id="objects contain nothing"),
        pytest.param("contains(123, 2)", True, id="numbers as strings"),
        pytest.param(
            'contains(fromJSON(\'["push", "pull_request"]\'), github.event_name)', True, id="docs example"
        ),
        pytest.param("startsWith('Hello world', 'he')", True, id="startsWith ignores case"),
        pytest.param("endsWith('Hello world', 'ld')", True, id="endsWith"),
        pytest.param("endsWith(arr, '')", False, id="endsWith on an array"),
        pytest.param(
            "format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')", "Hello Mona the Octocat", id="format"
        ),
        pytest.param(
            "format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat')",
            "{Hello Mona the Octocat!}",
            id="format braces",
        ),
        pytest.param("format('{0}{0}', 1.5)", "1.51.5", id="argument used twice"),
        pytest.param("format('}}{{', 'abc')", "}{", id="escaped braces only"),
        pytest.param("format('{0}', -0)", "0", id="minus zero"),
        pytest.param("format('{0}', 0.1)", "0.1", id="decimal"),
        pytest.param("format('{0}', 1e21)", "1e+21", id="large number"),
        pytest.param("format('{0}', 0.0000001)", "1e-7", id="small number"),
        pytest.param("format('{0}|{1}|{2}', null, true, arr)", "|true|Array", id="argument coercion"),
        pytest.param("format(null)", "", id="format of null"),
        pytest.param("join(arr)", "1,two,", id="join"),
        pytest.param(
            "join(github.event.pull_request.labels.*.name, ', ')", "bug, CI", id="join with separator"
        ),
        pytest.param("join('abc')", "abc", id="join of a string"),
        pytest.param("join(obj)", "", id="join of an object"),
        pytest.param("toJSON(obj)", '{\n  "Key": "value"\n}', id="toJSON pretty prints"),
        pytest.param("toJSON(fromJSON('[1, 2.0]'))", "[\n  1,\n  2\n]", id="toJSON numbers"),
        pytest.param("toJSON('a')", '"a"', id="toJSON string"),
        pytest.param("fromJSON(steps.meta.outputs.json).tags[0]", "v1", id="fromJSON then index"),
        pytest.param("fromJSON(steps.meta.outputs.json).n > 1", True, id="fromJSON numbers"),
        pytest.param("fromJSON('true')", True, id="fromJSON boolean"),
        pytest.param("case(github.event_name == 'push', 'p', 'other')", "p", id="case"),
        pytest.param("CONTAINS('abc', 'B')", True, id="function names ignore case"),
    ],
)
def test_evaluate(text, expected):
    assert evaluate(parse(text), EVENT) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("always()", "unknown function 'always'", id="status functions come from the caller"),
        pytest.param("hashFiles('x')", "unknown function 'hashFiles'", id="hashFiles too"),
        pytest.param("format('{0')", "invalid format string", id="unclosed placeholder"),
        pytest.param("format('{0}}', 'a')", "invalid format string", id="stray closing brace"),
        pytest.param("format('}{0}', 'a')", "invalid format string", id="stray brace first"),
        pytest.param("format('{a}', 'a')", "invalid format string", id="placeholder that is not a number"),
        pytest.param("format('{0}{1}', 'a')", "references {1} but has 1 argument(s)", id="missing argument"),
        pytest.param("fromJSON('')", "empty input", id="empty JSON"),
        pytest.param("fromJSON('{')", "invalid JSON", id="bad JSON"),
        pytest.param("fromJSON('NaN')", "invalid JSON", id="JSON has no NaN"),
        pytest.param("case('x', 1, 2)", "predicates must be booleans", id="case predicate"),
    ],
)
def test_evaluate_errors(text, message):
    with pytest.raises(ExpressionError) as caught:
        evaluate(parse(text), EVENT)
    assert message in caught.value.message


def test_evaluate_uses_caller_functions_ignoring_case():
    functions = {"Success": lambda: False, "ALWAYS": lambda: True, "contains": lambda x, y: "mine"}
    assert evaluate(parse("success() || always()"), {}, functions) is True
    assert evaluate(parse("contains(1, 2)"), {}, functions) == "mine"
    with pytest.raises(ExpressionError) as caught:
        evaluate(Call("always", (Literal(1),), span=(4, 13)), {}, functions)
    assert caught.value.offset == 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(False, False, id="false"),
        pytest.param(0, False, id="zero"),
        pytest.param(-0.0, False, id="minus zero"),
        pytest.param(math.nan, False, id="NaN"),
        pytest.param("", False, id="empty string"),
        pytest.param(None, False, id="null"),
        pytest.param("false", True, id="the string false"),
        pytest.param("0", True, id="the string 0"),
        pytest.param([], True, id="empty array"),
        pytest.param({}, True, id="empty object"),
        pytest.param(-1, True, id="negative number"),
    ],
)
def test_truthy(value, expected):
    assert truthy(value) is expected


# R7's final-cleanup condition, checked against the spec's truth table.
FINAL_CLEANUP = (
    "always() && (github.event_name == 'pull_request' || "
    "(github.event_name == 'push' && needs.publish-production.result == 'success'))"
)


@pytest.mark.parametrize(
    ("event", "publish", "runs"),
    [
        pytest.param("pull_request", "skipped", True, id="pull request: cleanup as before"),
        pytest.param("push", "success", True, id="push, group succeeded: cleanup"),
        pytest.param("push", "failure", False, id="push, group failed: staging kept"),
        pytest.param("push", "skipped", False, id="push, gates failed so group skipped: staging kept"),
        pytest.param("push", "cancelled", False, id="push, group cancelled: staging kept"),
        pytest.param("schedule", "skipped", False, id="other events"),
    ],
)
def test_final_cleanup_truth_table(event, publish, runs):
    context = {"github": {"event_name": event}, "needs": {"publish-production": {"result": publish}}}
    result = evaluate(parse(FINAL_CLEANUP), context, {"always": lambda: True})
    assert truthy(result) is runs


# --------------------------------------------------------------------------------------------------- properties

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,6}", fullmatch=True)
context_names = names.filter(lambda n: n not in KEYWORDS)
function_names = context_names.filter(lambda n: n.lower() not in ARITY)
literals = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
).map(Literal)


def _trees(leaves):
    return st.recursive(
        leaves,
        lambda kids: st.one_of(
            st.builds(Property, kids, names),
            st.builds(Index, kids, kids),
            st.builds(Star, kids),
            st.builds(Call, function_names, st.lists(kids, max_size=3).map(tuple)),
            st.builds(Not, kids),
            st.builds(Binary, st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "&&", "||"]), kids, kids),
        ),
        max_leaves=12,
    )


trees = _trees(st.one_of(literals, st.builds(Context, context_names)))


@settings(max_examples=300, deadline=None)
@given(trees)
def test_printed_trees_parse_back_equal(node):
    text = to_source(node)
    assert parse(text) == node
    assert to_source(parse(text)) == text


values = st.sampled_from([None, True, False, 0, 1, 2, -1, 0.5, math.nan, "", "a", "A", "1", "0x1", "push"])
small_literals = values.map(Literal)
logic = st.recursive(
    st.one_of(small_literals, st.sampled_from([a, b, c])),
    lambda kids: st.one_of(
        st.builds(Not, kids),
        st.builds(Binary, st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "&&", "||"]), kids, kids),
    ),
    max_leaves=10,
)


def _same(x, y):
    if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
        return True
    return type(x) is type(y) and x == y


@settings(max_examples=300, deadline=None)
@given(logic, values, values, values)
def test_fold_keeps_meaning(node, va, vb, vc):
    context = {"a": va, "b": vb, "c": vc}
    before = evaluate(node, context)
    assert _same(evaluate(fold(node, boolean=False), context), before)
    assert truthy(evaluate(fold(node, boolean=True), context)) is truthy(before)
