"""SPEC R8 for Python scripts: string literals that name the post workflow or the old cleanup job follow it.

With libcst (a lossless round trip: formatting, comments and line endings stay), every string literal is
looked at: plain strings, the literal parts of f-strings and each part of an implicit concatenation. The post
workflow's file (basename or path) becomes the CI workflow's, its `name:` the CI workflow's name, the old
cleanup job id the final cleanup id; only the matched characters of the literal's source change.

A literal that dispatches the post workflow (`gh workflow run <file>`, `gh workflow run "<name>"`, the REST
`.../actions/workflows/<file>/dispatches` endpoint, PyGithub's `get_workflow(<file>).create_dispatch(...)`,
also through a constant) is left alone when the CI workflow has no `workflow_dispatch` trigger (dispatching
it would fail): a manual follow-up note. A script that does not parse is a note and stays as it is.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from codemod.docs import Mention, Mentions
from codemod.globs import match
from codemod.result import Category, FileChange, Location, MigrationSummary, Note

_GH_RUN = re.compile(r"\bgh\s+workflow\s+run\b")
_REST_DISPATCH = re.compile(r"/actions/workflows/[^\s\"']*/dispatches\b")
_String = cst.SimpleString | cst.FormattedString | cst.ConcatenatedString


def update_scripts(texts: Mapping[str, str], summary: MigrationSummary, globs: Sequence[str]) -> tuple[list[FileChange], list[Note]]:
    """The changes of SPEC R8 to the Python scripts among `texts` (path -> text) selected by `globs`."""
    mentions = Mentions(summary)
    changes: list[FileChange] = []
    notes: list[Note] = []
    for path in sorted(p for p in texts if p.endswith(".py") and match(p, globs)):
        new_text, script_notes = update_script(path, texts[path], mentions)
        notes += script_notes
        if new_text != texts[path]:
            changes.append(FileChange(path, texts[path], new_text))
    return changes, notes


def update_script(path: str, text: str, mentions: Mentions) -> tuple[str, list[Note]]:
    """One script's new text and notes; a script that does not parse (or cannot be handled) stays as it is."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""  # libcst drops it: put it back
    source = text[len(bom) :]
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        message, line, col = _syntax_error(source, path, exc)
        return text, [Note(Category.SCRIPT, f"could not parse this script ({message}); left unchanged", Location(path, line, col))]
    if module.code != source:
        return text, [Note(Category.SCRIPT, "libcst does not give this script back unchanged; left unchanged", Location(path, 1))]
    try:
        wrapper = MetadataWrapper(module)
        finder = _DispatchFinder(path, mentions)
        wrapper.visit(finder)
        rewriter = _Rewriter(path, mentions, finder.dispatch_literals())
        new_module = wrapper.visit(rewriter)
    except Exception as exc:  # never fatal for the repository: reported, file unchanged
        return text, [Note(Category.SCRIPT, f"could not update this script ({type(exc).__name__}: {exc}); left unchanged", Location(path, 1))]
    notes = sorted(finder.notes + rewriter.notes, key=lambda n: (n.location.line or 0) if n.location else 0)
    return bom + new_module.code, notes


def _syntax_error(text: str, path: str, exc: cst.ParserSyntaxError) -> tuple[str, int, int]:
    """Python's own account of the error (it points at the culprit), else libcst's."""
    try:
        compile(text, path, "exec", ast.PyCF_ONLY_AST)
    except SyntaxError as err:
        return err.msg, err.lineno or 1, err.offset or 1
    except ValueError:
        pass
    found = re.search(r"at (\d+):(\d+)", exc.message)
    if found:
        return exc.message, int(found.group(1)), int(found.group(2))
    return exc.message, exc.editor_line, exc.editor_column


def _body(node: cst.SimpleString) -> str:
    return node.value[len(node.prefix) + len(node.quote) : -len(node.quote)]


def _skeleton(node: cst.BaseExpression) -> str:
    """The text of a string expression as written, with `{}` for the values an f-string inserts."""
    if isinstance(node, cst.SimpleString):
        return _body(node)
    if isinstance(node, cst.FormattedString):
        return "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)
    if isinstance(node, cst.ConcatenatedString):
        return _skeleton(node.left) + _skeleton(node.right)
    return ""


