"""GitHub Actions expressions (the language of `${{ }}` and `if:`): tokenize, parse, print, fold, evaluate.

The grammar follows GitHub's own parser (actions/languageservices `expressions/`, which the runner mirrors):

- whitespace separates tokens; identifiers are `[A-Za-z_][A-Za-z0-9_-]*`; `true`, `false`, `null` (and the
  numbers `NaN`, `Infinity`) are keywords, lower-case only, except right after a `.` (`foo.true` is a property);
- numbers are what JavaScript's `Number()` reads: `711`, `-9.2`, `0xff`, `0o17`, `0b11`, `-2.99e-2`, `.5`,
  `+1`, `-Infinity`; a `-` or `+` always starts a number (there is no subtraction);
- strings are single-quoted with `''` for a quote; double quotes are an error;
- a `.` right after a name, `]`, `)` or `*` is a property access, anywhere else it starts a number;
- precedence, loosest first: `||`, `&&`, `== !=`, `< <= > >=`, `!`, then `.` `[]` `()`; binary operators are
  left-associative; `.x`, `[i]`, `.*`, `[*]` may follow a name, a call or a parenthesised expression only.

Nodes are frozen dataclasses. Equality is structural: source positions (`span`), a literal's source spelling
(`raw`), whether `[*]` or `.*` was written, and whether the source grouped a binary operand in parentheses
are kept for printing and error locations but ignored by `==` and `hash`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

__all__ = [
    "Binary",
    "Call",
    "Context",
    "ExpressionError",
    "Index",
    "Literal",
    "Node",
    "Not",
    "Property",
    "Star",
    "evaluate",
    "find_embedded",
    "fold",
    "format_condition",
    "make_reference",
    "parse",
    "parse_condition",
    "reference",
    "reference_lower",
    "rewrite_embedded",
    "status_functions",
    "to_source",
    "transform",
    "truthy",
    "walk",
]

KEYWORDS = frozenset({"true", "false", "null", "NaN", "Infinity"})
STATUS_FUNCTIONS = frozenset({"always", "success", "failure", "cancelled"})
BINARY_OPERATORS = ("||", "&&", "==", "!=", "<", "<=", ">", ">=")
MAX_NESTING = 50  # parentheses, `!`, calls and indexes inside each other, as GitHub's own parser allows
MAX_DEPTH = 150  # deeper trees (long `&&` chains) are refused: printing and folding recurse per level

# (min, max) argument counts of the functions GitHub knows; None = no maximum. Other names are not checked.
ARITY: dict[str, tuple[int, int | None]] = {
    "contains": (2, 2),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "format": (1, 255),
    "join": (1, 2),
    "tojson": (1, 1),
    "fromjson": (1, 1),
    "hashfiles": (1, 255),
    "case": (3, None),
    "always": (0, 0),
    "success": (0, 0),
    "failure": (0, 0),
    "cancelled": (0, 0),
}


class ExpressionError(Exception):
    """A syntax or evaluation error; `offset` is a 0-based index into the parsed text (column = offset + 1)."""

    def __init__(self, message: str, offset: int = 0) -> None:
        self.message = message
        self.offset = offset
        super().__init__(f"{message} at column {offset + 1}")


# --------------------------------------------------------------------------------------------------- nodes

Span = tuple[int, int]


def is_identifier(text: str) -> bool:
    """Whether `text` is a legal name: `[A-Za-z_][A-Za-z0-9_-]*` (ASCII only)."""
    if not text or not (text[0].isascii() and (text[0].isalpha() or text[0] == "_")):
        return False
    return all(c.isascii() and (c.isalnum() or c in "_-") for c in text[1:])


def _check_name(kind: str, name: str, *, keyword_ok: bool = False) -> None:
    if not is_identifier(name) or (not keyword_ok and name in KEYWORDS):
        raise ValueError(f"{kind} name {name!r} is not a legal identifier")


@dataclass(frozen=True, eq=False)
class Literal:
    """null, a boolean, a number or a string; `raw` keeps the source spelling (`0xFF`, `1e3`, `'it''s'`)."""

    value: bool | int | float | str | None
    raw: str | None = field(default=None, repr=False)
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        if not isinstance(self.value, None | bool | int | float | str):
            raise TypeError(f"a literal cannot hold {type(self.value).__name__}")

    def _key(self) -> tuple[str, Any]:
        value = self.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = _as_float(value)
            return ("number", "NaN" if math.isnan(number) else number)
        return (type(value).__name__, value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Literal):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


@dataclass(frozen=True)
class Context:
    """A root name: `github`, `env`, `needs`, `inputs`, `steps`, `matrix`, `secrets`, `vars`..."""

    name: str
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        _check_name("context", self.name)


@dataclass(frozen=True)
class Property:
    """`obj.name`."""

    obj: Node
    name: str
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        _check_name("property", self.name, keyword_ok=True)


@dataclass(frozen=True)
class Index:
    """`obj[index]`."""

    obj: Node
    index: Node
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Star:
    """`obj.*` (or `obj[*]` when `bracket`): the object filter."""

    obj: Node
    bracket: bool = field(default=False, compare=False, repr=False, kw_only=True)
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Call:
    """`name(args...)`; function names are case-insensitive."""

    name: str
    args: tuple[Node, ...] = ()
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        _check_name("function", self.name)
        if not isinstance(self.args, tuple):
            object.__setattr__(self, "args", tuple(self.args))


@dataclass(frozen=True)
class Not:
    """`!expr`."""

    expr: Node
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Binary:
    """`left op right`; `grouped` records that the source wrote this operand in parentheses."""

    op: str
    left: Node
    right: Node
    grouped: bool = field(default=False, compare=False, repr=False, kw_only=True)
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.op not in BINARY_OPERATORS:
            raise ValueError(f"unknown operator {self.op!r}")


Node = Literal | Context | Property | Index | Star | Call | Not | Binary


def _as_float(value: int | float) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


# --------------------------------------------------------------------------------------------------- numbers


def _all_digits(text: str, digits: str = "0123456789") -> bool:
    return bool(text) and all(c in digits for c in text)


def _is_decimal(text: str) -> bool:
    """`1`, `1.`, `.5`, `1.5e-3` (no sign): JavaScript's StrUnsignedDecimalLiteral without Infinity."""
    mantissa, e, exponent = text.lower().partition("e")
    if e and not _all_digits(exponent[1:] if exponent[:1] in "+-" else exponent):
        return False
    whole, _, fraction = mantissa.partition(".")
    return (bool(whole) or bool(fraction)) and all(_all_digits(p) for p in (whole, fraction) if p)


