"""GitHub's branch filter patterns (`on.push.branches`, `workflow_run.branches`), as documented in
"Filter pattern cheat sheet": `*` matches any characters but `/`, `**` any characters, `?` and `+` repeat
the preceding character (zero-or-one, one-or-more), `[...]` a character class, a leading `!` negates, and the
last pattern that matches decides."""

from __future__ import annotations

import re
from functools import lru_cache

WILDCARDS = set("*?+[]!")


def has_wildcards(pattern: str) -> bool:
    return any(ch in WILDCARDS for ch in pattern)


@lru_cache(maxsize=256)
def pattern_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch in "?+":
            out.append(ch if out else re.escape(ch))
        elif ch == "[":
            end = pattern.find("]", i)
            if end == -1:
                out.append(re.escape(ch))
            else:
                out.append(pattern[i : end + 1])
                i = end + 1
                continue
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z")


def branch_matches(branch: str, patterns: list[str]) -> bool:
    """Whether `branch` passes a `branches:` list (with `!` negations, last match wins)."""
    matched = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if pattern_regex(body).match(branch):
            matched = not negated
    return matched


def as_list(value: object) -> list[str] | None:
    """A filter value as a list of strings (`main` and `[main]` alike); None when absent."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return None