def _literal_parts(node: cst.CSTNode) -> Iterator[cst.SimpleString | cst.FormattedStringText]:
    if isinstance(node, cst.SimpleString | cst.FormattedStringText):
        yield node
    for child in node.children:
        yield from _literal_parts(child)


def _names(node: cst.CSTNode) -> Iterator[str]:
    if isinstance(node, cst.Name):
        yield node.value
    for child in node.children:
        yield from _names(child)


def _is_gh_run_argv(elements: Sequence[str | None]) -> bool:
    """`["gh", "workflow", "run", ...]` (the program may be a path ending in gh)."""
    for i in range(1, len(elements) - 1):
        if elements[i] == "workflow" and elements[i + 1] == "run":
            program = elements[i - 1]
            return program is not None and (program == "gh" or program.endswith("/gh"))
    return False


class _DispatchFinder(cst.CSTVisitor):
    """Finds the string literals that dispatch the post workflow, and mentions split across concatenations."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, path: str, mentions: Mentions) -> None:
        super().__init__()
        self.path, self.mentions = path, mentions
        self.contexts: list[cst.CSTNode] = []  # expressions that dispatch a workflow
        self.workflow_lookups: list[cst.Call] = []  # PyGithub get_workflow(...) calls
        self.creates_dispatch = False
        self.constants: dict[str, list[cst.BaseExpression]] = {}
        self.notes: list[Note] = []
        self._concat_depth = 0

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name) and isinstance(node.value, _String):
                self.constants.setdefault(target.target.value, []).append(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and isinstance(node.value, _String):
            self.constants.setdefault(node.target.value, []).append(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self._check_string(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._check_string(node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        if self._concat_depth == 0:
            self._check_string(node)
            self._check_split(node)
        self._concat_depth += 1

    def leave_ConcatenatedString(self, original_node: cst.ConcatenatedString) -> None:
        self._concat_depth -= 1

    def _check_string(self, node: cst.BaseExpression) -> None:
        text = _skeleton(node)
        if _GH_RUN.search(text) or _REST_DISPATCH.search(text):
            self.contexts.append(node)

    def visit_List(self, node: cst.List) -> None:
        self._check_argv(node)

    def visit_Tuple(self, node: cst.Tuple) -> None:
        self._check_argv(node)

    def _check_argv(self, node: cst.List | cst.Tuple) -> None:
        values = [_skeleton(e.value) if isinstance(e.value, cst.SimpleString) else None for e in node.elements]
        if _is_gh_run_argv(values):
            self.contexts.append(node)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        attr = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if attr == "create_dispatch":
            self.creates_dispatch = True
        elif attr == "get_workflow":
            self.workflow_lookups.append(node)

    def dispatch_literals(self) -> list[cst.CSTNode]:
        """The literal parts (inside a dispatching expression, or constants it uses) that name the post workflow."""
        contexts = list(self.contexts)
        if self.creates_dispatch:
            contexts += [arg for call in self.workflow_lookups for arg in call.args]
        found: list[cst.CSTNode] = []
        for context in contexts:
            for node in self._with_constants(context):
                for part in _literal_parts(node):
                    text = _body(part) if isinstance(part, cst.SimpleString) else part.value
                    if any(m.rename.kind in ("file", "name") for m in self.mentions.find(text, code=True)):
                        found.append(part)
        return found

    def _with_constants(self, context: cst.CSTNode) -> list[cst.CSTNode]:
        nodes = [context]
        for name in _names(context):
            nodes += self.constants.get(name, [])
        return nodes

    def _check_split(self, node: cst.ConcatenatedString) -> None:
        parts, bounds, pos = [], [], 0
        for part in _concat_parts(node):
            text = _skeleton(part)
            parts.append(text)
            bounds.append((pos, pos + len(text)))
            pos += len(text)
        for m in self.mentions.find("".join(parts), code=True):
            if not any(a <= m.start and m.end <= b for a, b in bounds):
                line = self.get_metadata(PositionProvider, node).start.line
                message = f"`{m.old}` is split across the parts of an implicit concatenation; left unchanged, update it by hand"
                self.notes.append(Note(Category.SCRIPT, message, Location(self.path, line)))


def _concat_parts(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(node, cst.ConcatenatedString):
        yield from _concat_parts(node.left)
        yield from _concat_parts(node.right)
    else:
        yield node


class _Rewriter(cst.CSTTransformer):
    """Rewrites the mentions inside string literals, character by character of their source."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, path: str, mentions: Mentions, dispatch: list[cst.CSTNode]) -> None:
        super().__init__()
        self.path, self.mentions = path, mentions
        self.dispatch = dispatch
        self.notes: list[Note] = []
        self._fstrings: list[cst.FormattedString] = []

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._fstrings.append(node)

    def leave_FormattedString(self, original_node: cst.FormattedString, updated_node: cst.FormattedString) -> cst.FormattedString:
        self._fstrings.pop()
        return updated_node

    def leave_SimpleString(self, original_node: cst.SimpleString, updated_node: cst.SimpleString) -> cst.SimpleString:
        if "b" in updated_node.prefix.lower():
            return updated_node
        body = self._rewrite(original_node, _body(original_node), updated_node.prefix, updated_node.quote, fstring=False)
        if body is None:
            return updated_node
        return updated_node.with_changes(value=f"{updated_node.prefix}{updated_node.quote}{body}{updated_node.quote}")

    def leave_FormattedStringText(self, original_node: cst.FormattedStringText, updated_node: cst.FormattedStringText) -> cst.FormattedStringText:
        outer = self._fstrings[-1]
        body = self._rewrite(original_node, original_node.value, outer.prefix, outer.quote, fstring=True)
        return updated_node if body is None else updated_node.with_changes(value=body)

    def _rewrite(self, node: cst.CSTNode, body: str, prefix: str, quote: str, *, fstring: bool) -> str | None:
        found = self.mentions.find(body, code=True)
        if not found:
            return None
        start_line = self.get_metadata(PositionProvider, node).start.line
        dispatch = any(node is d for d in self.dispatch)
        held = [m for m in found if m.rename.kind in ("file", "name")] if dispatch and not self.mentions.can_dispatch else []
        if held:
            self._note(start_line, self._held_message(held))
        new_body = body
        for m in reversed([m for m in found if m not in held]):
            line = start_line + body[: m.start].count("\n")
            replacement = _escape(m.rename.new, prefix, quote, fstring=fstring)
            if replacement is None:
                self._note(line, f"`{m.old}` → `{m.rename.new}` cannot be written in this raw string; left unchanged")
                continue
            new_body = new_body[: m.start] + replacement + new_body[m.end :]
            self._note(line, self._message(m, dispatch))
        return new_body

    def _message(self, m: Mention, dispatch: bool) -> str:
        message = f"{m.rename.what} in a string: `{m.old}` → `{m.rename.new}`"
        if dispatch and m.rename.kind in ("file", "name"):
            message += (
                f"; this dispatches {self.mentions.summary.ci_path} now (workflow_dispatch): "
                "check that the inputs the script sends match the CI workflow's"
            )
        return message

    def _held_message(self, held: list[Mention]) -> str:
        what = ", ".join(dict.fromkeys(f"`{m.old}`" for m in held))
        return (
            f"dispatches the deleted post workflow ({what}), but {self.mentions.summary.ci_path} has no "
            "workflow_dispatch trigger: left unchanged; add the trigger or change the script (manual follow-up)"
        )

    def _note(self, line: int, message: str) -> None:
        self.notes.append(Note(Category.SCRIPT, message, Location(self.path, line)))


def _escape(text: str, prefix: str, quote: str, *, fstring: bool) -> str | None:
    """`text` as it must be written inside a literal with this prefix and quote; None when impossible."""
    if fstring:
        text = text.replace("{", "{{").replace("}", "}}")
    if "r" in prefix.lower():
        return None if "\\" in text or quote[0] in text or "\n" in text else text
    return text.replace("\\", "\\\\").replace(quote[0], "\\" + quote[0]).replace("\n", "\\n")