_RADIX = {"0x": (16, "0123456789abcdef"), "0o": (8, "01234567"), "0b": (2, "01")}


def js_number(text: str) -> float:
    """What JavaScript's `Number(text)` gives: NaN when `text` is not a number, 0 for blank text."""
    text = text.strip()
    if not text:
        return 0.0
    radix = _RADIX.get(text[:2].lower())
    if radix is not None:
        return float(int(text[2:], radix[0])) if _all_digits(text[2:].lower(), radix[1]) else math.nan
    sign, body = (text[0], text[1:]) if text[0] in "+-" else ("", text)
    if body == "Infinity":
        return -math.inf if sign == "-" else math.inf
    return float(sign + body) if _is_decimal(body) else math.nan


def _number_value(number: int | float) -> int | float:
    """An integral number as `int` (so it prints without `.0`), anything else as `float`."""
    if isinstance(number, int):
        return number
    if math.isfinite(number) and number.is_integer() and abs(number) < 2**53:
        return int(number)
    return number


# --------------------------------------------------------------------------------------------------- lexer


class Token(NamedTuple):
    kind: str  # "num", "str", "ident", "true", "false", "null", or the operator / punctuation itself
    text: str
    start: int
    end: int
    value: Any = None


_BOUNDARY = frozenset("()[],.!<>=&|")
_PUNCTUATION = frozenset("()[],*")
_POSTFIXABLE = frozenset({"ident", "]", ")", "*"})  # a `.` after these is a property access


def _is_boundary(char: str) -> bool:
    return char in _BOUNDARY or char.isspace()


class _Lexer:
    def __init__(self, text: str, base: int) -> None:
        self.text = text
        self.base = base
        self.pos = 0
        self.tokens: list[Token] = []

    def error(self, message: str, pos: int) -> ExpressionError:
        return ExpressionError(message, self.base + pos)

    def run(self) -> list[Token]:
        while True:
            while self.pos < len(self.text) and self.text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(self.text):
                return self.tokens
            self._token()

    def _add(self, kind: str, end: int, value: Any = None) -> None:
        start = self.pos
        self.tokens.append(Token(kind, self.text[start:end], self.base + start, self.base + end, value))
        self.pos = end

    def _previous(self) -> str | None:
        return self.tokens[-1].kind if self.tokens else None

    def _token(self) -> None:
        char, pair = self.text[self.pos], self.text[self.pos : self.pos + 2]
        if pair in ("==", "!=", "<=", ">=", "&&", "||"):
            self._add(pair, self.pos + 2)
        elif char in "&|=":
            raise self.error(f"'{char}' is not an operator (did you mean '{char * 2}'?)", self.pos)
        elif char in _PUNCTUATION or char in "!<>" or (char == "." and self._previous() in _POSTFIXABLE):
            self._add(char, self.pos + 1)
        elif char == "'":
            self._string()
        elif char == '"':
            raise self.error(
                "double quotes do not make a string in an expression: use single quotes", self.pos
            )
        elif char in ".+-" or char.isdigit():
            self._number()
        else:
            self._word()

    def _lexeme_end(self, *, dot_ok: bool) -> int:
        end = self.pos
        while end < len(self.text) and (
            not _is_boundary(self.text[end]) or (dot_ok and self.text[end] == ".")
        ):
            end += 1
        return end

    def _string(self) -> None:
        end = self.pos + 1
        while True:
            quote = self.text.find("'", end)
            if quote < 0:
                raise self.error("unterminated string literal", self.pos)
            if self.text[quote + 1 : quote + 2] != "'":
                break
            end = quote + 2
        self._add("str", quote + 1, self.text[self.pos + 1 : quote].replace("''", "'"))

    def _number(self) -> None:
        end = self._lexeme_end(dot_ok=True)
        lexeme = self.text[self.pos : end]
        number = js_number(lexeme)
        if math.isnan(number):
            if lexeme.startswith("."):
                raise self.error("'.' must follow a name, ']', ')' or '*'", self.pos)
            raise self.error(f"invalid number '{lexeme}'", self.pos)
        self._add("num", end, _number_value(number))

    def _word(self) -> None:
        end = self._lexeme_end(dot_ok=False)
        lexeme = self.text[self.pos : end]
        if not is_identifier(lexeme):
            hint = " (a quote inside a string is written '')" if "'" in lexeme else ""
            raise self.error(f"unexpected symbol '{lexeme or self.text[self.pos]}'{hint}", self.pos)
        if self._previous() == "." or lexeme not in KEYWORDS:
            self._add("ident", end)
        elif lexeme in ("NaN", "Infinity"):
            self._add("num", end, math.nan if lexeme == "NaN" else math.inf)
        else:
            self._add(lexeme, end, {"true": True, "false": False, "null": None}[lexeme])


