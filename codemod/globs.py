"""Path globs of the configuration (`docs.globs`, `scripts.globs`), matched against repo-relative POSIX paths.

`*` and `?` stay inside one path segment, so `*.md` matches top-level files only; `**` as a whole segment
matches zero or more directories (`docs/**/*.md` matches `docs/a.md` and `docs/x/y/a.md`, a trailing `**`
matches everything below); `[abc]` and `[!abc]` are character classes. A leading `./` or `/` is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


def match(path: str, globs: Iterable[str]) -> bool:
    """Whether the repo-relative POSIX `path` matches any of `globs`."""
    path = _strip(path)
    return any(_compile(_strip(glob)).fullmatch(path) for glob in globs)


def _strip(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


@lru_cache(maxsize=256)
def _compile(glob: str) -> re.Pattern[str]:
    segments = glob.split("/")
    parts: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
        else:
            parts.append(_segment(segment) + ("" if last else "/"))
    return re.compile("".join(parts))


def _segment(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        ch = segment[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[" and (end := _class_end(segment, i)) > 0:
            out.append(_char_class(segment[i + 1 : end]))
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int:
    """The index of the `]` closing the class opened at `start`, or -1 (then `[` is literal)."""
    i = start + 1
    if i < len(segment) and segment[i] in "!^":
        i += 1
    if i < len(segment) and segment[i] == "]":
        i += 1
    end = segment.find("]", i)
    return end


def _char_class(body: str) -> str:
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    body = body.replace("\\", "\\\\").replace("/", "")
    return f"[^/{body}]" if negate else f"[{body}]"
