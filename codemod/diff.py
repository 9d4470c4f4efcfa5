"""Unified diffs of file changes that `git apply` accepts (creations and deletions included)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from codemod.result import FileChange

NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str | None) -> list[str]:
    if not text:
        return []
    lines = text.splitlines(keepends=True)
    # splitlines also splits on \x0b, \x0c, \x1c..., \u2028: only \n ends a line for git.
    out: list[str] = []
    buf = ""
    for line in lines:
        buf += line
        if buf.endswith("\n"):
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


def file_diff(change: FileChange, context: int = 3) -> str:
    path = change.path
    old, new = _lines(change.old_text), _lines(change.new_text)
    header = [f"diff --git a/{path} b/{path}\n"]
    if change.old_text is None:
        header.append("new file mode 100644\n")
    elif change.new_text is None:
        header.append("deleted file mode 100644\n")
    body = list(difflib.unified_diff(old, new, "/dev/null" if change.old_text is None else f"a/{path}",
                                     "/dev/null" if change.new_text is None else f"b/{path}", n=context))
    if not body:
        return ""
    out = [*header, body[0].rstrip(" \n") + "\n", body[1].rstrip(" \n") + "\n"]
    for line in body[2:]:
        out.append(line)
        if not line.endswith("\n"):
            out[-1] += "\n"
            out.append(NO_NEWLINE)
    return "".join(out)


def unified_diff(changes: Iterable[FileChange]) -> str:
    return "".join(file_diff(c) for c in changes)


def colourise(diff: str) -> str:
    """ANSI colours for a terminal: additions green, deletions red, hunk headers cyan."""
    out = []
    for line in diff.splitlines(keepends=True):
        if line.startswith(("+++", "---", "diff --git")):
            out.append(f"\x1b[1m{line.rstrip(chr(10))}\x1b[0m\n")
        elif line.startswith("+"):
            out.append(f"\x1b[32m{line.rstrip(chr(10))}\x1b[0m\n")
        elif line.startswith("-"):
            out.append(f"\x1b[31m{line.rstrip(chr(10))}\x1b[0m\n")
        elif line.startswith("@@"):
            out.append(f"\x1b[36m{line.rstrip(chr(10))}\x1b[0m\n")
        else:
            out.append(line)
    return "".join(out)