def tokenize(text: str, base: int = 0) -> list[Token]:
    """The tokens of `text`, whitespace dropped; offsets are `base` + index into `text`."""
    return _Lexer(text, base).run()


# --------------------------------------------------------------------------------------------------- parser

_LEVELS = (("||",), ("&&",), ("==", "!="), ("<", "<=", ">", ">="))
_LITERAL_TOKENS = frozenset({"num", "str", "true", "false", "null"})


def check_arity(name: str, count: int, offset: int = 0) -> None:
    """Raise ExpressionError when a function GitHub knows gets a wrong number of arguments."""
    bounds = ARITY.get(name.lower())
    if bounds is None:
        return
    low, high = bounds
    if count < low or (high is not None and count > high):
        expected = f"{low}" if low == high else f"{low} or more" if high is None else f"{low} to {high}"
        raise ExpressionError(f"{name}() takes {expected} argument(s), not {count}", offset)
    if name.lower() == "case" and count % 2 == 0:
        raise ExpressionError("case() takes an odd number of arguments", offset)


class _Parser:
    def __init__(self, text: str, base: int) -> None:
        self.tokens = tokenize(text, base)
        self.end = base + len(text)
        self.pos = 0
        self.depth = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError("expected an expression", self.end)
        node = self._expression()
        if self.pos < len(self.tokens):
            raise self._unexpected()
        return node

    # helpers
    def _peek(self) -> str | None:
        return self.tokens[self.pos].kind if self.pos < len(self.tokens) else None

    def _next(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _unexpected(self, expected: str = "") -> ExpressionError:
        suffix = f", expected {expected}" if expected else ""
        if self.pos >= len(self.tokens):
            return ExpressionError(f"unexpected end of expression{suffix}", self.end)
        token = self.tokens[self.pos]
        return ExpressionError(f"unexpected '{token.text}'{suffix}", token.start)

    def _expect(self, kind: str) -> Token:
        if self._peek() != kind:
            raise self._unexpected(f"'{kind}'")
        return self._next()

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionError("expression nests too deeply", self.tokens[self.pos - 1].start)

    # grammar
    def _expression(self) -> Node:
        self._enter()
        node = self._binary(0)
        self.depth -= 1
        return node

    def _binary(self, level: int) -> Node:
        if level == len(_LEVELS):
            return self._unary()
        left = self._binary(level + 1)
        while self._peek() in _LEVELS[level]:
            op = self._next().kind
            right = self._binary(level + 1)
            left = Binary(op, left, right, span=(left.span[0], right.span[1]))
        return left

    def _unary(self) -> Node:
        if self._peek() != "!":
            return self._postfix()
        bang = self._next()
        self._enter()
        operand = self._unary()
        self.depth -= 1
        return Not(operand, span=(bang.start, operand.span[1]))

    def _postfix(self) -> Node:
        if self._peek() in _LITERAL_TOKENS:
            token = self._next()
            return Literal(token.value, raw=token.text, span=(token.start, token.end))
        node = self._primary()
        while self._peek() in ("[", "."):
            node = self._index(node) if self._next().kind == "[" else self._member(node)
        return node

    def _index(self, obj: Node) -> Node:
        if self._peek() == "*":
            self._next()
            close = self._expect("]")
            return Star(obj, bracket=True, span=(obj.span[0], close.end))
        index = self._expression()
        close = self._expect("]")
        return Index(obj, index, span=(obj.span[0], close.end))

    def _member(self, obj: Node) -> Node:
        if self._peek() == "*":
            return Star(obj, span=(obj.span[0], self._next().end))
        if self._peek() != "ident":
            raise self._unexpected("a property name after '.'")
        name = self._next()
        return Property(obj, name.text, span=(obj.span[0], name.end))

    def _primary(self) -> Node:
        kind = self._peek()
        if kind == "ident":
            name = self._next()
            return (
                self._call(name) if self._peek() == "(" else Context(name.text, span=(name.start, name.end))
            )
        if kind == "(":
            self._next()
            node = self._expression()
            self._expect(")")
            return dataclasses.replace(node, grouped=True) if isinstance(node, Binary) else node
        raise self._unexpected("a value")

    def _call(self, name: Token) -> Node:
        self._next()
        args: list[Node] = []
        if self._peek() != ")":
            args.append(self._expression())
            while self._peek() == ",":
                self._next()
                args.append(self._expression())
        if self._peek() != ")":
            raise self._unexpected("',' or ')'")
        close = self._next()
        check_arity(name.text, len(args), name.start)
        return Call(name.text, tuple(args), span=(name.start, close.end))


def _depth(node: Node) -> int:
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children(current))
    return deepest


def parse(text: str, *, base: int = 0) -> Node:
    """Parse the inside of `${{ }}` (or a bare `if:`); node spans and error offsets are `base` + index."""
    node = _Parser(text, base).parse()
    if _depth(node) > MAX_DEPTH:
        raise ExpressionError("expression nests too deeply", base)
    return node


# --------------------------------------------------------------------------------------------------- printer

_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4}
_NOT_PRECEDENCE = 5
_POSTFIX_OBJECTS = (Context, Property, Index, Star, Call)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _number_source(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return str(_number_value(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def _literal_source(node: Literal) -> str:
    value = node.value
    if node.raw is not None:
        return node.raw
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, str):
        return _quote(value)
    return _number_source(value)


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return _PRECEDENCE[node.op]
    return _NOT_PRECEDENCE if isinstance(node, Not) else _NOT_PRECEDENCE + 1


def _operand(node: Node, parent: int, *, right: bool) -> str:
    """`node` printed as an operand of an operator of precedence `parent`, parenthesised when needed
    (binary operators are left-associative, so an equal precedence on the right needs parentheses)."""
    precedence = _precedence(node)
    needs = precedence < parent or (right and precedence == parent) or getattr(node, "grouped", False)
    source = to_source(node)
    return f"({source})" if needs else source


def _postfix_object(node: Node) -> str:
    source = to_source(node)
    return source if isinstance(node, _POSTFIX_OBJECTS) else f"({source})"


def to_source(node: Node) -> str:
    """Canonical text: `a == b`, `f(a, b)`, `!a`, single-quoted strings, the fewest parentheses precedence
    needs plus the ones the source put around a binary operand (`a || (b && c)` stays as written)."""
    match node:
        case Literal():
            return _literal_source(node)
        case Context(name=name):
            return name
        case Property(obj=obj, name=name):
            return f"{_postfix_object(obj)}.{name}"
        case Index(obj=obj, index=index):
            return f"{_postfix_object(obj)}[{to_source(index)}]"
        case Star(obj=obj, bracket=bracket):
            return _postfix_object(obj) + ("[*]" if bracket else ".*")
        case Call(name=name, args=args):
            return f"{name}({', '.join(to_source(arg) for arg in args)})"
        case Not(expr=expr):
            return "!" + _operand(expr, _NOT_PRECEDENCE, right=False)
        case Binary(op=op, left=left, right=right):
            precedence = _PRECEDENCE[op]
            return f"{_operand(left, precedence, right=False)} {op} {_operand(right, precedence, right=True)}"
    raise TypeError(f"not an expression node: {node!r}")


# --------------------------------------------------------------------------------------------------- traversal


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of `node`, in source order."""
    match node:
        case Property(obj=obj) | Star(obj=obj):
            return (obj,)
        case Index(obj=obj, index=index):
            return (obj, index)
        case Call(args=args):
            return args
        case Not(expr=expr):
            return (expr,)
        case Binary(left=left, right=right):
            return (left, right)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def map_children(node: Node, fn: Callable[[Node], Node]) -> Node:
    """`node` with `fn` applied to each direct child; the same object when no child changed."""
    match node:
        case Property(obj=obj) | Star(obj=obj):
            new = fn(obj)
            return node if new is obj else dataclasses.replace(node, obj=new)
        case Index(obj=obj, index=index):
            new_obj, new_index = fn(obj), fn(index)
            same = new_obj is obj and new_index is index
            return node if same else dataclasses.replace(node, obj=new_obj, index=new_index)
        case Call(args=args):
            new_args = tuple(fn(arg) for arg in args)
            same = all(a is b for a, b in zip(new_args, args, strict=True))
            return node if same else dataclasses.replace(node, args=new_args)
        case Not(expr=expr):
            new = fn(expr)
            return node if new is expr else dataclasses.replace(node, expr=new)
        case Binary(left=left, right=right):
            new_left, new_right = fn(left), fn(right)
            same = new_left is left and new_right is right
            return node if same else dataclasses.replace(node, left=new_left, right=new_right)
    return node


def transform(node: Node, fn: Callable[[Node], Node | None]) -> Node:
    """Rewrite bottom-up: `fn` sees each node after its children were rewritten and returns a replacement,
    or None to keep it. Replacements are not visited again. Unchanged subtrees keep their identity."""
    rebuilt = map_children(node, lambda child: transform(child, fn))
    replacement = fn(rebuilt)
    return rebuilt if replacement is None else replacement


def status_functions(node: Node) -> set[str]:
    """The status functions (`always`, `success`, `failure`, `cancelled`) called anywhere, lower-cased."""
    return {n.name.lower() for n in walk(node) if isinstance(n, Call) and n.name.lower() in STATUS_FUNCTIONS}


# --------------------------------------------------------------------------------------------------- references


def reference(node: Node) -> tuple[str, ...] | None:
    """`('github', 'event', 'workflow_run', 'head_sha')` for a chain of `.name` and `['name']` from a context,
    names as written; None for anything else (a call, a `*`, a computed index...)."""
    parts: list[str] = []
    while True:
        match node:
            case Context(name=name):
                parts.append(name)
                return tuple(reversed(parts))
            case Property(obj=obj, name=name):
                parts.append(name)
            case Index(obj=obj, index=Literal(value=str() as name)):
                parts.append(name)
            case _:
                return None
        node = obj


def reference_lower(node: Node) -> tuple[str, ...] | None:
    """`reference(node)` lower-cased: GitHub looks context and property names up case-insensitively."""
    parts = reference(node)
    return None if parts is None else tuple(part.lower() for part in parts)


def make_reference(*parts: str) -> Node:
    """`make_reference('github', 'sha')` is `github.sha`; a part that is not a name becomes `['part']`."""
    if not parts:
        raise ValueError("a reference needs at least a context name")
    node: Node = Context(parts[0])
    for part in parts[1:]:
        node = Property(node, part) if is_identifier(part) else Index(node, Literal(part))
    return node


# --------------------------------------------------------------------------------------------------- folding

TRUE = Literal(True)
FALSE = Literal(False)


def fold(node: Node, *, boolean: bool = True) -> Node:
    """Constant-fold `node`. Every rule keeps what the expression means; with `boolean=True` (an `if:`) only
    its truthiness must be kept, with `boolean=False` (a value in `run:`, `with:`, `env:`) its exact value.

    Exact in both modes (`&&` and `||` return an operand, never a coerced boolean):
      `true && x` -> `x`, `false && x` -> `false`, `true || x` -> `true`, `false || x` -> `x` (any truthy or
      falsy literal on the left, e.g. `'' || x` -> `x`); `!literal` -> `true`/`false`; a comparison of two
      literals -> its result (`'push' == 'PUSH'` -> `true`, with GitHub's coercions).
    Boolean mode only (these change the value, not the truthiness):
      `x && true` -> `x`, `x && false` -> `false`, `x || true` -> `true`, `x || false` -> `x`, and a falsy
      (truthy) literal left of `&&` (`||`) becomes `false` (`true`). Operands of `&&`, `||` in boolean mode
      and of `!` in either mode are folded in boolean mode; everything else (comparison operands, call
      arguments, indexes) in value mode.
    `!!x` is kept. Expressions have no side effects, so dropping an operand is safe; but a job or step `if:`
    without a status function gets an implicit `success() &&`, so when folding in boolean mode removes every
    status function and the result is not constant false, `always() &&` is put back (`true || always()`
    -> `always()`), so the condition still runs whatever the state of earlier jobs.
    """
    folded = _fold(node, boolean)
    if boolean and _lost_status(node, folded):
        always = Call("always")
        return always if isinstance(folded, Literal) else Binary("&&", always, folded)
    return folded


def _lost_status(before: Node, after: Node) -> bool:
    if isinstance(after, Literal) and not truthy(after.value):
        return False
    return bool(status_functions(before)) and not status_functions(after)


def _fold(node: Node, boolean: bool) -> Node:
    match node:
        case Not(expr=expr):
            inner = _fold(expr, True)
            if isinstance(inner, Literal):
                return Literal(not truthy(inner.value))
            return node if inner is expr else dataclasses.replace(node, expr=inner)
        case Binary(op="&&" | "||" as op, left=left, right=right):
            return _fold_logical(node, op, _fold(left, boolean), _fold(right, boolean), boolean)
        case Binary(op=op):
            folded = map_children(node, lambda child: _fold(child, False))
            if isinstance(folded.left, Literal) and isinstance(folded.right, Literal):
                return Literal(evaluate(folded, {}))
            return folded
    return map_children(node, lambda child: _fold(child, False))


def _as_boolean(literal: Literal, boolean: bool) -> Literal:
    if not boolean or isinstance(literal.value, bool):
        return literal
    return Literal(truthy(literal.value))


def _fold_logical(node: Binary, op: str, left: Node, right: Node, boolean: bool) -> Node:
    short_circuit = (op == "&&") != (isinstance(left, Literal) and truthy(left.value))
    if isinstance(left, Literal):
        return _as_boolean(left, boolean) if short_circuit else right
    if boolean and isinstance(right, Literal):
        if truthy(right.value) == (op == "&&"):
            return left  # x && true, x || false
        return TRUE if op == "||" else FALSE
    if left is node.left and right is node.right:
        return node
    return dataclasses.replace(node, left=left, right=right)


# --------------------------------------------------------------------------------------------------- embedding

OPEN, CLOSE = "${{", "}}"


def _closing(text: str, start: int) -> int:
    """The index just past the `}}` that closes the `${{` at `start`, or -1. Like GitHub, a `'` toggles
    "inside a string" (so `''` escapes come out right) and `}}` inside a string does not close."""
    in_string = False
    for i in range(start + len(OPEN), len(text)):
        if text[i] == "'":
            in_string = not in_string
        elif not in_string and text[i] == "}" and text[i - 1] == "}":
            return i + 1
    return -1


def find_embedded(text: str) -> list[tuple[int, int, str]]:
    """Every `${{ ... }}` in a string value: (start, end) of the whole `${{ ... }}` and the text between the
    braces. GitHub has no escape for `${{` (`$${{ x }}` is a `$` then an expression). An unclosed `${{`
    raises ExpressionError at its offset."""
    found = []
    start = text.find(OPEN)
    while start >= 0:
        end = _closing(text, start)
        if end < 0:
            raise ExpressionError("'${{' is never closed by '}}'", start)
        found.append((start, end, text[start + len(OPEN) : end - len(CLOSE)]))
        start = text.find(OPEN, end)
    return found


def rewrite_embedded(text: str, rewrite: Callable[[Node], Node]) -> str:
    """`text` with `rewrite` applied to the expression of each `${{ }}`. An expression that comes back equal
    keeps its exact text; a changed one is printed with `to_source`, inside the original padding."""
    pieces, last = [], 0
    for start, end, inner in find_embedded(text):
        node = parse(inner, base=start + len(OPEN))
        new = rewrite(node)
        if new == node:
            continue
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        pieces += [text[last:start], OPEN, lead, to_source(new), trail, CLOSE]
        last = end
    return "".join(pieces) + text[last:] if pieces else text


def parse_condition(text: str) -> tuple[Node, bool]:
    """Parse an `if:` value: a bare expression, or exactly one `${{ }}` with nothing around it. Returns the
    node and whether it was wrapped; spans and error offsets index into `text`.

    A value that mixes text and `${{ }}` (`${{ a }} && b`, `a == '${{ b }}'`, or `${{ a }}` followed by a
    newline from a `|` block scalar) is not one expression: GitHub turns it into a string, which is always
    true, so it is refused with an ExpressionError that says so. A bare expression may have whitespace and
    newlines around it. A blank value means `success()`, as in GitHub."""
    embedded = find_embedded(text)
    if not embedded:
        return (parse(text), False) if text.strip() else (Call("success"), False)
    start, end, inner = embedded[0]
    if len(embedded) > 1 or start > 0 or end < len(text):
        raise ExpressionError(
            "this if: mixes text and ${{ }}: GitHub evaluates it as a string, which is always true;"
            " write the whole condition inside one ${{ }} or without ${{ }}",
            0 if start > 0 else end,
        )
    return parse(inner, base=start + len(OPEN)), True


def format_condition(node: Node, wrapped: bool) -> str:
    """`node` as an `if:` value, wrapped in `${{ }}` when the original was. The YAML layer still has to quote
    it where YAML needs quotes (a bare value starting with `!`, `'`, `[`...)."""
    source = to_source(node)
    return f"{OPEN} {source} {CLOSE}" if wrapped else source


# --------------------------------------------------------------------------------------------------- values
# Values are Python data: None, bool, int/float, str, list/tuple (arrays), Mapping (objects).


class _Filtered(list):
    """The array an object filter (`.*`, `[*]`) makes; `.name` / `[i]` on it maps over its items."""


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list | tuple) else "object"


def _primitive(value: Any) -> bool:
    return _kind(value) not in ("array", "object")


def truthy(value: Any) -> bool:
    """GitHub's truthiness: false, 0, -0, NaN, '' and null are falsy; everything else (arrays and objects
    too) is truthy."""
    kind = _kind(value)
    if kind == "null":
        return False
    if kind == "number":
        return not (value == 0 or math.isnan(value))
    if kind in ("boolean", "string"):
        return bool(value)
    return True


def to_number(value: Any) -> float:
    """null -> 0, true -> 1, '' -> 0, '0x10' -> 16, 'abc' -> NaN, arrays and objects -> NaN."""
    kind = _kind(value)
    if kind in ("null", "boolean", "number"):
        return _as_float(value or 0)
    return js_number(value) if kind == "string" else math.nan


def _float_source(number: float) -> str:
    """JavaScript's spelling of a non-integral float: positional from 1e-7 to 1e21, else `1.5e-7`."""
    text = repr(number)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = int(exponent)
    if -7 < power < 21:
        return format(Decimal(text), "f")
    return f"{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"


def _number_string(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        return _number_source(value)
    value = round(value, 15)  # GitHub prints at most 15 decimals
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return _float_source(value)


def to_string(value: Any) -> str:
    """null -> '', true -> 'true', 1.0 -> '1', arrays -> 'Array', objects -> 'Object'."""
    kind = _kind(value)
    if kind == "null":
        return ""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "number":
        return _number_string(value)
    if kind == "string":
        return value
    return "Array" if kind == "array" else "Object"


def _fold_case(text: str) -> str:
    """Upper-case for comparisons, letter by letter, keeping the dotless i (GitHub's OrdinalIgnoreCase)."""
    return "".join(c if c == "ı" or len(c.upper()) != 1 else c.upper() for c in text)


def _coerce(left: Any, right: Any) -> tuple[Any, Any]:
    """GitHub's loose coercion: different kinds meet as numbers; null and booleans always become numbers
    when the other side is of another kind; arrays and objects are never coerced."""
    lk, rk = _kind(left), _kind(right)
    if lk == rk:
        return left, right
    if lk in ("null", "boolean"):
        return _coerce(to_number(left), right)
    if rk in ("null", "boolean"):
        return _coerce(left, to_number(right))
    if {lk, rk} == {"number", "string"}:
        return to_number(left), to_number(right)
    return left, right


def _compare(left: Any, right: Any) -> int | None:
    """-1, 0, 1 after coercion; None when the values do not compare (different kinds, NaN, containers)."""
    left, right = _coerce(left, right)
    kind = _kind(left)
    if kind != _kind(right):
        return None
    if kind == "string":
        left, right = _fold_case(left), _fold_case(right)
    elif kind == "number" and (math.isnan(left) or math.isnan(right)):
        return None
    elif kind == "null":
        return 0
    elif kind in ("array", "object"):
        return 0 if left is right else None
    return (left > right) - (left < right)


def equals(left: Any, right: Any) -> bool:
    """`left == right` in GitHub: loose, strings case-insensitive, arrays and objects by identity."""
    return _compare(left, right) == 0


_COMPARISONS: dict[str, Callable[[int | None], bool]] = {
    "==": lambda c: c == 0,
    "!=": lambda c: c != 0,
    "<": lambda c: c == -1,
    "<=": lambda c: c in (-1, 0),
    ">": lambda c: c == 1,
    ">=": lambda c: c in (0, 1),
}


# --------------------------------------------------------------------------------------------------- access


def _find_key(mapping: Any, key: str) -> tuple[bool, Any]:
    """(found, value) for `key` in `mapping`, exact first, then ignoring case."""
    if key in mapping:
        return True, mapping[key]
    folded = key.lower()
    for name, value in mapping.items():
        if isinstance(name, str) and name.lower() == folded:
            return True, value
    return False, None


def _array_index(key: Any) -> int | None:
    if not _primitive(key):
        return None
    number = to_number(key)
    return math.floor(number) if math.isfinite(number) and number >= 0 else None


def _item(container: Any, key: Any) -> tuple[bool, Any]:
    """(found, value) for `container[key]` on an object or an array."""
    kind = _kind(container)
    if kind == "object" and _primitive(key):
        return _find_key(container, to_string(key))
    if kind == "array":
        index = _array_index(key)
        if index is not None and index < len(container):
            return True, container[index]
    return False, None


def _access(obj: Any, key: Any) -> Any:
    if isinstance(obj, _Filtered):
        return _Filtered(value for item in obj for found, value in [_item(item, key)] if found)
    return _item(obj, key)[1]


def _members(value: Any) -> list[Any]:
    kind = _kind(value)
    if kind == "object":
        return list(value.values())
    return list(value) if kind == "array" else []


def _star(obj: Any) -> _Filtered:
    if isinstance(obj, _Filtered):
        return _Filtered(member for item in obj for member in _members(item))
    return _Filtered(_members(obj))


# --------------------------------------------------------------------------------------------------- functions


def _contains(search: Any, item: Any) -> bool:
    if _primitive(search):
        return _primitive(item) and to_string(item).lower() in to_string(search).lower()
    if _kind(search) == "array":
        return any(equals(item, value) for value in search)
    return False


def _starts_with(text: Any, prefix: Any) -> bool:
    if not (_primitive(text) and _primitive(prefix)):
        return False
    return _fold_case(to_string(text)).startswith(_fold_case(to_string(prefix)))


def _ends_with(text: Any, suffix: Any) -> bool:
    if not (_primitive(text) and _primitive(suffix)):
        return False
    return _fold_case(to_string(text)).endswith(_fold_case(to_string(suffix)))


def _format_argument(template: str, i: int, args: tuple[Any, ...]) -> tuple[str, int]:
    """The text `{N}` at `template[i]` stands for, and the index after it."""
    close = template.find("}", i)
    digits = template[i + 1 : close] if close > i else ""
    if not _all_digits(digits):
        raise ExpressionError(f"invalid format string {template!r}")
    if int(digits) >= len(args):
        raise ExpressionError(
            f"format string {template!r} references {{{digits}}} but has {len(args)} argument(s)"
        )
    return to_string(args[int(digits)]), close + 1


def _format(template: Any, *args: Any) -> str:
    """format('{0} and {{literal}}', x): `{N}` is argument N, `{{` and `}}` are braces."""
    text, out, i = to_string(template), [], 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in ("{{", "}}"):
            out.append(pair[0])
            i += 2
        elif text[i] == "{":
            piece, i = _format_argument(text, i, args)
            out.append(piece)
        elif text[i] == "}":
            raise ExpressionError(f"invalid format string {text!r}")
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _join(items: Any, separator: Any = ",") -> str:
    if _primitive(items):
        return to_string(items)
    if _kind(items) != "array":
        return ""
    glue = to_string(separator) if _primitive(separator) else ","
    return glue.join(to_string(item) for item in items)


def _jsonable(value: Any) -> Any:
    kind = _kind(value)
    if kind == "number":
        return _number_value(value) if math.isfinite(value) else None
    if kind == "array":
        return [_jsonable(item) for item in value]
    if kind == "object":
        return {str(key): _jsonable(item) for key, item in value.items()}
    return value


def _to_json(value: Any) -> str:
    return json.dumps(_jsonable(value), indent=2, ensure_ascii=False)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _from_json(text: Any) -> Any:
    source = to_string(text)
    if not source.strip():
        raise ExpressionError("fromJSON() got empty input")
    try:
        return json.loads(source, parse_constant=_refuse_constant)
    except ValueError as error:
        raise ExpressionError(f"fromJSON() got invalid JSON: {error}") from None


def _case(*args: Any) -> Any:
    for i in range(0, len(args) - 1, 2):
        if not isinstance(args[i], bool):
            raise ExpressionError("case() predicates must be booleans")
        if args[i]:
            return args[i + 1]
    return args[-1]


BUILTINS: dict[str, Callable[..., Any]] = {
    "contains": _contains,
    "startswith": _starts_with,
    "endswith": _ends_with,
    "format": _format,
    "join": _join,
    "tojson": _to_json,
    "fromjson": _from_json,
    "case": _case,
}


# --------------------------------------------------------------------------------------------------- evaluation


class _Evaluator:
    def __init__(
        self, context: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]] | None
    ) -> None:
        self.context = context
        self.functions = {name.lower(): fn for name, fn in (functions or {}).items()}

    def run(self, node: Node) -> Any:
        match node:
            case Literal(value=value):
                return value
            case Context(name=name):
                return _find_key(self.context, name)[1]
            case Property(obj=obj, name=name):
                return _access(self.run(obj), name)
            case Index(obj=obj, index=index):
                return _access(self.run(obj), self.run(index))
            case Star(obj=obj):
                return _star(self.run(obj))
            case Call():
                return self.call(node)
            case Not(expr=expr):
                return not truthy(self.run(expr))
        return self.binary(node)

    def binary(self, node: Binary) -> Any:
        left = self.run(node.left)
        if node.op == "&&":
            return self.run(node.right) if truthy(left) else left
        if node.op == "||":
            return left if truthy(left) else self.run(node.right)
        return _COMPARISONS[node.op](_compare(left, self.run(node.right)))

    def call(self, node: Call) -> Any:
        offset = node.span[0] if node.span else 0
        name = node.name.lower()
        function = self.functions.get(name) or BUILTINS.get(name)
        if function is None:
            raise ExpressionError(f"unknown function '{node.name}'", offset)
        check_arity(node.name, len(node.args), offset)
        args = [self.run(arg) for arg in node.args]
        try:
            return function(*args)
        except ExpressionError as error:
            raise ExpressionError(error.message, offset) from None


def evaluate(
    node: Node, context: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]] | None = None
) -> Any:
    """Evaluate `node` with GitHub's semantics against `context` (context name -> value) and `functions`
    (name -> callable; they win over the built-ins, and the status functions and `hashFiles` exist only
    there). `&&` / `||` return an operand; missing names give null; names are looked up ignoring case."""
    return _Evaluator(context, functions).run(node)
